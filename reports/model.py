"""The scan document: what one scan observed and concluded. Every report is a view of it.

It is also the on-disk format of `--json` (versioned by `schema`), and what
`camaudit evaluate` / `camaudit report` read back.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, Field

from probes.facts import DeviceFacts
from profiles.findings import Finding
from profiles.inventory import AreaType, Sector

SCHEMA_ID = "camaudit.scan/1"


class ScanMeta(BaseModel):
    scan_id: str
    site: str
    site_title: str | None = None
    started_at: datetime
    finished_at: datetime | None = None
    evaluated_at: datetime | None = None  # the --at time rules were judged at
    scope: list[str] = Field(default_factory=list)
    profiles: list[str] = Field(default_factory=list)
    scanner_version: str
    scanner_id: str | None = None
    errors: list[str] = Field(default_factory=list)  # scan-level problems (not per-device facts)
    previous_scan_id: str | None = None


class DeclaredCamera(BaseModel):
    """What the operator declared about a matched device, as far as reports group by it."""

    name: str
    camera_class: int | None = None  # declared class 1-4 (CZ §2.9)
    area: AreaType | None = None
    sector: Sector | None = None


class ScanResult(BaseModel):
    """One scan: devices with their facts, and (unless facts-only) findings."""

    schema_: str = Field(default=SCHEMA_ID, alias="schema")
    meta: ScanMeta
    devices: list[DeviceFacts] = Field(default_factory=list)
    declared_names: dict[str, str] = Field(default_factory=dict)  # device_id -> declared camera name
    declared: dict[str, DeclaredCamera] = Field(default_factory=dict)  # device_id -> class/area (reports group by)
    findings: list[Finding] = Field(default_factory=list)

    model_config = {"populate_by_name": True}

    def dump_json(self) -> str:
        return self.model_dump_json(by_alias=True, indent=2)

    @classmethod
    def load(cls, path: str | Path) -> ScanResult:
        return cls.model_validate_json(Path(path).read_text(encoding="utf-8"))
