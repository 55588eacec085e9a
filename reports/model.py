"""The scan document: what one scan observed and concluded. Every report is a view of it.

It is also the on-disk format of `--json` (versioned by `schema`), and what
`camaudit evaluate` / `camaudit report` read back.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, Field, model_validator

from probes.facts import DeviceFacts
from probes.readstatus import ReadStatus, derive_read
from profiles.findings import Finding
from profiles.inventory import AreaType, Sector
from reports.drift import DriftSummary

SCHEMA_ID = "camaudit.scan/3"  # /3: fact values typed per key (probes/factvalues), capabilities.security `other`
READABLE_SCHEMAS = ("camaudit.scan/1", "camaudit.scan/2", SCHEMA_ID)  # /1 lacks read status and coverage: derived


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


class UnknownCause(StrEnum):
    """Why a rule's result is `unknown`."""

    UNREAD_FACT = "unread_fact"  # a fact it needs was not read (refused, error, not offered, not probed)
    MISSING_DECLARATION = "missing_declaration"  # the camera, or a field it needs, is not declared
    PLACEHOLDER = "placeholder"  # the declaration still holds `camaudit init` placeholders
    OTHER = "other"


class UncoveredDevice(BaseModel):
    """A device that was not read fully, or a named host / declared camera that was not read at all."""

    device_id: str
    name: str
    address: str | None = None
    status: ReadStatus | None = None  # None: a declared camera that was not found on the scanned networks
    reason: str | None = None
    failed_operations: list[str] = Field(default_factory=list)
    named: bool = False  # given as --host or scope.hosts
    declared: bool = False  # declared under `cameras:`


class Coverage(BaseModel):
    """What the scan covered and what it did not: a clean verdict counts only when `complete`.

    Coverage is about devices and declarations; a feature a camera does not offer (an
    `unsupported` fact) is not a gap.
    """

    devices_found: int = 0
    read_fully: int = 0
    read_partly: int = 0
    not_read: dict[ReadStatus, int] = Field(default_factory=dict)  # by reason
    uncovered: list[UncoveredDevice] = Field(default_factory=list)  # not read fully, or named/declared not read
    named_hosts: list[str] = Field(default_factory=list)
    declared: int = 0
    declared_found: int = 0
    declared_missing: list[str] = Field(default_factory=list)
    drafts: list[str] = Field(default_factory=list)  # declarations still holding placeholders
    evaluated: bool = False  # False for --facts-only scans
    rules_evaluated: int = 0
    rules_unknown: dict[UnknownCause, int] = Field(default_factory=dict)
    incomplete: list[str] = Field(default_factory=list)  # why the scan is incomplete, one sentence each

    @property
    def complete(self) -> bool:
        return not self.incomplete

    @property
    def draft_note(self) -> str | None:
        """`draft: N declarations not yet reviewed` when the site file still holds placeholders."""
        if not self.drafts:
            return None
        n = len(self.drafts)
        return f"draft: {n} declaration{'s' if n != 1 else ''} not yet reviewed"


class ScanResult(BaseModel):
    """One scan: devices with their facts, and (unless facts-only) findings."""

    schema_: str = Field(default=SCHEMA_ID, alias="schema")
    meta: ScanMeta
    devices: list[DeviceFacts] = Field(default_factory=list)
    declared_names: dict[str, str] = Field(default_factory=dict)  # device_id -> declared camera name
    declared: dict[str, DeclaredCamera] = Field(default_factory=dict)  # device_id -> class/area (reports group by)
    findings: list[Finding] = Field(default_factory=list)
    drift: DriftSummary | None = None  # since the previous recorded scan (None: not recorded in history)
    coverage: Coverage | None = None  # what was and was not covered (camaudit.scan/2; derived for /1 on load)

    model_config = {"populate_by_name": True}

    @model_validator(mode="after")
    def _derive_read_status(self) -> ScanResult:
        """Documents of camaudit.scan/1 have no read status: derive it from their facts (coverage: `load`)."""
        self.schema_ = SCHEMA_ID  # once loaded, it is a document of this version (what is missing is derived)
        for device in self.devices:
            if device.read is None:
                device.read = derive_read(device)
        return self

    def dump_json(self) -> str:
        return self.model_dump_json(by_alias=True, indent=2)

    def dump_json_bytes(self) -> bytes:
        """UTF-8 JSON straight from the serializer: no intermediate str (the document can be 100+ MB)."""
        return self.__pydantic_serializer__.to_json(self, indent=2, by_alias=True)

    @classmethod
    def load(cls, path: str | Path) -> ScanResult:
        return cls.model_validate_json(Path(path).read_text(encoding="utf-8"))

    def with_coverage(self) -> ScanResult:
        """Fill `coverage` from the document when it has none (camaudit.scan/1, hand-built results)."""
        if self.coverage is None:
            from reports.coverage import compute_coverage

            self.coverage = compute_coverage(self)
        return self
