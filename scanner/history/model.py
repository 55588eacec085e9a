"""What the history store says about a scan, independent of the database behind it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel

from probes.errors import DeliveryError, InputError, ProgrammingError


class HistoryError(DeliveryError):
    """The history store failed, is too new, or lacks the scan asked for; the scan's result itself is intact."""


class UnknownScan(HistoryError):
    """The store holds no such scan, or no result for it (running, aborted, failed, pruned), or an id prefix
    names several: the reference is wrong, the store is fine."""


class HistoryUnavailable(HistoryError):
    """The store cannot take the call now (server down or restarting, connection lost, out of connections, a
    conflicting transaction): the same call later may succeed, so a collector waits it out."""


class HistoryAccessError(InputError):
    """The history location opens no store we may use (login refused, no such database or schema, no rights,
    a read-only server, a malformed URL): the user fixes the URL or the server's grants and runs again."""


class HistoryStatementError(ProgrammingError):
    """The server refused a statement camaudit sent (syntax, an unknown column, bad data, a violated
    constraint): a bug in camaudit; the message names the SQLSTATE."""


class ScanStatus(StrEnum):
    RUNNING = "running"  # marker written when a scan starts; replaced by the whole scan at the end
    COMPLETE = "complete"  # devices, facts and findings stored (one transaction)
    ABORTED = "aborted"  # stopped (SIGTERM) or its process died: a later scan marked it
    FAILED = "failed"  # the scan raised; the reason says why


class ScanRecord(BaseModel):
    """One row of `camaudit history`."""

    scan_id: str
    site: str
    status: ScanStatus
    started_at: datetime
    finished_at: datetime | None = None
    previous_scan_id: str | None = None
    scanner_version: str | None = None
    host: str | None = None
    pid: int | None = None
    reason: str | None = None  # why aborted/failed
    devices: int = 0
    failing: int = 0
    new: int = 0
    changed: int = 0
    resolved: int = 0
    errors: int = 0

    @property
    def duration_s(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()
