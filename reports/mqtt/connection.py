"""One MQTT connection for the publisher, on paho-mqtt 2's public API (callback API version 2).

Why paho here and not aiomqtt (docs/mqtt.md, *Which library does what*): the publisher must
know whether the broker *accepted* each message (an MQTT 5 PUBACK can refuse it, e.g. 135 Not
authorized by an ACL) and must not send more unacknowledged messages than the broker's Receive
Maximum from CONNACK allows (Mosquitto disconnects a client that does). aiomqtt 2.x's `publish`
returns nothing, and neither CONNACK properties nor in-flight limits after connecting are
reachable through its public API. paho gives all of it publicly: `on_publish(client, userdata,
mid, reason_code, properties)`, `on_connect(..., properties)`, and the `on_socket_*` callbacks
with `loop_read`/`loop_write`/`loop_misc`, which are paho's documented way to run in someone
else's event loop. Subscribers (tests, `camaudit collect`) use aiomqtt, whose public API suffices.

With `protocol=auto` we offer MQTT 5 first; a broker that only speaks 3.1.1 answers CONNACK
"unacceptable protocol version" (or drops the connection), and we retry once with 3.1.1 and keep
that choice for later reconnects.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import TYPE_CHECKING, Any

from paho.mqtt.client import Client, ConnectFlags, DisconnectFlags, MQTTMessage, error_string
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode, MQTTProtocolVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from probes.errors import ConfigError
from reports.mqtt.config import MqttConfig, MqttProtocol
from reports.mqtt.errors import RC_UNSUPPORTED_PROTOCOL, MqttConnectRefused, MqttLinkError
from reports.mqtt.properties import text_properties

if TYPE_CHECKING:
    from paho.mqtt.client import SocketLike

log = logging.getLogger("camaudit.mqtt")
_client_log = logging.getLogger("camaudit.mqtt.client")

STATUS_ONLINE = b"online"
STATUS_OFFLINE = b"offline"
CLOSED_BEFORE_CONNACK = "connection closed before CONNACK"
NO_CONNACK = "Operation timed out"  # the text `errors.classify` and the fallback read (aiomqtt's, kept)
MISC_INTERVAL = 1.0  # s between paho's loop_misc calls (keepalive pings, PINGRESP timeout)


class _ClientLog(logging.LoggerAdapter):  # type: ignore[type-arg]
    """Per-connection log for paho: remembers the last error text, logs it at debug only.

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


class Connection:
    """A paho client driven by this event loop: connect, publish and await the PUBACK, subscribe, close.

    At most min(window, the broker's Receive Maximum) publishes await their PUBACK at once; a
    publish waits for a free slot. When the link drops, every waiting call raises MqttLinkError
    (the message was not acknowledged: it stays in the outbox).
    """

    def __init__(self, config: MqttConfig, *, client_id: str, will_topic: str, tls: ssl.SSLContext | None,
                 protocol: MQTTProtocolVersion) -> None:
        self.config = config
        self.protocol = protocol
        self.receive_maximum: int | None = None  # from CONNACK (MQTT 5)
        self.messages: asyncio.Queue[MQTTMessage] = asyncio.Queue()  # for what we subscribe to
        self._loop = asyncio.get_running_loop()
        self._log = _ClientLog()
        self._connected: asyncio.Future[None] = self._loop.create_future()
        self._closed: asyncio.Future[None] = self._loop.create_future()
        self._closing = False
        self._slots = asyncio.Semaphore(config.window)
        self._acks: dict[int, asyncio.Future[ReasonCode | None]] = {}
        self._early: dict[int, ReasonCode | None] = {}  # PUBACKs that came before we registered the mid
        self._subacks: dict[int, asyncio.Future[list[ReasonCode]]] = {}
        self._misc: asyncio.Task[None] | None = None
        self._sock: SocketLike | None = None

        v5 = protocol is MQTTProtocolVersion.MQTTv5
        client = Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=protocol,
                        clean_session=None if v5 else True, reconnect_on_failure=False)
        client.enable_logger(self._log)  # type: ignore[arg-type]  # a LoggerAdapter logs like a Logger
        client.connect_timeout = config.connect_timeout
        client.max_inflight_messages_set(config.window)  # our slots keep paho from ever queueing
        if config.username is not None:
            client.username_pw_set(config.username,
                                   config.password.get_secret_value() if config.password else None)
        if tls is not None:
            client.tls_set_context(tls)
            client.tls_insecure_set(config.insecure)
        client.will_set(will_topic, STATUS_OFFLINE, qos=1, retain=True,
                        properties=text_properties(protocol, PacketTypes.WILLMESSAGE))
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_publish = self._on_publish
        client.on_subscribe = self._on_subscribe
        client.on_unsubscribe = self._on_unsubscribe
        client.on_message = self._on_message
        client.on_socket_open = self._on_socket_open
        client.on_socket_close = self._on_socket_close
        client.on_socket_register_write = self._on_socket_register_write
        client.on_socket_unregister_write = self._on_socket_unregister_write
        self._client = client

    # --- the calls --------------------------------------------------------------------------

    async def open(self) -> None:
        """Connect and wait for a positive CONNACK; raises OSError, MqttConnectRefused or MqttLinkError."""
        cfg = self.config
        # paho's connect resolves, connects and does the TLS handshake, all blocking: off the loop
        try:
            await self._loop.run_in_executor(None, self._client.connect, cfg.host, cfg.port, cfg.keepalive)
        except BaseException:
            self._abort()
            raise
        try:
            async with asyncio.timeout(cfg.connect_timeout):
                await asyncio.shield(self._connected)
        except TimeoutError:
            self._abort()
            raise MqttLinkError(NO_CONNACK) from None
        except BaseException:
            self._abort()
            raise
        if self.receive_maximum is not None and self.receive_maximum < cfg.window:
            self._slots = asyncio.Semaphore(self.receive_maximum)  # nothing is in flight yet

    async def publish(self, topic: str, payload: bytes, *, qos: int, retain: bool,
                      properties: Properties | None) -> ReasonCode | None:
        """Publish and wait for the PUBACK (no timeout: the link's keepalive ends a dead connection).

        Returns None when the broker accepted the message, or the PUBACK reason code when it refused
        it (MQTT 5 only).
        """
        async with self._slots:
            self._check_open()
            info = self._client.publish(topic, payload, qos, retain, properties)
            if info.rc != MQTTErrorCode.MQTT_ERR_SUCCESS:
                raise MqttLinkError(f"could not publish: {error_string(info.rc)}")
            if info.mid in self._early:
                return self._early.pop(info.mid)
            ack: asyncio.Future[ReasonCode | None] = self._loop.create_future()
            self._acks[info.mid] = ack
            try:
                return await ack
            finally:
                self._acks.pop(info.mid, None)

    async def subscribe(self, topic: str, *, qos: int = 1) -> list[ReasonCode]:
        """Subscribe and return the SUBACK's reason codes (>= 0x80: refused)."""
        self._check_open()
        rc, mid = self._client.subscribe(topic, qos)
        if rc != MQTTErrorCode.MQTT_ERR_SUCCESS or mid is None:
            raise MqttLinkError(f"could not subscribe: {error_string(rc)}")
        suback: asyncio.Future[list[ReasonCode]] = self._loop.create_future()
        self._subacks[mid] = suback
        try:
            return await suback
        finally:
            self._subacks.pop(mid, None)

    async def unsubscribe(self, topic: str) -> None:
        self._check_open()
        rc, mid = self._client.unsubscribe(topic)
        if rc != MQTTErrorCode.MQTT_ERR_SUCCESS or mid is None:
            raise MqttLinkError(f"could not unsubscribe: {error_string(rc)}")
        unsuback: asyncio.Future[list[ReasonCode]] = self._loop.create_future()
        self._subacks[mid] = unsuback
        try:
            await unsuback
        finally:
            self._subacks.pop(mid, None)

    async def wait_closed(self) -> None:
        """Return when we closed the link; raise MqttLinkError when it dropped."""
        await asyncio.shield(self._closed)

    async def close(self, timeout: float) -> None:
        """Send DISCONNECT (no Last Will) and wait up to `timeout` s for the socket to close."""
        if self._closed.done():
            return
        self._closing = True
        if self._client.disconnect() == MQTTErrorCode.MQTT_ERR_SUCCESS:
            with suppress(TimeoutError, MqttLinkError):
                async with asyncio.timeout(timeout):
                    await asyncio.shield(self._closed)
        self._abort()

    # --- paho's callbacks (all on the loop's thread, except the socket opening in `open`) -----

    def _on_connect(self, client: Client, userdata: Any, flags: ConnectFlags, reason_code: ReasonCode,
                    properties: Properties | None) -> None:
        if self._connected.done():
            return
        if reason_code.is_failure:
            self._connected.set_exception(MqttConnectRefused(reason_code))
            return
        receive_maximum = getattr(properties, "ReceiveMaximum", None)  # absent: 65535 (MQTT 5 §3.2.2.3.3)
        if isinstance(receive_maximum, int) and receive_maximum > 0:
            self.receive_maximum = receive_maximum
        self._connected.set_result(None)

    def _on_disconnect(self, client: Client, userdata: Any, flags: DisconnectFlags, reason_code: ReasonCode,
                       properties: Properties | None) -> None:
        why = self._log.last_error or str(reason_code)
        if not self._connected.done():  # a drop before CONNACK fails the connect now, with why
            self._connected.set_exception(MqttLinkError(f"{CLOSED_BEFORE_CONNACK}: {why}"))
            self._connected.exception()  # retrieved: `open` may already have given up waiting
        error = None if self._closing and not reason_code.is_failure else MqttLinkError(
            f"connection closed by the broker ({why})")
        if not self._closed.done():
            if error is None:
                self._closed.set_result(None)
            else:
                self._closed.set_exception(error)
                self._closed.exception()  # retrieved: nobody may be waiting on the link any more
        self._fail_pending(error or MqttLinkError("connection closed"))

    def _on_publish(self, client: Client, userdata: Any, mid: int, reason_code: ReasonCode,
                    properties: Properties | None) -> None:
        refusal = reason_code if reason_code.is_failure else None
        ack = self._acks.get(mid)
        if ack is None:
            self._early[mid] = refusal
        elif not ack.done():
            ack.set_result(refusal)

    def _on_subscribe(self, client: Client, userdata: Any, mid: int, reason_codes: list[ReasonCode],
                      properties: Properties | None) -> None:
        suback = self._subacks.get(mid)
        if suback is not None and not suback.done():
            suback.set_result(reason_codes)

    _on_unsubscribe = _on_subscribe  # same shape: UNSUBACK's reason codes

    def _on_message(self, client: Client, userdata: Any, message: MQTTMessage) -> None:
        self.messages.put_nowait(message)

    def _on_socket_open(self, client: Client, userdata: Any, sock: SocketLike) -> None:
        # called from the executor thread that runs paho's connect
        self._sock = sock

        def readable() -> None:
            try:
                client.loop_read()
                while getattr(sock, "pending", lambda: 0)() > 0:  # TLS may hold decrypted bytes
                    client.loop_read()
            except Exception as exc:  # noqa: BLE001 - a broken socket means: disconnected
                self._fail(exc)

        def start() -> None:
            with suppress(OSError, ValueError):
                self._loop.add_reader(sock.fileno(), readable)
            self._misc = self._loop.create_task(self._misc_loop(), name="camaudit.mqtt.misc")

        self._loop.call_soon_threadsafe(start)

    def _on_socket_close(self, client: Client, userdata: Any, sock: SocketLike) -> None:
        with suppress(OSError, ValueError):
            self._loop.remove_reader(sock.fileno())
        if self._misc is not None:
            self._loop.call_soon_threadsafe(self._misc.cancel)

    def _on_socket_register_write(self, client: Client, userdata: Any, sock: SocketLike) -> None:
        def writable() -> None:
            try:
                client.loop_write()
            except Exception as exc:  # noqa: BLE001 - a broken pipe means: disconnected
                self._fail(exc)

        def register() -> None:
            # the socket may have closed before the loop ran this (the broker died mid-publish)
            with suppress(OSError, ValueError):
                if sock.fileno() >= 0:
                    self._loop.add_writer(sock.fileno(), writable)

        self._loop.call_soon_threadsafe(register)  # paho may call this from the connecting thread

    def _on_socket_unregister_write(self, client: Client, userdata: Any, sock: SocketLike) -> None:
        with suppress(OSError, ValueError):
            self._loop.remove_writer(sock.fileno())

    # --- helpers -----------------------------------------------------------------------------

    async def _misc_loop(self) -> None:
        """paho's periodic work: keepalive pings, and closing a link whose PINGRESP did not come."""
        while True:
            if self._client.loop_misc() != MQTTErrorCode.MQTT_ERR_SUCCESS:
                return
            await asyncio.sleep(MISC_INTERVAL)

    def _check_open(self) -> None:
        if self._closed.done():
            raise MqttLinkError("connection closed")

    def _fail(self, exc: BaseException) -> None:
        """The socket broke under paho: the link is gone, with this reason."""
        error = MqttLinkError(f"connection lost ({exc})")
        for future in (self._connected, self._closed):
            if not future.done():
                future.set_exception(error)
                future.exception()
        self._fail_pending(error)
        self._abort()

    def _fail_pending(self, error: MqttLinkError) -> None:
        """Every call still waiting for an acknowledgement learns that it will not come."""
        pending: list[asyncio.Future[Any]] = [*self._acks.values(), *self._subacks.values()]
        for future in pending:
            if not future.done():
                future.set_exception(error)

    def _abort(self) -> None:
        """Stop watching the socket and close it (paho's client is not used again)."""
        sock, self._sock = self._sock, None
        if self._misc is not None:
            self._misc.cancel()
        if sock is None:
            return
        with suppress(OSError, ValueError):
            self._loop.remove_reader(sock.fileno())
            self._loop.remove_writer(sock.fileno())
        with suppress(OSError):
            sock.close()
        if not self._closed.done():
            self._closed.set_exception(MqttLinkError("connection closed"))
            self._closed.exception()


def candidate_protocols(config: MqttConfig, learned: MQTTProtocolVersion | None) -> list[MQTTProtocolVersion]:
    if config.protocol is MqttProtocol.V5:
        return [MQTTProtocolVersion.MQTTv5]
    if config.protocol is MqttProtocol.V311:
        return [MQTTProtocolVersion.MQTTv311]
    return [learned] if learned else [MQTTProtocolVersion.MQTTv5, MQTTProtocolVersion.MQTTv311]


def _fallback_worthy(exc: BaseException) -> bool:
    """A refusal that a 3.1.1-only broker gives to an MQTT 5 CONNECT."""
    if isinstance(exc, MqttConnectRefused):
        return exc.code in (RC_UNSUPPORTED_PROTOCOL, 1)
    text = str(exc)
    if text.startswith(CLOSED_BEFORE_CONNACK):
        return not any(marker in text for marker in ("SSL", "TLS", "certificate"))
    return isinstance(exc, MqttLinkError) and text == NO_CONNACK


@asynccontextmanager
async def connect(config: MqttConfig, *, client_id: str, will_topic: str, tls: ssl.SSLContext | None,
                  learned: MQTTProtocolVersion | None = None,
                  close_timeout: float = 5.0) -> AsyncIterator[Connection]:
    """A connected link (protocol negotiated); raises the OSError / MqttLinkError of the last attempt."""
    candidates = candidate_protocols(config, learned)
    for i, protocol in enumerate(candidates):
        link = Connection(config, client_id=client_id, will_topic=will_topic, tls=tls, protocol=protocol)
        try:
            await link.open()
        except (MqttLinkError, OSError) as exc:
            if i + 1 < len(candidates) and _fallback_worthy(exc):
                log.info("broker %s refused MQTT 5 (%s); retrying with MQTT 3.1.1", config.url, exc)
                continue
            raise
        try:
            yield link
        finally:
            await link.close(close_timeout)
        return


def protocol_name(protocol: MQTTProtocolVersion | None) -> str | None:
    names = {MQTTProtocolVersion.MQTTv5: "5", MQTTProtocolVersion.MQTTv311: "3.1.1",
             MQTTProtocolVersion.MQTTv31: "3.1"}
    return names.get(protocol) if protocol else None
