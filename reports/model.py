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
DRIFT_SCHEMA_ID = "camaudit.drift/1"  # versioned separately: ScanResult.drift is optional and additive


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


class DriftDevice(BaseModel):
    """A camera that appeared or vanished since the previous scan."""

    device_id: str
    name: str
    address: str


class DriftFactChange(BaseModel):
    """One fact that changed on a camera seen in both scans; `sentence` is what people read."""

    device_id: str
    device_name: str
    key: str  # fact key, e.g. "media.audio_in_profiles"
    before: str | None = None  # short display of the old value or "(status)"; None: the key was not read
    after: str | None = None
    sentence: str  # e.g. "audio turned on (profiles: Profile_1)" (from scanner.drift, the one source)
    important: bool = False  # a key people care about (audio, retention, firmware, users, cloud ...)


class DriftCounts(BaseModel):
    """Findings by their state against the previous scan (synthetic resolutions included)."""

    new: int = 0
    changed: int = 0
    resolved: int = 0
    persisting: int = 0


class DriftSummary(BaseModel):
    """What changed since the site's previous recorded scan, compact enough for every report.

    Filled when the scan is recorded in the history store; `previous_scan_id` None means
    this is the first recorded scan of the site (nothing to compare with). Fact changes are
    capped (important ones first); `fact_changes_total` tells how many there were.
    """

    version: str = DRIFT_SCHEMA_ID
    previous_scan_id: str | None = None
    previous_started_at: datetime | None = None
    new_devices: list[DriftDevice] = Field(default_factory=list)
    vanished_devices: list[DriftDevice] = Field(default_factory=list)
    fact_changes: list[DriftFactChange] = Field(default_factory=list)
    fact_changes_total: int = 0
    findings: DriftCounts = Field(default_factory=DriftCounts)

    @property
    def first(self) -> bool:
        return self.previous_scan_id is None

    @property
    def empty(self) -> bool:
        f = self.findings
        return not (self.new_devices or self.vanished_devices or self.fact_changes_total
                    or f.new or f.changed or f.resolved)


class ScanResult(BaseModel):
    """One scan: devices with their facts, and (unless facts-only) findings."""

    schema_: str = Field(default=SCHEMA_ID, alias="schema")
    meta: ScanMeta
    devices: list[DeviceFacts] = Field(default_factory=list)
    declared_names: dict[str, str] = Field(default_factory=dict)  # device_id -> declared camera name
    declared: dict[str, DeclaredCamera] = Field(default_factory=dict)  # device_id -> class/area (reports group by)
    findings: list[Finding] = Field(default_factory=list)
    drift: DriftSummary | None = None  # since the previous recorded scan (None: not recorded in history)

    model_config = {"populate_by_name": True}

    def dump_json(self) -> str:
        return self.model_dump_json(by_alias=True, indent=2)

    def dump_json_bytes(self) -> bytes:
        """UTF-8 JSON straight from the serializer: no intermediate str (the document can be 100+ MB)."""
        return self.__pydantic_serializer__.to_json(self, indent=2, by_alias=True)

    @classmethod
    def load(cls, path: str | Path) -> ScanResult:
        return cls.model_validate_json(Path(path).read_text(encoding="utf-8"))
