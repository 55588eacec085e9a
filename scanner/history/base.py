"""The history store interface: scans with devices, facts and findings, written whole or not at all.

A scan's life in the store: `begin_scan` writes a `running` marker row (committed at
once, so a crash leaves a trace); `commit_scan` replaces it with the whole scan in
one transaction; `end_scan` marks it `aborted`/`failed` instead. A marker whose
process died is turned into `aborted` by the next scan (`reap_stale`).

Delivery is two-phase: `commit_scan(..., emit_pending=destination)` stores, in the
scan's own transaction, that its MQTT messages are still to be queued for that
destination; `clear_emit` removes the mark once the outbox holds them. A run that
finds a marked scan (`pending_emits`) queues it first (scanner/delivery.py).
"""

from __future__ import annotations

import os
import socket
from abc import ABC, abstractmethod
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any, Self

from probes import clock
from reports.model import ScanResult
from scanner.history._rows import build_scan
from scanner.history.model import ScanRecord, ScanStatus, UnknownScan

STALE_AFTER = timedelta(hours=24)  # a marker from another host older than this is taken as dead


def pid_alive(pid: int) -> bool:
    """Whether a process of this host still runs (zombies count as dead)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            return fh.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


class HistoryStore(ABC):
    """Async history store; use as `async with open_history(...) as store:`."""

    location: str  # for messages: path or URL without password
    host: str = socket.gethostname()

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.close()

    @abstractmethod
    async def open(self) -> None:
        """Connect and apply missing migrations."""

    @abstractmethod
    async def close(self) -> None: ...

    @abstractmethod
    async def schema_version(self) -> int: ...

    @abstractmethod
    async def begin_scan(self, scan_id: str, site: str, started_at: datetime, scanner_version: str) -> None:
        """Write the `running` marker (committed immediately)."""

    @abstractmethod
    async def commit_scan(self, result: ScanResult, *, marker_id: str | None = None,
                          emit_pending: str | None = None) -> ScanRecord:
        """Store the whole scan in one transaction, replacing its marker (`marker_id`, default its own id).

        `emit_pending`: the MQTT destination whose messages for this scan are not queued yet.
        """

    @abstractmethod
    async def pending_emits(self, site: str, destination: str) -> list[str]:
        """Complete scans of `site` still to be queued for `destination`, oldest first."""

    @abstractmethod
    async def clear_emit(self, scan_id: str) -> None:
        """The scan's messages are in the outbox: drop its `emit_pending` mark."""

    @abstractmethod
    async def end_scan(self, scan_id: str, status: ScanStatus, reason: str) -> None:
        """Mark a running scan aborted or failed (no-op when it already completed)."""

    @abstractmethod
    async def list_scans(self, site: str | None = None, limit: int = 20,
                         status: ScanStatus | None = None) -> list[ScanRecord]:
        """Newest first."""

    async def load_scan(self, scan_id: str) -> ScanResult:
        """The stored scan document of a complete scan; UnknownScan when unknown or incomplete."""
        head, devices, facts, findings = await self._scan_rows(scan_id)
        if head is None:
            raise self._no_scan(scan_id)
        if head["status"] != ScanStatus.COMPLETE.value:
            raise UnknownScan(f"scan {scan_id} is {head['status']}: it has no stored result")
        return build_scan(head["doc_json"], devices, facts, findings)

    @abstractmethod
    async def _scan_rows(self, scan_id: str) -> tuple[Any, list[Any], list[Any], list[Any]]:
        """From one snapshot: the scan's row (status, doc_json; None when unknown) and its device (seq,
        doc_json), fact (every column) and finding (seq, doc_json) rows."""

    def _no_scan(self, ref: str) -> UnknownScan:
        return UnknownScan(f"no scan {ref!r} in {self.location}")

    @abstractmethod
    async def prune(self, before: datetime, site: str | None = None) -> int:
        """Delete scans started before `before` (not running ones, and never a site's latest complete
        scan, the base of the next drift); returns how many were deleted."""

    @abstractmethod
    async def _ids_with_prefix(self, prefix: str) -> list[str]: ...

    @abstractmethod
    async def _latest_complete_id(self, site: str, before: datetime | None) -> str | None: ...

    @abstractmethod
    async def get_record(self, scan_id: str) -> ScanRecord:
        """The summary row of one scan (any status); UnknownScan when unknown."""

    async def resolve(self, ref: str) -> str:
        """A full scan id from an id or a unique prefix of one (like git)."""
        ids = await self._ids_with_prefix(ref)
        if ref in ids:
            return ref
        if not ids:
            raise self._no_scan(ref)
        if len(ids) > 1:
            raise UnknownScan(f"scan id prefix {ref!r} is ambiguous ({len(ids)} scans)")
        return ids[0]

    async def previous_scan(self, site: str, before: datetime | None = None) -> ScanResult | None:
        """The latest complete scan of `site` (started before `before`), the base of the next drift."""
        scan_id = await self._latest_complete_id(site, before)
        return await self.load_scan(scan_id) if scan_id else None

    async def reap_stale(self, site: str | None = None, *, stale_after: timedelta = STALE_AFTER) -> list[str]:
        """Mark `running` markers whose process is gone as aborted; returns their ids."""
        reaped: list[str] = []
        now = clock.now()
        for record in await self.list_scans(site, limit=1000, status=ScanStatus.RUNNING):
            old = now - record.started_at >= stale_after
            if record.host == self.host:
                alive = record.pid is not None and record.pid != os.getpid() and pid_alive(record.pid)
                if alive and not old:
                    continue
                reason = (f"process {record.pid} on {record.host} ended before the scan finished" if not alive
                          else f"still marked running after {stale_after} (process id {record.pid} reused?)")
            elif not old:
                continue
            else:
                reason = f"no result from {record.host or 'another host'} after {stale_after}"
            await self.end_scan(record.scan_id, ScanStatus.ABORTED, reason)
            reaped.append(record.scan_id)
        return reaped
