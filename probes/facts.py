"""The facts model: what was observed on a device, and how it was learned.

A fact is never just a value. Its status says whether the value was really read
(`ok`) or why not; its source names the ONVIF operation or probe; its evidence
points at the raw reply (excerpt + SHA-256 + time). Checks must treat any status
other than `ok` as *unknown*, never as "off" or "compliant".

Fact values are typed: `FACT_CATALOGUE` links every key to a `FactSpec` whose value
type (str, bool, a frozen model from `probes/factvalues/`, or a list of them) is the
contract between the readers (probes) and the checks (profiles). A fact sheet built
or loaded from JSON validates every `ok` value against its key's type, so a value
is never a loose dict; None is always allowed and means "no value".
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar, TypeVar, overload

from pydantic import BaseModel, ConfigDict, Field, field_validator

from probes import clock
from probes.factvalues import ALL_SPECS, FactSpec, identity
from probes.readstatus import DeviceRead
from probes.records import CompactRecord

V = TypeVar("V")

EXCERPT_LIMIT = 400  # characters of raw reply kept as evidence


class FactStatus(StrEnum):
    """How a fact was (or was not) learned."""

    OK = "ok"  # read and parsed
    UNSUPPORTED = "unsupported"  # the device lacks the service/operation
    DENIED = "denied"  # the device refused our credentials (or we had none)
    ERROR = "error"  # timeout, bad XML, schema violation, oversize, HTTP error ...
    NOT_PROBED = "not_probed"  # we did not ask (out of budget, disabled, depends on a failed fact)


_OK = FactStatus.OK


class Evidence(CompactRecord):
    """Where a fact came from: a short excerpt and a fingerprint of the raw reply."""

    model_config = ConfigDict(frozen=True)
    interned_fields: ClassVar[tuple[str, ...]] = ("operation", "excerpt", "sha256")  # identical replies: one each

    operation: str
    excerpt: str = ""
    sha256: str | None = None
    received_at: datetime | None = None

    @classmethod
    def from_reply(cls, operation: str, raw: bytes, received_at: datetime | None = None) -> Evidence:
        """Build evidence for a raw reply body (excerpt is decoded leniently and cut)."""
        text = raw[: EXCERPT_LIMIT * 4].decode("utf-8", errors="replace")
        return cls(
            operation=operation,
            excerpt=" ".join(text.split())[:EXCERPT_LIMIT],
            sha256=hashlib.sha256(raw).hexdigest(),
            received_at=received_at or clock.now(),
        )


ABSENCE_PREFIX = "absent per "
"""Source of a fact that records a proven absence: "absent per tds:GetServices, tds:GetCapabilities, ..."."""


class Fact(CompactRecord):
    """One observed value with its provenance."""

    model_config = ConfigDict(frozen=True)
    interned_fields: ClassVar[tuple[str, ...]] = ("source", "reason", "value")  # a str value: models, firmware

    status: FactStatus
    value: Any = None
    source: str = ""  # e.g. "trt:GetProfiles", "tcp-sweep", "ws-discovery"
    reason: str | None = None  # why status is not ok (or a caveat when it is)
    evidence: Evidence | None = None

    @property
    def ok(self) -> bool:
        return self.status is _OK  # not `FactStatus.OK`: a member lookup costs ~70 ns on 3.11, ~10^5 calls a scan

    @property
    def absent(self) -> bool:
        """An `ok` fact saying the feature is absent because every source that could show it agreed."""
        return self.status is _OK and self.source.startswith(ABSENCE_PREFIX)

    @classmethod
    def observed(cls, value: Any, source: str, evidence: Evidence | None = None) -> Fact:
        return cls(status=FactStatus.OK, value=value, source=source, evidence=evidence)

    @classmethod
    def failed(cls, status: FactStatus, source: str, reason: str, evidence: Evidence | None = None) -> Fact:
        if status is FactStatus.OK:
            raise ValueError("a failed fact cannot have status ok")
        return cls(status=status, value=None, source=source, reason=reason, evidence=evidence)


NOT_PROBED = Fact(status=FactStatus.NOT_PROBED, source="", reason="not probed")


def _same(validated: Any, given: Any) -> bool:
    """Validation kept the value as it was (a list is rebuilt around the same items): no copy of the fact
    needed. Readers store typed values, so this is the common case and the sheet costs little to build."""
    if validated is given:
        return True
    return (type(validated) is list and type(given) is list and len(validated) == len(given)
            and all(a is b for a, b in zip(validated, given, strict=True)))


class DeviceFacts(BaseModel):
    """The fact sheet of one device: identity keys for matching plus all facts read."""

    model_config = ConfigDict(validate_assignment=True)  # `sheet.facts = {...}` types the values too

    device_id: str  # stable key: "uuid:<endpoint uuid>" | "serial:<..>" | "mac:<..>" | "addr:<ip>:<port>"
    address: str  # IP the device was reached at
    port: int | None = None
    xaddr: str | None = None  # device service URL used
    endpoint_uuid: str | None = None
    mac: str | None = None
    signals: list[str] = Field(default_factory=list)  # discovery signals that saw it
    facts: dict[str, Fact] = Field(default_factory=dict)
    read_started: datetime | None = None
    read_finished: datetime | None = None
    errors: list[str] = Field(default_factory=list)  # device-level problems (deadline, unreachable)
    read: DeviceRead | None = None  # how far it was read (probes.readstatus); set by the scan, derived on load

    @field_validator("facts")
    @classmethod
    def _typed_values(cls, facts: dict[str, Fact]) -> dict[str, Fact]:
        """Every ok value as its key's type (JSON data from a document becomes the family's models)."""
        typed = {}
        for key, fact in facts.items():
            spec = FACT_CATALOGUE.get(key)
            if spec is not None and fact.value is not None:
                try:
                    value = spec.validate(fact.value)
                except ValueError as exc:
                    raise ValueError(f"fact {key!r}: the value is not a {spec.shape}: {exc}") from None
                if not _same(value, fact.value):
                    fact = fact.model_copy(update={"value": value})
            typed[key] = fact
        return typed

    def get(self, key: str | FactSpec[Any]) -> Fact:
        """The fact for `key`, or a not_probed fact when nobody read it."""
        name = key if isinstance(key, str) else key.key
        if name not in FACT_CATALOGUE:
            raise KeyError(f"unknown fact key {name!r} (not in FACT_CATALOGUE)")
        return self.facts.get(name, NOT_PROBED)

    @overload
    def value(self, key: FactSpec[V]) -> V | None: ...

    @overload
    def value(self, key: str) -> Any: ...

    def value(self, key: str | FactSpec[Any]) -> Any:
        """The value when the fact is ok, else None (use `get` to tell unknown from absent).

        Given a `FactSpec` (`device.value(privacy.MASKS)`), the value is typed for mypy."""
        fact = self.get(key)
        return fact.value if fact.ok else None

    @property
    def label(self) -> str:
        """A human name: model and address when known."""
        model = self.value(identity.MODEL)
        maker = self.value(identity.MANUFACTURER)
        name = " ".join(x for x in (maker, model) if x)
        return f"{name} ({self.address})" if name else self.address


FACT_CATALOGUE: dict[str, FactSpec[Any]] = {spec.key: spec for spec in ALL_SPECS}
"""Every fact key a reader may set, linked to its value type (declared in its family under probes/factvalues/)."""
