"""One MQTT connection: TLS, credentials, Last Will, protocol negotiation and per-message properties.

With `protocol=auto` we offer MQTT 5 first; a broker that only speaks 3.1.1
answers CONNACK "unacceptable protocol version" (or drops the connection), and
we retry once with 3.1.1 and keep that choice for later reconnects.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import struct
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any

import aiomqtt
from aiomqtt import ProtocolVersion
from aiomqtt.exceptions import MqttCodeError, MqttConnectError
from paho.mqtt.client import MQTT_ERR_SUCCESS
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from probes.errors import ConfigError
from reports.mqtt.config import MqttConfig, MqttProtocol
from reports.mqtt.errors import RC_UNSUPPORTED_PROTOCOL
from reports.mqtt.outbox import OutboxMessage

log = logging.getLogger("camaudit.mqtt")
_client_log = logging.getLogger("camaudit.mqtt.client")


class _ClientLog(logging.LoggerAdapter):  # type: ignore[type-arg]
    """Per-connection log for paho/aiomqtt: remembers the last error text, logs it at debug only.

    paho logs a dropped socket ("failed to receive on socket: [SSL: TLSV13_ALERT_CERTIFICATE_REQUIRED]
    ...") as ERROR and then reports just "connection lost"; we keep the text to explain the failure
    once, clearly, in MqttDeliveryError.
    """

    def __init__(self) -> None:
        super().__init__(_client_log, {})
        self.last_error: str | None = None

    def log(self, level: int, msg: object, *args: object, **kwargs: Any) -> None:
        if level >= logging.ERROR:
            try:
                self.last_error = str(msg) % args if args else str(msg)
            except (TypeError, ValueError):
                self.last_error = str(msg)
            level = logging.DEBUG
        super().log(level, msg, *args, **kwargs)


STATUS_ONLINE = b"online"
STATUS_OFFLINE = b"offline"
CLOSED_BEFORE_CONNACK = "connection closed before CONNACK"


def build_tls_context(config: MqttConfig) -> ssl.SSLContext | None:
    """The TLS context for mqtts:// (blocking file reads: call it off the loop)."""
    if not config.tls:
        return None
    try:
        ctx = ssl.create_default_context(cafile=str(config.ca_file) if config.ca_file else None)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(f"cannot load CA certificates: {exc}", path=str(config.ca_file),
                          field="--mqtt-ca") from None
    if config.cert_file and config.key_file:
        try:
            ctx.load_cert_chain(str(config.cert_file), str(config.key_file))
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError(f"cannot load the client certificate/key: {exc}", path=str(config.cert_file),
                              field="--mqtt-cert") from None
    if config.insecure:
        ctx.check_hostname = False  # the chain is still verified (CERT_REQUIRED)
    return ctx


class _Client(aiomqtt.Client):
    """aiomqtt.Client that honours the broker's Receive Maximum from CONNACK (MQTT 5).

    Mosquitto allows 20 unacknowledged QoS 1 messages per client by default and
    disconnects a client that sends more; paho then keeps the rest in its own queue.
    """

    window: int = 20
    receive_maximum: int | None = None
    protocol_version: ProtocolVersion = ProtocolVersion.V5

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._refusals: dict[int, ReasonCode] = {}

    async def publish_acked(self, topic: str, payload: bytes, *, qos: int, retain: bool,
                            properties: Properties | None) -> ReasonCode | None:
        """Publish and wait for the PUBACK (no timeout: the disconnect watcher and keepalive end a dead link).

        Returns None when the broker accepted the message, or the PUBACK reason code when it refused it
        (MQTT 5 only, e.g. 135 Not authorized by an ACL). aiomqtt 2.x's `publish` drops that code, and
        its per-call timeout costs a timer per message, so this goes one level down, to paho.
        """
        info = self._client.publish(topic, payload, qos, retain, properties)
        if info.rc != MQTT_ERR_SUCCESS:
            raise MqttCodeError(info.rc, "Could not publish message")
        if not info.is_published():
            confirmation = asyncio.Event()
            with self._pending_call(info.mid, confirmation, self._pending_publishes):
                await confirmation.wait()
        return self._refusals.pop(info.mid, None)

    def _on_publish(self, client: Any, userdata: Any, mid: int, reason_code: Any,
                    properties: Any) -> None:
        if isinstance(reason_code, ReasonCode) and reason_code.is_failure:
            self._refusals[mid] = reason_code
        super()._on_publish(client, userdata, mid, reason_code, properties)

    def _on_connect(self, client: Any, userdata: Any, flags: Any, reason_code: Any,
                    properties: Properties | None = None) -> None:
        rm = getattr(properties, "ReceiveMaximum", None) if properties is not None else None
        if isinstance(rm, int) and rm > 0:
            self.receive_maximum = rm
            # paho refuses the public setter once connected; nothing is in flight yet at CONNACK time
            client._max_inflight_messages = min(rm, self.window)
        super()._on_connect(client, userdata, flags, reason_code, properties)

    def _on_socket_register_write(self, client: Any, userdata: Any, sock: Any) -> None:
        # As aiomqtt 2.5, but tolerate a socket that closed before the loop ran the registration (the
        # broker died mid-publish): aiomqtt's version makes asyncio log "Bad file descriptor" at ERROR.
        def callback() -> None:
            try:
                client.loop_write()
            except Exception as exc:  # noqa: BLE001 - a broken pipe means: disconnected
                if not self._disconnected.done():
                    self._disconnected.set_exception(exc)

        fileno = sock.fileno()

        def register() -> None:
            with suppress(OSError, ValueError):  # closed meanwhile; the disconnect path reports it
                self._loop.add_writer(fileno, callback)

        self._loop.call_soon_threadsafe(register)

    def _on_disconnect(self, client: Any, userdata: Any, flags: Any, reason_code: Any,
                       properties: Properties | None = None) -> None:
        # aiomqtt 2.x ignores a drop before CONNACK and waits for its timeout; fail the connect now, with why
        if not self._connected.done():
            log_ = self._logger
            why = getattr(log_, "last_error", None) or str(reason_code)
            self._connected.set_exception(aiomqtt.MqttError(f"{CLOSED_BEFORE_CONNACK}: {why}"))
            return
        super()._on_disconnect(client, userdata, flags, reason_code, properties)


def _will(config: MqttConfig, topic: str, protocol: ProtocolVersion) -> aiomqtt.Will:
    props = None
    if protocol is ProtocolVersion.V5:
        props = Properties(PacketTypes.WILLMESSAGE)
        props.ContentType = "text/plain"
        props.PayloadFormatIndicator = 1
    return aiomqtt.Will(topic=topic, payload=STATUS_OFFLINE, qos=1, retain=True, properties=props)


def candidate_protocols(config: MqttConfig, learned: ProtocolVersion | None) -> list[ProtocolVersion]:
    if config.protocol is MqttProtocol.V5:
        return [ProtocolVersion.V5]
    if config.protocol is MqttProtocol.V311:
        return [ProtocolVersion.V311]
    return [learned] if learned else [ProtocolVersion.V5, ProtocolVersion.V311]


def _fallback_worthy(exc: BaseException) -> bool:
    """A refusal that a 3.1.1-only broker gives to an MQTT 5 CONNECT."""
    if isinstance(exc, MqttConnectError):
        rc = exc.rc
        return getattr(rc, "value", rc) in (RC_UNSUPPORTED_PROTOCOL, 1)
    text = str(exc)
    if text.startswith(CLOSED_BEFORE_CONNACK):
        return not any(marker in text for marker in ("SSL", "TLS", "certificate"))
    return isinstance(exc, aiomqtt.MqttError) and text == "Operation timed out"


@asynccontextmanager
async def connect(config: MqttConfig, *, client_id: str, will_topic: str, tls: ssl.SSLContext | None,
                  learned: ProtocolVersion | None = None) -> AsyncIterator[_Client]:
    """A connected client (protocol negotiated); raises the aiomqtt/OS error of the last attempt."""
    candidates = candidate_protocols(config, learned)
    for i, protocol in enumerate(candidates):
        client = _Client(
            config.host, config.port,
            username=config.username,
            password=config.password.get_secret_value() if config.password else None,
            identifier=client_id,
            protocol=protocol,
            will=_will(config, will_topic, protocol),
            clean_session=True if protocol is not ProtocolVersion.V5 else None,
            timeout=config.connect_timeout,
            keepalive=config.keepalive,
            tls_context=tls,
            tls_insecure=config.insecure if tls is not None else None,
            max_inflight_messages=config.window,
            logger=_ClientLog(),
        )
        client.window = config.window
        client.pending_calls_threshold = config.window + 64  # our window is the bound; no warning per publish
        try:
            await client.__aenter__()
        except (aiomqtt.MqttError, OSError) as exc:
            if i + 1 < len(candidates) and _fallback_worthy(exc):
                log.info("broker %s refused MQTT 5 (%s); retrying with MQTT 3.1.1", config.url, exc)
                continue
            raise
        client.protocol_version = protocol
        try:
            yield client
        except BaseException:
            with suppress(Exception):  # the connection is already broken; keep the original error
                await client.__aexit__(None, None, None)
            raise
        await client.__aexit__(None, None, None)
        return


def protocol_name(protocol: ProtocolVersion | None) -> str | None:
    return {ProtocolVersion.V5: "5", ProtocolVersion.V311: "3.1.1", ProtocolVersion.V31: "3.1"}.get(
        protocol) if protocol else None


def _utf8(value: str) -> bytes:
    data = value.encode("utf-8", "replace")  # a lone surrogate must not make the message unsendable
    return struct.pack("!H", len(data)) + data


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        n, digit = divmod(n, 128)
        out.append(digit | (0x80 if n else 0))
        if not n:
            return bytes(out)


_TEMPLATE = Properties(PacketTypes.PUBLISH)


class PackedProperties(Properties):
    """PUBLISH properties packed once (MQTT 5 §2.2.2.2).

    paho's Properties rebuilds its lookup tables for every object and packs by
    scanning them; at thousands of messages per second that is most of our CPU.
    Tests check the bytes against paho's own packing.
    """

    def __init__(self, packed: bytes) -> None:
        for name in ("types", "names", "properties"):
            object.__setattr__(self, name, getattr(_TEMPLATE, name))
        object.__setattr__(self, "packetType", PacketTypes.PUBLISH)
        object.__setattr__(self, "_packed", packed)

    def pack(self) -> bytes:
        return object.__getattribute__(self, "_packed")  # type: ignore[no-any-return]


def pack_publish_properties(content_type: str, expiry: int | None,
                            user_properties: tuple[tuple[str, str], ...]) -> bytes:
    """Payload format indicator (UTF-8), message expiry, content type, user properties: ids 1, 2, 3, 38."""
    body = b"\x01\x01"
    if expiry:
        body += b"\x02" + struct.pack("!I", int(expiry))
    body += b"\x03" + _utf8(content_type)
    for key, value in user_properties:
        body += b"\x26" + _utf8(key) + _utf8(value)
    return _varint(len(body)) + body


def publish_properties(msg: OutboxMessage, protocol: ProtocolVersion) -> Properties | None:
    """MQTT 5 PUBLISH properties: content type, expiry, user properties (None for 3.1.1)."""
    if protocol is not ProtocolVersion.V5:
        return None
    return PackedProperties(pack_publish_properties(msg.content_type, msg.expiry, msg.user_properties))


def status_properties(protocol: ProtocolVersion) -> Properties | None:
    if protocol is not ProtocolVersion.V5:
        return None
    props = Properties(PacketTypes.PUBLISH)
    props.ContentType = "text/plain"
    props.PayloadFormatIndicator = 1
    return props
