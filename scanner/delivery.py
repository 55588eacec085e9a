"""From "the scan is judged" to "what must be said is queued", with nothing lost in between.

What a destination (broker + topic prefix) hears is decided by what *it* was told,
not by what the history saw: the outbox keeps, per destination and site, every
finding as last queued for it (`Outbox.told`). A scan's findings are compared with
that memory using the history's own definition of change (`scanner.drift.annotate`),
and the messages plus the new memory are written in one outbox transaction. So:

- first contact (a site scanned before without `--mqtt`, a new broker or prefix, or a
  broker found without our retained status, i.e. it lost its retained state: the
  publisher then calls `Outbox.forget` and `requeue_for` queues the scan again) sends
  the current failing and unknown findings as alerts marked `initial_state`;
- a crash before that transaction leaves the memory as it was: the next run finds the
  same alerts due; a crash after it leaves them in the outbox, sent with the same ids.

The history commit and the outbox transaction live in different databases (PostgreSQL
history, local SQLite outbox), so they are joined by a two-phase mark: the history
stores the scan with `emit_pending=<destination>` in the scan's own transaction, the
outbox records the scan as queued in its transaction, and `queue_pending` (run before
the next scan is queued) completes any scan still marked, then clears the mark.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from profiles.findings import Finding
from reports.model import ScanMeta, ScanResult
from reports.mqtt import MqttConfig, Outbox
from reports.mqtt.messages import MessageKind, result_messages
from scanner.drift import annotate, is_synthetic
from scanner.history import HistoryStore


def default_scanner_id_for(result: ScanResult) -> str:
    """The scanner id a scan's messages carry: the scan's own, else this host's name."""
    from reports.mqtt.publisher import default_scanner_id

    return result.meta.scanner_id or default_scanner_id()


def destination_key(config: MqttConfig) -> str:
    """Who was told: broker and topic prefix (never the user or a secret; the site is kept beside it)."""
    return config.destination


@dataclass
class Queued:
    """What one run put into the outbox."""

    seqs: list[int] = field(default_factory=list)  # outbox rows of this run
    messages: int = 0
    findings: int = 0  # finding messages among them
    scans: list[str] = field(default_factory=list)  # scans queued (earlier pending ones first)
    initial: bool = False  # the destination's first contact: findings sent as initial state

    def add(self, other: Queued) -> None:
        self.seqs += other.seqs
        self.messages += other.messages
        self.findings += other.findings
        self.scans += other.scans
        self.initial = self.initial or other.initial


def _told_view(result: ScanResult, told: dict[str, Finding]) -> ScanResult:
    """`result` with each finding's change taken against what the destination was told."""
    if result.meta.evaluated_at is None:
        return result  # facts only: nothing judged, nothing to compare
    previous = ScanResult(meta=ScanMeta(scan_id="told", site=result.meta.site, started_at=result.meta.started_at,
                                        scanner_version=result.meta.scanner_version),
                          findings=list(told.values()))
    view = annotate(result, previous)
    return view.model_copy(update={"meta": result.meta})


async def queue_scan(outbox: Outbox, result: ScanResult, config: MqttConfig, *, scanner_id: str,
                     include_started: bool = True) -> Queued:
    """Queue what `result` means to `config`'s destination, and remember it, in one outbox transaction."""
    destination, site, scan_id = destination_key(config), result.meta.site, result.meta.scan_id
    if await outbox.was_queued(destination, scan_id):
        return Queued()
    contacted, docs = await outbox.told(destination, site)
    told = {uid: Finding.model_validate_json(doc) for uid, doc in docs.items()}
    judged = result.meta.evaluated_at is not None
    initial = judged and not contacted
    view = _told_view(result, told)
    before = {uid: str(f.result) for uid, f in told.items()}
    messages = await asyncio.to_thread(result_messages, view, config, scanner_id, include_started=include_started,
                                       told=before, initial=initial)
    if config.documents:  # the whole document (as stored in the history), before `finished`
        from reports.mqtt.documents import document_messages

        documents = await asyncio.to_thread(document_messages, result, config, scanner_id)
        messages[-1:-1] = documents
    memory = ({f.uid: f.model_dump_json(exclude={"change"}) for f in view.findings if not is_synthetic(f)}
              if judged else None)
    seqs = await outbox.queue_scan(destination, site, scan_id, messages, memory)
    return Queued(seqs=seqs, messages=len(messages), findings=sum(m.kind == MessageKind.FINDING for m in messages),
                  scans=[scan_id], initial=initial)


def requeue_for(result: ScanResult, config: MqttConfig) -> Callable[[Outbox], Awaitable[tuple[list[int], int, int]]]:
    """For `deliver_outbox`: queue `result` again once the broker turned out to have lost its retained state
    (the publisher has forgotten the destination's memory, so this is the initial state)."""

    async def requeue(outbox: Outbox) -> tuple[list[int], int, int]:
        queued = await queue_scan(outbox, result, config, scanner_id=default_scanner_id_for(result))
        return queued.seqs, queued.messages, queued.findings

    return requeue


async def queue_pending(outbox: Outbox, store: HistoryStore, config: MqttConfig, *, site: str,
                        scanner_id: str, current: ScanResult | None = None,
                        include_started: bool = True) -> Queued:
    """Queue every stored scan of `site` still marked for this destination (oldest first), then clear the marks.

    `current` is the scan just committed (queued from memory rather than reloaded); the rest are
    scans whose run died between the history commit and the outbox transaction.
    """
    destination = destination_key(config)
    out = Queued()
    pending = await store.pending_emits(site, destination)
    if current is not None and current.meta.scan_id not in pending:
        pending.append(current.meta.scan_id)
    for scan_id in pending:
        is_current = current is not None and scan_id == current.meta.scan_id
        if not await outbox.was_queued(destination, scan_id):
            result = current if is_current else await store.load_scan(scan_id)
            assert result is not None
            out.add(await queue_scan(outbox, result, config, scanner_id=result.meta.scanner_id or scanner_id,
                                     include_started=include_started or not is_current))
        await store.clear_emit(scan_id)
    return out
