"""`camaudit collect`'s engine: MQTT in, PostgreSQL history out, nothing bad ever crashing it.

Subscriptions (aiomqtt's public API, MQTT 5): the documents and alerts through a *shared* subscription
(`$share/<group>/...`), so several collectors split the load and one can die; the agents' retained
`status` and `scans` topics through an ordinary one (brokers do not hand retained messages to shared
subscriptions, and both collectors need them). Each message is routed by topic, checked against its
model (reports/mqtt/documents.py, the scan document model) and a size limit; anything that fails goes to
`dead_letters` with the reason. A database outage is waited out with the message kept in memory (it is
already acknowledged to the broker), so PostgreSQL restarting loses nothing. Gaps: each agent's retained
list of recent scans is compared with the store, and missing scans are requested from the agent over
`<prefix>/v1/<site>/command` after a grace period, a few times, then left flagged for the dashboard.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import ssl
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, TypeVar

import aiomqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from pydantic import ValidationError

from probes import clock
from reports.mqtt.config import MqttConfig
from reports.mqtt.documents import (
    COMMAND_SCHEMA,
    AgentCommand,
    DocumentError,
    RecentScans,
    ScanDocChunk,
    assemble,
    command_payload,
    parse_document,
)
from reports.mqtt.messages import message_id
from reports.mqtt.topics import TOPIC_VERSION, Topics, unsegment
from scanner.collect.store import CollectorStore
from scanner.history.model import HistoryUnavailable

log = logging.getLogger("camaudit.collect")

DEFAULT_GROUP = "camaudit-collectors"
DEFAULT_MAX_MESSAGE = 16 * 1024 * 1024  # bytes per MQTT message (a document chunk is 256 KiB)
DEFAULT_MAX_DOCUMENT = 4 * 1024 ** 3  # bytes of one uncompressed scan document (10,000 cameras: ~0.8 GB)
ALERT_KINDS = {"scan", "finding", "state"}


@dataclass(frozen=True)
class CollectorOptions:
    group: str = DEFAULT_GROUP
    collector_id: str = "collector"
    max_message_bytes: int = DEFAULT_MAX_MESSAGE
    max_document_bytes: int = DEFAULT_MAX_DOCUMENT
    gap_grace: timedelta = timedelta(seconds=60)  # a scan listed by its agent but not here for this long is a gap
    gap_retry: timedelta = timedelta(seconds=120)  # between two requests for the same scan
    gap_max_requests: int = 3  # then the gap stays flagged (dashboard)
    gap_interval: float = 5.0  # s between gap checks
    session_expiry: int = 3600  # s the broker keeps this collector's session while it is away


@dataclass
class CollectorStats:
    messages: int = 0
    scans_stored: int = 0
    duplicates: int = 0
    dead_letters: int = 0
    resend_requests: int = 0
    db_waits: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)


class Rejected(Exception):
    """A message that goes to the dead letters; the text is the reason."""


@dataclass(frozen=True, slots=True)
class Route:
    site: str
    kind: str
    rest: tuple[str, ...]


def parse_topic(prefix: str, topic: str) -> Route:
    head = f"{prefix}/{TOPIC_VERSION}/"
    if not topic.startswith(head):
        raise Rejected(f"topic outside {head}#")
    levels = topic[len(head):].split("/")
    if len(levels) < 2:
        raise Rejected("topic has no kind level")
    return Route(unsegment(levels[0]), levels[1], tuple(levels[2:]))


class Collector:
    """One collector process: `await Collector(config, store, options).run(stop_event)`."""

    def __init__(self, config: MqttConfig, store: CollectorStore, options: CollectorOptions | None = None) -> None:
        self.config, self.store = config, store
        self.options = options or CollectorOptions()
        self.stats = CollectorStats()
        self.connected = asyncio.Event()
        self._client: aiomqtt.Client | None = None
        self._tls: ssl.SSLContext | None = None

    # --- the MQTT side --------------------------------------------------------------------------

    def _filters(self) -> tuple[list[str], list[str]]:
        base = f"{self.config.prefix}/{TOPIC_VERSION}/+"
        shared = [f"$share/{self.options.group}/{base}/{kind}/#" for kind in ("scandoc", "scan", "finding", "state")]
        plain = [f"{base}/scanner/+/status", f"{base}/scanner/+/scans"]
        return shared, plain

    def _new_client(self) -> aiomqtt.Client:
        config = self.config
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = self.options.session_expiry
        return aiomqtt.Client(config.host, config.port, username=config.username,
                              password=config.password.get_secret_value() if config.password else None,
                              identifier=config.client_id or f"camaudit-{self.options.collector_id}",
                              protocol=aiomqtt.ProtocolVersion.V5, clean_start=False, properties=props,
                              tls_context=self._tls, tls_insecure=config.insecure if config.tls else None,
                              keepalive=config.keepalive, timeout=config.connect_timeout,
                              max_queued_incoming_messages=10_000)

    async def run(self, stop: asyncio.Event) -> None:
        """Collect until `stop` is set; reconnects to the broker with backoff, never raises for bad input."""
        from reports.mqtt.connection import build_tls_context

        self._tls = await asyncio.to_thread(build_tls_context, self.config)
        gaps = asyncio.create_task(self._gap_loop(stop), name="camaudit.collect.gaps")
        delay = 0.25
        try:
            while not stop.is_set():
                try:
                    async with self._new_client() as client:
                        self._client = client
                        shared, plain = self._filters()
                        for topic in shared + plain:
                            await client.subscribe(topic, qos=1)
                        self.connected.set()
                        log.info("collector %s subscribed to %s (shared group %s)", self.options.collector_id,
                                 self.config.url, self.options.group)
                        delay = 0.25
                        await self._consume(client, stop)
                except aiomqtt.MqttError as exc:
                    log.warning("broker %s: %s; reconnecting in %.1f s", self.config.url, exc, delay)
                finally:
                    self._client = None
                    self.connected.clear()
                if stop.is_set():
                    break
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), delay)
                delay = min(30.0, delay * 2)
        finally:
            gaps.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await gaps

    async def _consume(self, client: aiomqtt.Client, stop: asyncio.Event) -> None:
        messages = aiter(client.messages)
        stopper = asyncio.create_task(stop.wait())
        try:
            while True:
                nxt = asyncio.ensure_future(anext(messages))
                done, _ = await asyncio.wait({nxt, stopper}, return_when=asyncio.FIRST_COMPLETED)
                if nxt not in done:
                    nxt.cancel()
                    return
                message = nxt.result()
                payload = message.payload if isinstance(message.payload, bytes | bytearray) else \
                    str(message.payload or "").encode()
                await self.handle(str(message.topic), bytes(payload), retained=bool(message.retain))
        finally:
            stopper.cancel()

    # --- one message ------------------------------------------------------------------------------

    async def handle(self, topic: str, payload: bytes, *, retained: bool = False) -> None:
        """Route one message; a bad one is dead-lettered, a database outage is waited out."""
        self.stats.messages += 1
        site: str | None = None
        delay = 0.25
        while True:
            try:
                route = parse_topic(self.config.prefix, topic)
                site = route.site
                self.stats.by_kind[route.kind] = self.stats.by_kind.get(route.kind, 0) + 1
                if len(payload) > self.options.max_message_bytes:
                    raise Rejected(f"oversized: {len(payload)} bytes, over the limit of "
                                   f"{self.options.max_message_bytes}")
                await self._route(route, topic, payload)
                return
            except Rejected as exc:
                await self._dead(topic, site, str(exc), payload)
                return
            except HistoryUnavailable as exc:
                await self._wait_for_db(exc, delay)
            except Exception as exc:  # other database errors and bugs alike must not end the collector
                log.exception("collector: message on %s failed", topic)
                await self._dead(topic, site, f"internal error: {type(exc).__name__}: {exc}", payload)
                return
            delay = min(10.0, delay * 2)

    async def _wait_for_db(self, exc: BaseException, delay: float) -> None:
        self.stats.db_waits += 1
        log.warning("%s; retrying in %.1f s", exc, delay)
        await asyncio.sleep(delay)

    async def _dead(self, topic: str, site: str | None, reason: str, payload: bytes) -> None:
        self.stats.dead_letters += 1
        log.warning("dead letter: %s on %s (%d bytes)", reason, topic, len(payload))
        delay = 0.25
        while True:
            try:
                await self.store.dead_letter(topic=topic, site=site, reason=reason, payload=payload,
                                             received_at=clock.now())
                return
            except HistoryUnavailable as exc:
                await self._wait_for_db(exc, delay)
            except Exception as exc:  # noqa: BLE001
                log.error("cannot record the dead letter for %s: %s", topic, exc)
                return
            delay = min(10.0, delay * 2)

    async def _route(self, route: Route, topic: str, payload: bytes) -> None:
        if route.kind == "scandoc":
            await self._chunk(route, payload)
        elif route.kind == "scanner" and len(route.rest) == 2 and route.rest[1] == "status":
            text = payload.decode("utf-8", "replace").strip()
            if text not in ("online", "offline"):
                raise Rejected(f"agent status must be online or offline, got {text[:40]!r}")
            await self.store.agent_status(route.site, unsegment(route.rest[0]), text, clock.now())
        elif route.kind == "scanner" and len(route.rest) == 2 and route.rest[1] == "scans":
            await self._recent(route, payload)
        elif route.kind in ALERT_KINDS:
            await self._alert(route, topic, payload)
        elif route.kind == "command":
            return  # our own requests to the agents
        else:
            raise Rejected(f"unknown message kind {route.kind!r}")

    @staticmethod
    def _json(payload: bytes) -> Any:
        try:
            return json.loads(payload)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise Rejected(f"malformed: not JSON ({exc})") from None

    async def _alert(self, route: Route, topic: str, payload: bytes) -> None:
        body = self._json(payload)
        if not isinstance(body, dict):
            raise Rejected("malformed: an alert must be a JSON object")
        mid = body.get("message_id") or body.get("unmapped", {}).get("camaudit", {}).get("message_id")
        if not isinstance(mid, str) or not mid:
            raise Rejected("malformed: no message_id")
        schema = body.get("schema")
        ocsf = body.get("class_uid") == 2003
        if not ocsf and not (isinstance(schema, str) and schema.startswith(f"camaudit.mqtt.{route.kind}/")):
            raise Rejected(f"malformed: a {route.kind} message with schema {schema!r}")
        site = body.get("site") if not ocsf else route.site
        if site != route.site:
            raise Rejected(f"the payload names site {site!r} on the topic of site {route.site!r}")
        scan_id = body.get("scan_id") if not ocsf else body.get("unmapped", {}).get("camaudit", {}).get("scan_id")
        if await self.store.record_message(message_id=mid, site=route.site, kind=route.kind, topic=topic,
                                           scan_id=scan_id if isinstance(scan_id, str) else None, payload=body,
                                           received_at=clock.now()):
            return
        self.stats.duplicates += 1

    async def _recent(self, route: Route, payload: bytes) -> None:
        recent = _parse_for_site(RecentScans, payload, route, what="scans list", names="the payload")
        missing = await self.store.recent_scans(route.site, recent.scanner_id, recent.scan_ids, clock.now())
        if missing:
            log.info("site %s: %d scan(s) listed by agent %s are not stored yet: %s", route.site, len(missing),
                     recent.scanner_id, ", ".join(missing))

    async def _chunk(self, route: Route, payload: bytes) -> None:
        chunk = _parse_for_site(ScanDocChunk, payload, route, what="scan document chunk", names="the chunk")
        if chunk.size > self.options.max_document_bytes:
            raise Rejected(f"oversized: a scan document of {chunk.size} bytes compressed, over the limit of "
                           f"{self.options.max_document_bytes}")
        try:
            raw = chunk.raw()
        except DocumentError as exc:
            raise Rejected(f"malformed: {exc}") from None
        staged = await self.store.stage_chunk(scan_id=chunk.scan_id, sha256=chunk.sha256, chunk=chunk.chunk,
                                              chunks=chunk.chunks, site=chunk.site, scanner_id=chunk.scanner_id,
                                              document_schema=chunk.document_schema, data=raw,
                                              received_at=clock.now())
        if staged.duplicate:
            self.stats.duplicates += 1
        if staged.parts is not None:
            await self._document(chunk.scan_id, chunk.site, chunk.scanner_id, chunk.document_schema, chunk.sha256,
                                 staged.parts)

    async def _document(self, scan_id: str, site: str, scanner_id: str | None, document_schema: str, sha256: str,
                        parts: list[bytes]) -> None:
        try:
            body = await asyncio.to_thread(assemble, parts, sha256=sha256, max_bytes=self.options.max_document_bytes)
            result = await asyncio.to_thread(parse_document, body, document_schema)
            if result.meta.scan_id != scan_id or result.meta.site != site:
                raise DocumentError(f"the document is scan {result.meta.scan_id} of site {result.meta.site!r}, "
                                    f"announced as {scan_id} of {site!r}")
        except DocumentError as exc:
            await self.store.drop_staged(scan_id, sha256)
            raise Rejected(f"scan document {scan_id}: {exc}") from None
        stored = await self.store.store_document(result, scanner_id=scanner_id, received_at=clock.now())
        if stored.new:
            self.stats.scans_stored += 1
            log.info("stored scan %s site=%s devices=%d findings=%d transitions=%d", stored.scan_id, site,
                     stored.devices, stored.findings, stored.transitions)
        else:
            self.stats.duplicates += 1

    # --- gaps -------------------------------------------------------------------------------------

    async def _gap_loop(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.check_gaps()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the next round tries again
                log.debug("gap check failed: %s", exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.options.gap_interval)

    async def check_gaps(self) -> None:
        """Store documents left complete in staging, then ask agents for the scans they listed but we lack."""
        for staged in await self.store.complete_staged():
            try:
                await self._document(staged.scan_id, staged.site, staged.scanner_id, staged.document_schema,
                                     staged.sha256, staged.parts)
            except Rejected as exc:
                await self._dead(Topics(self.config.prefix, staged.site).scandoc(staged.scan_id, 0), staged.site,
                                 str(exc), b"")
        client = self._client
        if client is None:
            return
        now = clock.now()
        due = await self.store.due_gaps(now, grace=self.options.gap_grace, retry=self.options.gap_retry,
                                        max_requests=self.options.gap_max_requests)
        for site, scan_ids in due.items():
            mid = message_id("command", site, self.options.collector_id, now.isoformat(), *scan_ids)
            command = AgentCommand(schema_=COMMAND_SCHEMA, message_id=mid, command="resend", site=site,
                                   scan_ids=scan_ids[:100], requested_by=self.options.collector_id, at=now)
            await client.publish(Topics(self.config.prefix, site).command(), command_payload(command), qos=1)
            self.stats.resend_requests += 1
            log.info("asked site %s's agent to re-send %d scan(s): %s", site, len(scan_ids), ", ".join(scan_ids))


_SiteMessage = TypeVar("_SiteMessage", RecentScans, ScanDocChunk)


def _parse_for_site(model: type[_SiteMessage], payload: bytes, route: Route, *, what: str,
                    names: str) -> _SiteMessage:
    """The message as `model`, which must name the site of its topic; Rejected (a dead letter) otherwise."""
    try:
        message = model.model_validate_json(payload)
    except ValidationError as exc:
        raise Rejected(f"malformed: {what}: {_first_error(exc)}") from None
    if message.site != route.site:
        raise Rejected(f"{names} names site {message.site!r} on the topic of site {route.site!r}")
    return message


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(x) for x in err["loc"]) or "message"
    return f"{where}: {err['msg']}"

