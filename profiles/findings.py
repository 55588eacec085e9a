"""The findings model: the result of one rule for one device."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from enum import StrEnum
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from probes.records import CompactRecord


class Result(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    UNKNOWN = "unknown"  # a fact or declaration needed to judge is missing (the message says which)
    NOT_APPLICABLE = "not_applicable"
    WAIVED = "waived"  # would fail, but a valid waiver covers it
    MANUAL = "manual"  # cannot be automated; an attestation is needed
    ERROR = "error"  # the check itself crashed (a bug in camaudit, reported honestly)


class Severity(StrEnum):
    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)


class Change(StrEnum):
    """A finding's state against the previous scan (set by the history diff)."""

    NEW = "new"
    CHANGED = "changed"
    PERSISTING = "persisting"
    RESOLVED = "resolved"


class Reference(CompactRecord):
    """Where a rule comes from: source id (CZ, GR, FR, NL, EDPS, GDPR) and article/section."""

    model_config = ConfigDict(frozen=True)

    source: str
    article: str
    title: str | None = None


class EvidenceRef(CompactRecord):
    """A fact or declaration field a check relied on."""

    model_config = ConfigDict(frozen=True)
    interned_fields: ClassVar[tuple[str, ...]] = ("key", "status")

    key: str  # fact key ("media.audio_in_profiles") or "declaration.<field>"
    status: str  # fact status, or "declared" / "missing"
    value: Any = None
    source: str | None = None  # operation


class WaiverRef(BaseModel):
    justification: str
    approver: str
    expires: date
    expired: bool = False


# Evidence of an `unknown` that only a declaration can settle: the camera is not (or ambiguously) declared.
# Reports group such findings per camera ("38 rules need a declaration") instead of listing each one.
NO_DECLARATION = EvidenceRef(key="declaration", status="missing")


def finding_uid(site: str, device_id: str, rule_id: str) -> str:
    """Stable identity of 'this rule on this device at this site' across scans."""
    return hashlib.sha256(f"{site}\x1f{device_id}\x1f{rule_id}".encode()).hexdigest()[:32]


class Finding(BaseModel):
    """One rule's verdict on one device (or on the site, for fleet-level rules)."""

    uid: str
    rule_id: str  # e.g. "CZ-RET-1"
    check: str  # check function id, e.g. "retention_within_limit"
    profile: str  # profile id, e.g. "cz-uoou-2024"
    profile_version: str | None = None  # that profile's version (scan /2; absent in documents of /1)
    device_id: str  # DeviceFacts.device_id, or "site" for site-level rules
    device_name: str  # declared name, or device label
    result: Result
    severity: Severity
    title: str
    message: str
    evidence: list[EvidenceRef] = Field(default_factory=list)
    reference: Reference
    remediation: str = ""
    waiver: WaiverRef | None = None
    evaluated_at: datetime
    change: Change | None = None

    @property
    def failing(self) -> bool:
        return self.result is Result.FAIL

    @property
    def needs_declaration(self) -> bool:
        """Unknown because the camera has no declaration (see NO_DECLARATION); never a pass."""
        return self.result is Result.UNKNOWN and any(
            e.key == NO_DECLARATION.key and e.status == NO_DECLARATION.status for e in self.evidence)
