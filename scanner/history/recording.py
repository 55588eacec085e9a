"""One scan's life in the history store: running marker, then the whole scan with its drift, or aborted.

    async with ScanRun(store, site="campus") as run:
        result = await run_scan(...)
        annotated, drift, record = await run.finish(result)

Leaving the block without `finish` (exception, cancellation by SIGTERM) marks the
marker `failed` or `aborted`; a process killed outright leaves the marker, which
the next ScanRun of the site turns into `aborted`.
"""

from __future__ import annotations

import asyncio
import secrets
from datetime import UTC, datetime
from types import TracebackType
from typing import Self

from probes import clock
from reports.drift import Drift
from reports.model import ScanResult
from scanner import __version__
from scanner.drift import diff_scans
from scanner.history.base import HistoryStore
from scanner.history.model import ScanRecord, ScanStatus


def new_scan_id(at: datetime | None = None) -> str:
    """Sortable, readable and unique: 20261123T031500Z-3f9a1c."""
    return f"{(at or clock.now()).astimezone(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


async def store_scan(store: HistoryStore, result: ScanResult, *, marker_id: str | None = None,
                     emit_pending: str | None = None) -> tuple[ScanResult, Drift, ScanRecord]:
    """Compare `result` with the site's previous complete scan, then store it (annotated) in one transaction.

    Returns the annotated copy (`Finding.change` set, resolved findings added,
    `previous_scan_id` and the compact `drift` summary set, both stored with it), the full
    drift and the stored summary row.
    """
    previous = await store.previous_scan(result.meta.site, before=result.meta.started_at)
    annotated, drift = diff_scans(result, previous)
    record = await store.commit_scan(annotated, marker_id=marker_id, emit_pending=emit_pending)
    return annotated, drift, record


def adopt(result: ScanResult, annotated: ScanResult) -> None:
    """Copy the annotation and the drift summary into `result` in place (callers keep writing reports from it)."""
    result.findings = annotated.findings
    result.drift = annotated.drift
    result.meta.previous_scan_id = annotated.meta.previous_scan_id


async def record_scan(result: ScanResult, location: str | None = None) -> tuple[Drift, ScanRecord]:
    """One-shot for `camaudit scan`: open the store, diff and store `result`, annotating it in place."""
    from scanner.history import open_history

    async with open_history(location) as store:
        annotated, drift, record = await store_scan(store, result)
    adopt(result, annotated)
    return drift, record


class ScanRun:
    """Async context manager around one scan; see the module docstring."""

    def __init__(self, store: HistoryStore, site: str, *, scan_id: str | None = None,
                 started_at: datetime | None = None) -> None:
        self.store, self.site = store, site
        self.started_at = started_at or clock.now()
        self.scan_id = scan_id or new_scan_id(self.started_at)
        self.reaped: list[str] = []
        self.finished = False

    async def __aenter__(self) -> Self:
        self.reaped = await self.store.reap_stale(self.site)
        await self.store.begin_scan(self.scan_id, self.site, self.started_at, __version__)
        return self

    async def finish(self, result: ScanResult, *,
                     emit_pending: str | None = None) -> tuple[ScanResult, Drift, ScanRecord]:
        """Store the scan with its drift; `emit_pending`: the MQTT destination it must still be queued for."""
        out = await store_scan(self.store, result, marker_id=self.scan_id, emit_pending=emit_pending)
        self.finished = True
        return out

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        if self.finished:
            return
        if exc_type is None:
            status, reason = ScanStatus.ABORTED, "the scan ended without a result"
        elif issubclass(exc_type, (asyncio.CancelledError, KeyboardInterrupt)):
            status, reason = ScanStatus.ABORTED, "stopped (signal or cancellation) before it finished"
        else:
            status, reason = ScanStatus.FAILED, f"{exc_type.__name__}: {exc}"[:500]
        # Shielded: a second cancellation must not leave the marker `running`.
        await asyncio.shield(self.store.end_scan(self.scan_id, status, reason))
