"""The drift model: what changed between two scans of a site, in one shape for every consumer.

`scanner.drift` computes a `Drift` (every change, every finding's state); the scan document
carries its capped `DriftSummary` (`ScanResult.drift`), which the reports and MQTT read. Both are
made of the same parts, so a fact change or a device reads the same in `camaudit diff`, the
HTML/console reports and MQTT.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from profiles.findings import Change, Result

DRIFT_SCHEMA_ID = "camaudit.drift/1"  # versioned separately: ScanResult.drift is optional and additive
SUMMARY_FACT_LIMIT = 500  # fact changes carried in a scan document's drift summary (important ones first)


class DriftDevice(BaseModel):
    """A camera that appeared or vanished since the previous scan."""

    device_id: str
    name: str
    address: str
    model: str | None = None
    firmware: str | None = None


class DriftFactChange(BaseModel):
    """One fact that changed on a camera seen in both scans; `sentence` is what people read."""

    device_id: str
    device_name: str
    key: str  # fact key, e.g. "media.audio_in_profiles"
    before: str | None = None  # short display of the old value or "(status)"; None: the key was not read
    after: str | None = None
    sentence: str  # e.g. "audio turned on (profiles: Profile_1)"
    important: bool = False  # a key people care about (audio, retention, firmware, users, cloud ...)


class DriftCounts(BaseModel):
    """Findings by their state against the previous scan (synthetic resolutions included)."""

    new: int = 0
    changed: int = 0
    resolved: int = 0
    persisting: int = 0


class FindingDelta(BaseModel):
    """A finding's state against the previous scan."""

    uid: str
    rule_id: str
    device_id: str
    device_name: str
    title: str
    change: Change
    before_result: Result | None = None
    after_result: Result | None = None
    before_severity: str | None = None
    after_severity: str | None = None
    message: str


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


class Drift(BaseModel):
    """Everything that changed from `previous_scan_id` to `scan_id` (`camaudit diff`, the watch loop)."""

    site: str
    scan_id: str
    previous_scan_id: str | None
    started_at: datetime
    previous_started_at: datetime | None = None
    new_devices: list[DriftDevice] = Field(default_factory=list)
    vanished_devices: list[DriftDevice] = Field(default_factory=list)
    fact_changes: list[DriftFactChange] = Field(default_factory=list)
    findings: list[FindingDelta] = Field(default_factory=list)  # every finding, persisting included

    def count(self, change: Change) -> int:
        return sum(1 for f in self.findings if f.change is change)

    @property
    def counts(self) -> dict[str, int]:
        return {change.value: self.count(change) for change in Change}

    @property
    def changed_findings(self) -> list[FindingDelta]:
        """New, changed and resolved findings (what a SIEM wants to hear about)."""
        return [f for f in self.findings if f.change is not Change.PERSISTING]

    @property
    def empty(self) -> bool:
        return not (self.new_devices or self.vanished_devices or self.fact_changes or self.changed_findings)

    def summary(self, limit: int = SUMMARY_FACT_LIMIT) -> DriftSummary:
        """The compact form carried by the scan document (`ScanResult.drift`): the same parts, capped."""
        facts = sorted(self.fact_changes, key=lambda c: (not c.important, c.device_name, c.key))[:limit]
        counts = self.counts
        return DriftSummary(
            previous_scan_id=self.previous_scan_id, previous_started_at=self.previous_started_at,
            new_devices=list(self.new_devices), vanished_devices=list(self.vanished_devices),
            fact_changes=facts, fact_changes_total=len(self.fact_changes),
            findings=DriftCounts(**{k: counts[k] for k in ("new", "changed", "resolved", "persisting")}),
        )
