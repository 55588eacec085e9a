"""The MQTT publisher: outbox in, broker out, nothing lost in between.

`MqttPublisher` owns one background task that keeps a connection (status
`online`, Last Will `offline`, both retained) and drains the outbox in `seq`
order with up to `window` publishes awaiting their PUBACK. A message leaves the
outbox only after the broker acknowledged it; deletions are committed in
batches. When the connection breaks, the task flushes what was acknowledged,
reconnects with exponential backoff and jitter, and starts again from the
oldest queued message, so a message whose PUBACK was lost is sent again with
the same id (at-least-once; consumers dedupe by `message_id`).

`publish_result` is the one-shot form for `scan`/`demo`: enqueue, drain with a
deadline, disconnect, and raise `MqttDeliveryError` if anything is left.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import socket
import ssl
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

from paho.mqtt.enums import MQTTProtocolVersion
from paho.mqtt.reasoncodes import ReasonCode

from probes.barrier import barrier
from reports.model import ScanMeta, ScanResult
from reports.mqtt.config import MqttConfig
from reports.mqtt.connection import (
    STATUS_OFFLINE,
    STATUS_ONLINE,
    Connection,
    build_tls_context,
    connect,
    protocol_name,
)
from reports.mqtt.errors import (
    MqttDeliveryError,
    MqttLinkError,
    MqttRejectedError,
    MqttUnreachableError,
    classify,
)
from reports.mqtt.messages import MessageKind, result_messages, scan_started
from reports.mqtt.outbox import Outbox, OutboxMessage
from reports.mqtt.properties import publish_properties, text_properties
from reports.mqtt.topics import Topics

log = logging.getLogger("camaudit.mqtt")

BACKOFF_BASE = 0.25  # s, first reconnect delay (before jitter)
BACKOFF_CAP = 30.0  # s
FETCH_BATCH = 500  # rows read from the outbox at once
DELETE_BATCH = 500  # acknowledged rows deleted per transaction
ACK_TIMEOUT = 60.0  # s for the PUBACK of the status message (finding messages rely on keepalive, see _worker)
CLOSE_GRACE = 5.0  # s to finish in-flight publishes and say `offline` when closing
RETAINED_WAIT = 2.0  # s for the broker to hand back our retained status after subscribing to it


Requeue = Callable[[Outbox], Awaitable[tuple[list[int], int, int]]]


def default_scanner_id() -> str:
    return socket.gethostname() or "scanner"


@dataclass
class PublishStats:
    """What one `publish` achieved."""

    enqueued: int = 0  # messages this scan produced
    findings: int = 0  # of which finding messages
    delivered: int = 0  # of those, acknowledged by the broker
    backlog: int = 0  # messages found in the outbox from earlier runs (sent first)
    pending: int = 0  # messages still in the outbox afterwards (will go out on the next run)
    refused: int = 0  # messages the broker refused (MQTT 5 PUBACK failure, e.g. ACL): in the dead letters
    protocol: str | None = None  # "5" or "3.1.1"
    reconnects: int = 0
    elapsed: float = 0.0  # s
    error: str | None = None  # why something is pending (never contains a secret)

    def __str__(self) -> str:
        text = f"{self.delivered} of {self.enqueued} message(s) acknowledged ({self.findings} finding(s))"
        if self.backlog:
            text += f", plus {self.backlog} left by an earlier run"
        if self.protocol:
            text += f", MQTT {self.protocol}"
        text += f", {self.elapsed:.1f} s"
        if self.pending:
            text += f"; {self.pending} pending in the outbox"
        if self.refused:
            text += f"; {self.refused} refused by the broker (dead letters)"
        return text


@dataclass
class _Waiter:
    """Collects acknowledgements from the moment it is registered, so none is missed while we enqueue."""

    seen: set[int]  # acknowledged since registration (plus those acknowledged but not yet deleted then)
    remaining: set[int] | None = None  # None until we know which rows to wait for
    done: asyncio.Event = field(default_factory=asyncio.Event)

    refused: set[int] = field(default_factory=set)  # seqs the broker refused (moved to the dead letters)

    def ack(self, seq: int, *, refused: bool = False) -> None:
        if refused:
            self.refused.add(seq)
        if self.remaining is None:
            self.seen.add(seq)
        else:
            self.remaining.discard(seq)
            if not self.remaining:
                self.done.set()

    def expect(self, seqs: set[int]) -> None:
        self.remaining = seqs - self.seen
        self.seen = set()
        if not self.remaining:
            self.done.set()


class _ConnectionBroken(Exception):
    """A publish failed on what looked like a live connection."""


def backoff_delay(attempt: int) -> float:
    """Exponential backoff with jitter: uniform in [d/2, d], d = base * 2^attempt, capped (no thundering herd)."""
    d = min(BACKOFF_CAP, BACKOFF_BASE * (2 ** min(attempt, 16)))
    return random.uniform(d / 2, d)


class MqttPublisher:
    """Long-lived publisher for `watch`: `async with MqttPublisher(cfg, site=...) as pub: await pub.publish(r)`.

    Entering opens the outbox and starts connecting in the background (it does not wait for the broker);
    leaving says `offline`, disconnects, and keeps whatever was not acknowledged in the outbox.
    With `fail_fast`, wrong credentials or a TLS failure stop the connection attempts at once.
    """

    def __init__(self, config: MqttConfig, *, site: str, scanner_id: str | None = None,
                 fail_fast: bool = False) -> None:
        self.config = config
        self.site = site
        self.scanner_id = scanner_id or default_scanner_id()
        self.fail_fast = fail_fast
        self.topics = Topics(config.prefix, site)
        self.status_topic = self.topics.status(self.scanner_id)
        self.client_id = config.effective_client_id()
        self.outbox = Outbox(config.outbox)
        self.protocol: MQTTProtocolVersion | None = None
        self.last_error: MqttDeliveryError | None = None
        self.reconnects = 0
        self.delivered_total = 0
        self.remaining: int | None = None  # rows left in the outbox after closing
        self.connected = asyncio.Event()
        self._fatal = asyncio.Event()
        self._closing = asyncio.Event()
        self._wake = asyncio.Event()
        self._acked: list[int] = []
        self._refused: list[tuple[int, str]] = []  # (seq, reason) refused by the broker, to move aside
        self._refusal_reasons: dict[str, str] = {}  # reason -> first topic (for the error message)
        self.refused_total = 0
        self._waiters: list[_Waiter] = []
        self._inflight: set[asyncio.Task[None]] = set()
        self._runner: asyncio.Task[None] | None = None
        self._tls: ssl.SSLContext | None = None
        self._started_scans: set[str] = set()
        self._sessions = 0
        self.state_lost = False  # the broker had lost its retained state when we connected (see _check_retained)

    # --- lifecycle ---------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        if self.config.insecure:
            log.warning("MQTT: --mqtt-insecure: the broker's certificate is not checked against its host name")
        self._tls = await asyncio.to_thread(build_tls_context, self.config)
        await self.outbox.__aenter__()
        self._runner = asyncio.create_task(self._run(), name=f"camaudit.mqtt[{self.config.url}].runner")
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._closing.set()
        self._wake.set()
        if self._runner is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._runner), CLOSE_GRACE + self.config.connect_timeout)
            except (TimeoutError, asyncio.CancelledError):
                self._runner.cancel()
                with contextlib.suppress(BaseException):
                    await self._runner
            except Exception:
                log.debug("MQTT publisher runner ended with an error", exc_info=True)
        try:
            await self._flush()
            self.remaining = await self.outbox.count()
        finally:
            await self.outbox.__aexit__(None, None, None)

    # --- public API --------------------------------------------------------------------------

    async def enqueue(self, messages: list[OutboxMessage]) -> list[int]:
        """Store messages durably, then wake the sender; returns their outbox sequence numbers."""
        seqs = await self.outbox.put(messages)
        self._wake.set()
        return seqs

    async def scan_started(self, meta: ScanMeta) -> None:
        """Announce a scan now (`watch` calls this before scanning); `publish` then skips `started`."""
        await self.enqueue([scan_started(meta, self.config, meta.scanner_id or self.scanner_id)])
        self._started_scans.add(meta.scan_id)

    def wake(self) -> None:
        """Rows were queued in the outbox by someone else (scanner.delivery): send them now."""
        self._wake.set()

    async def publish(self, result: ScanResult, *, wait: float | None = None,
                      include_backlog: bool = False) -> PublishStats:
        """Enqueue a scan's messages and wait up to `wait` s (default: config.timeout) for their PUBACKs.

        Never raises for an unreachable broker: the returned stats tell what is still pending
        (it stays in the outbox and goes out when the broker is back).
        """
        t0 = time.monotonic()
        scanner_id = result.meta.scanner_id or self.scanner_id
        include_started = result.meta.scan_id not in self._started_scans
        # thousands of OCSF payloads take seconds of CPU: build them off the loop so it stays responsive
        messages = await asyncio.to_thread(result_messages, result, self.config, scanner_id,
                                           include_started=include_started)
        waiter = self._register()
        try:
            backlog_seqs = await self.outbox.seqs() if include_backlog else []
            seqs = await self.enqueue(messages)
            waiter.expect({*backlog_seqs, *seqs})
            await self._wait(waiter, self.config.timeout if wait is None else wait)
        finally:
            self._waiters.remove(waiter)
        return self._stats(waiter, ours=seqs, backlog=len(backlog_seqs), enqueued=len(messages),
                           findings=sum(m.kind == MessageKind.FINDING for m in messages), t0=t0)

    async def deliver_queued(self, ours: list[int], *, enqueued: int, findings: int, wait: float | None = None,
                             requeue: Requeue | None = None) -> PublishStats:
        """Wait up to `wait` s for the PUBACK of every row in the outbox; `ours` are this run's rows.

        For messages queued beforehand with `Outbox.queue_scan` (so queueing never depends on the broker).
        `requeue(outbox)` is called once if the broker turns out to have lost its retained state (its
        memory is then forgotten): it queues the scan again, as initial state, and returns
        (seqs, messages, finding messages); those are awaited too.
        """
        t0 = time.monotonic()
        budget = self.config.timeout if wait is None else wait
        waiter = self._register()
        try:
            queued = await self.outbox.seqs()
            waiter.expect(set(queued))
            self._wake.set()
            await self._wait(waiter, budget)
            if requeue is not None and self.state_lost and not (waiter.remaining or set()):
                self.state_lost = False
                seqs, messages, finding_messages = await requeue(self.outbox)
                ours, enqueued, findings = [*ours, *seqs], enqueued + messages, findings + finding_messages
                waiter.remaining = None
                waiter.done.clear()
                waiter.expect(set(seqs))
                self._wake.set()
                await self._wait(waiter, max(0.0, budget - (time.monotonic() - t0)))
        finally:
            self._waiters.remove(waiter)
        mine = set(ours)
        return self._stats(waiter, ours=ours, backlog=sum(s not in mine for s in queued), enqueued=enqueued,
                           findings=findings, t0=t0)

    def _stats(self, waiter: _Waiter, *, ours: list[int], backlog: int, enqueued: int, findings: int,
               t0: float) -> PublishStats:
        remaining = waiter.remaining or set()
        pending = len(remaining)
        stats = PublishStats(
            enqueued=enqueued, findings=findings, delivered=len(set(ours) - remaining - waiter.refused),
            backlog=backlog, pending=pending, refused=len(waiter.refused),
            protocol=protocol_name(self.protocol), reconnects=self.reconnects, elapsed=time.monotonic() - t0,
            error=str(self.last_error) if pending and self.last_error else None)
        if pending:
            log.warning("MQTT: %d message(s) not yet acknowledged by %s; they stay in the outbox %s%s",
                        pending, self.config.url, self.config.outbox,
                        f" ({self.last_error.reason})" if self.last_error else "")
        return stats

    async def send(self, messages: list[OutboxMessage], *, wait: float) -> set[int]:
        """Enqueue messages and wait up to `wait` s for their PUBACKs; returns the seqs still pending."""
        waiter = self._register()
        try:
            waiter.expect(set(await self.enqueue(messages)))
            await self._wait(waiter, wait)
        finally:
            self._waiters.remove(waiter)
        return set(waiter.remaining or ())

    async def _check_retained(self, client: Connection) -> None:
        """Before saying `online`: a broker that once acknowledged our retained status must still hold one
        (`online`, `offline` or the Last Will). If it does not, it lost its retained state (rebuilt,
        persistence off): forget what it was told about the site, so the scan is queued again as initial
        state (`deliver_queued`'s `requeue`, or the next `watch` cycle). A broker that refuses the
        subscription (ACL) is not judged."""
        destination = self.config.destination
        if not await self.outbox.status_held(destination, self.status_topic):
            return
        async with asyncio.timeout(ACK_TIMEOUT):
            granted = await client.subscribe(self.status_topic, qos=1)
        if any(g.is_failure for g in granted):
            log.info("MQTT: %s does not let us read %s; retained-state loss cannot be detected",
                     self.config.url, self.status_topic)
            return
        found = False
        try:
            async with asyncio.timeout(RETAINED_WAIT):
                while not found:
                    message = await client.messages.get()
                    found = message.topic == self.status_topic and bool(message.retain)
        except TimeoutError:
            pass
        finally:
            with contextlib.suppress(MqttLinkError, TimeoutError):
                async with asyncio.timeout(ACK_TIMEOUT):
                    await client.unsubscribe(self.status_topic)
        if not found:
            await self.outbox.status_held(destination, self.status_topic, False)
            forgotten = await self.outbox.forget(destination, self.site)
            self.state_lost = True
            log.warning("MQTT: %s holds no retained status on %s although %d scan(s) of %s were sent to it: "
                        "it lost its retained state; the current failing and unknown findings are sent again "
                        "as initial state", self.config.url, self.status_topic, forgotten, self.site)

    @property
    def first_refusal(self) -> tuple[str, str] | None:
        """(PUBACK reason, topic) of the first message the broker refused, for the error message."""
        return next(iter(self._refusal_reasons.items()), None)

    def _register(self) -> _Waiter:
        waiter = _Waiter(seen=set(self._acked))
        self._waiters.append(waiter)
        return waiter

    async def _wait(self, waiter: _Waiter, timeout: float) -> None:
        fatal = asyncio.create_task(self._fatal.wait())
        done = asyncio.create_task(waiter.done.wait())
        try:
            await asyncio.wait({fatal, done}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            fatal.cancel()
            done.cancel()

    # --- background connection ---------------------------------------------------------------

    async def _run(self) -> None:
        attempt = 0
        while not self._closing.is_set():
            try:
                async with connect(self.config, client_id=self.client_id, will_topic=self.status_topic,
                                   tls=self._tls, learned=self.protocol, close_timeout=CLOSE_GRACE) as client:
                    self.protocol = client.protocol
                    self._sessions += 1
                    if self._sessions > 1:
                        self.reconnects += 1
                    attempt = 0
                    await self._check_retained(client)
                    await self._say(client, STATUS_ONLINE, ACK_TIMEOUT)
                    await self.outbox.status_held(self.config.destination, self.status_topic, True)
                    self.last_error = None
                    self.connected.set()
                    log.info("MQTT: connected to %s (MQTT %s)", self.config.url, protocol_name(self.protocol))
                    await self._serve(client)
                    await self._say(client, STATUS_OFFLINE, CLOSE_GRACE)
                    return
            except asyncio.CancelledError:
                raise
            except (MqttLinkError, OSError, TimeoutError, _ConnectionBroken) as exc:
                cause = exc.__cause__ if isinstance(exc, _ConnectionBroken) and exc.__cause__ else exc
                err = classify(cause, broker=self.config.url, user=self.config.username)
                err.__cause__ = None
                self.connected.clear()
                if self.last_error is None or str(self.last_error) != str(err):
                    log.warning("%s", err)
                self.last_error = err
            except Exception as exc:  # a bug of ours must not silently stop delivery: log it and retry
                log.exception("MQTT publisher: unexpected error; retrying")
                self.last_error = MqttDeliveryError(f"unexpected {type(exc).__name__}: {exc}", broker=self.config.url)
            finally:
                self.connected.clear()
                self._cancel_inflight()
                await self._flush()
            if self.last_error is not None and self.last_error.fatal and self.fail_fast:
                self._fatal.set()
                return
            delay = backoff_delay(attempt)
            attempt += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), delay)

    async def _say(self, client: Connection, status: bytes, timeout: float) -> None:
        """Publish our retained status and wait for its PUBACK (a refusal is not ours to judge: ACLs may
        deny status topics; the findings' refusals are what counts)."""
        async with asyncio.timeout(timeout):
            await client.publish(self.status_topic, status, qos=1, retain=True,
                                 properties=text_properties(client.protocol))

    async def _serve(self, client: Connection) -> None:
        """Drain until closing; raises when the connection breaks."""
        watcher = asyncio.create_task(self._watch_disconnect(client))
        drainer = asyncio.create_task(self._drain(client))
        try:
            done, _ = await asyncio.wait({watcher, drainer}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (watcher, drainer):
                task.cancel()
            await asyncio.gather(watcher, drainer, return_exceptions=True)
        for task in done:
            if not task.cancelled() and task.exception() is not None:
                raise task.exception()  # type: ignore[misc]
        if watcher in done:
            raise MqttLinkError("connection closed by the broker")

    @staticmethod
    async def _watch_disconnect(client: Connection) -> None:
        """Returns/raises when the connection drops."""
        await client.wait_closed()

    async def _drain(self, client: Connection) -> None:
        broken: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        try:
            await self._drain_loop(client, broken)
        finally:
            if broken.done():
                broken.exception()  # retrieved: the cause travels on _ConnectionBroken or the watcher's error
            else:
                broken.cancel()

    async def _drain_loop(self, client: Connection, broken: asyncio.Future[None]) -> None:
        """Feed queued rows, oldest first, to `window` workers; each awaits its PUBACK."""
        queue: asyncio.Queue[OutboxMessage] = asyncio.Queue(maxsize=self.config.window)
        workers = [asyncio.create_task(self._worker(client, queue, broken)) for _ in range(self.config.window)]
        self._inflight.update(workers)
        try:
            cursor = 0  # highest seq handed to the workers on this connection
            while True:
                self._wake.clear()
                batch = await self.outbox.fetch(cursor, FETCH_BATCH)
                if not batch:
                    await self._quiesce(queue, broken)
                    await self._flush()
                    if self._closing.is_set():
                        return
                    await self._wait_wake(broken)
                    continue
                for msg in batch:
                    await queue.put(msg)
                    cursor = msg.seq
                    if broken.done():
                        raise _ConnectionBroken() from broken.exception()
                if len(self._acked) >= DELETE_BATCH:
                    await self._flush()
                if self._closing.is_set() and not self._waiters:
                    await self._quiesce(queue, broken)
                    return
        finally:
            for worker in workers:
                worker.cancel()
            self._inflight.difference_update(workers)

    async def _worker(self, client: Connection, queue: asyncio.Queue[OutboxMessage],
                      broken: asyncio.Future[None]) -> None:
        while True:
            msg = await queue.get()
            try:
                if broken.done():
                    continue  # the connection is gone: the row stays queued for the next one
                refusal = await client.publish(msg.topic, msg.payload, qos=msg.qos, retain=msg.retain,
                                               properties=publish_properties(msg, client.protocol))
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - any failure means: not acknowledged, send again later
                if not broken.done():
                    broken.set_exception(exc)
            else:
                if refusal is None:
                    self._acked.append(msg.seq)
                    self.delivered_total += 1
                    if msg.kind == MessageKind.FINDING:
                        barrier("mid-publish")
                else:
                    self._note_refusal(msg, refusal)
                self._ack(msg.seq, refused=refusal is not None)
            finally:
                queue.task_done()

    async def _quiesce(self, queue: asyncio.Queue[OutboxMessage], broken: asyncio.Future[None]) -> None:
        """Wait until every handed-out row was acknowledged (or failed)."""
        await queue.join()
        if broken.done():
            raise _ConnectionBroken() from broken.exception()

    async def _wait_wake(self, broken: asyncio.Future[None]) -> None:
        wake = asyncio.create_task(self._wake.wait())
        closing = asyncio.create_task(self._closing.wait())
        try:
            waiting: set[asyncio.Future[object]] = {wake, closing, broken}  # type: ignore[arg-type]
            await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
        finally:
            wake.cancel()
            closing.cancel()

    def _cancel_inflight(self) -> None:
        for task in list(self._inflight):
            task.cancel()

    async def _flush(self) -> None:
        """Commit the deletion of acknowledged messages (and move refused ones to the dead letters)."""
        if self._refused:
            refused, self._refused = self._refused, []
            try:
                await asyncio.shield(self.outbox.bury(refused))
            except BaseException:
                self._refused = refused + self._refused
                raise
        while self._acked:
            batch, self._acked = self._acked[:DELETE_BATCH], self._acked[DELETE_BATCH:]
            try:
                await asyncio.shield(self.outbox.delete(batch))
            except BaseException:
                self._acked = batch + self._acked
                raise

    def _ack(self, seq: int, *, refused: bool = False) -> None:
        for waiter in self._waiters:
            waiter.ack(seq, refused=refused)

    def _note_refusal(self, msg: OutboxMessage, reason: ReasonCode) -> None:
        text = f"PUBACK {reason.value}: {reason}"
        self._refused.append((msg.seq, text))
        self.refused_total += 1
        if text not in self._refusal_reasons:
            self._refusal_reasons[text] = msg.topic
            log.error("MQTT broker %s refused a message on %s (%s); it is kept in the outbox's dead_letter "
                      "table (check the broker's ACL)", self.config.url, msg.topic, text)


async def publish_result(result: ScanResult, config: MqttConfig, *, deadline: float | None = None) -> PublishStats:
    """Publish one scan (and any backlog in the outbox) and wait for the broker's acknowledgements.

    Raises MqttAuthError / MqttTlsError / MqttRefusedError at once, MqttUnreachableError when the
    deadline (default config.timeout) passes; in every case the undelivered messages stay in the
    outbox, and the next run sends them first.
    """
    pub = MqttPublisher(config, site=result.meta.site, scanner_id=result.meta.scanner_id, fail_fast=True)
    async with pub:
        stats = await pub.publish(result, wait=deadline, include_backlog=True)
    return _checked(pub, stats)


async def deliver_outbox(config: MqttConfig, *, site: str, scanner_id: str | None, ours: list[int],
                         enqueued: int, findings: int, deadline: float | None = None,
                         requeue: Requeue | None = None) -> PublishStats:
    """Send everything queued in the outbox (this run's rows `ours` and any backlog); errors as `publish_result`.

    `requeue`: see `MqttPublisher.deliver_queued` (a broker that lost its retained state).
    """
    pub = MqttPublisher(config, site=site, scanner_id=scanner_id, fail_fast=True)
    async with pub:
        stats = await pub.deliver_queued(ours, enqueued=enqueued, findings=findings, wait=deadline,
                                         requeue=requeue)
    return _checked(pub, stats)


def _checked(pub: MqttPublisher, stats: PublishStats) -> PublishStats:
    """Raise the MqttDeliveryError that explains what is left in the outbox, if anything is."""
    config = pub.config
    stats.pending = pub.remaining if pub.remaining is not None else stats.pending
    if stats.pending:
        err = pub.last_error or MqttUnreachableError(
            "the broker did not acknowledge every message before the deadline", broker=config.url)
        raise err.with_pending(stats.pending, Path(config.outbox))
    if pub.refused_total:
        reason, topic = pub.first_refusal or ("?", "?")
        raise MqttRejectedError(
            f"the broker refused {pub.refused_total} message(s) ({reason}, e.g. on {topic}): check its ACL "
            f"for {config.prefix}/v1/#; they are kept in the dead_letter table of the outbox {config.outbox}",
            broker=config.url)
    return stats
