"""What the history store says about a scan, independent of the database behind it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel

from probes.errors import DeliveryError


class HistoryError(DeliveryError):
    """The history store is unreachable, too new, or lacks the scan asked for."""


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
