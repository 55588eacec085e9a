"""Analytics classification (profiles/data/analytics.yaml): what each module or rule type lets a camera do.

Vendors name their analytics in their own ways; rules care about capabilities (does the camera track
people, recognise faces, read plates?). `classify` maps one type to a capability, and `classify_all` a
camera's modules *and* rules to the capabilities they give it. A type that is neither listed nor matched by a
sensitive keyword is *unknown*: callers must then treat "does it track/identify" as unknown, never as no.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict

from probes.factvalues.analytics import AnalyticsConfig

DATA = Path(__file__).parent / "data" / "reference" / "analytics.yaml"


class Capability(StrEnum):
    MOTION = "motion"
    TAMPER = "tamper"
    AUDIO_DETECTION = "audio_detection"
    LINE_CROSSING = "line_crossing"
    OBJECT_DETECTION = "object_detection"
    PEOPLE_COUNTING = "people_counting"
    FACE_DETECTION = "face_detection"
    OBJECT_TRACKING = "object_tracking"
    FACE_RECOGNITION = "face_recognition"
    PERSON_REIDENTIFICATION = "person_reidentification"
    PLATE_RECOGNITION = "plate_recognition"
    THERMAL_SCREENING = "thermal_screening"


class CapabilityInfo(BaseModel):
    """What a capability means for the rules."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str
    smart: bool = False  # CNIL: the camera analyses images beyond motion/tamper alarms
    tracks: bool = False  # follows or singles out an individual (CNIL: never in public places)
    identifies: bool = False  # automated identification (CZ §2.3.8)
    biometric: bool = False  # special-category biometric data (GDPR art 9)
    health: bool = False  # health data (body temperature)


class TypeEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    type: str
    kind: Literal["module", "rule"]
    capability: Capability
    source: str


class Keyword(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    contains: str
    capability: Capability


class Table(BaseModel):
    """The whole data file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    capabilities: Mapping[Capability, CapabilityInfo]
    sources: Mapping[str, str]
    types: tuple[TypeEntry, ...]
    keywords: tuple[Keyword, ...]


def local_name(kind: str) -> str:
    """'{ns}Local', 'prefix:Local' or 'Local' -> 'local' without '_' and '-' (the matching key)."""
    flat = str(kind).strip().rpartition("}")[2].rpartition(":")[2]
    return flat.lower().replace("_", "").replace("-", "")


@functools.cache
def table() -> Table:
    with DATA.open(encoding="utf-8") as fh:
        data = Table.model_validate(yaml.safe_load(fh))
    missing = set(Capability) - set(data.capabilities)
    if missing:
        raise ValueError(f"{DATA.name}: capabilities without a description: {', '.join(sorted(missing))}")
    for entry in data.types:
        if entry.source not in data.sources:
            raise ValueError(f"{DATA.name}: type {entry.type}: unknown source {entry.source!r}")
    return data


@functools.cache
def _by_local_name() -> dict[str, TypeEntry]:
    out: dict[str, TypeEntry] = {}
    for entry in table().types:
        key = local_name(entry.type)
        if key in out and out[key].capability is not entry.capability:
            raise ValueError(f"{DATA.name}: {entry.type} and {out[key].type} share a name but not a capability")
        out.setdefault(key, entry)
    return out


@dataclass(frozen=True, slots=True)
class Classified:
    """One module or rule type and what it was classified as (capability None: unknown)."""

    type: str
    capability: Capability | None
    how: Literal["listed", "keyword", "unknown"]
    source: str | None = None

    @property
    def info(self) -> CapabilityInfo | None:
        return table().capabilities[self.capability] if self.capability else None


@functools.cache
def _by_type() -> dict[str, TypeEntry]:
    return {entry.type.lower(): entry for entry in table().types}


def classify(kind: str) -> Classified:
    """Exact listed type first, then the same local name under another prefix, then sensitive keywords."""
    key = local_name(kind)
    entry = _by_type().get(str(kind).strip().lower()) or _by_local_name().get(key)
    if entry is not None:
        return Classified(kind, entry.capability, "listed", table().sources[entry.source])
    for word in table().keywords:
        if word.contains in key:
            return Classified(kind, word.capability, "keyword", f"type name contains {word.contains!r}")
    return Classified(kind, None, "unknown")


@dataclass(slots=True)
class AnalyticsSeen:
    """Every configured module and rule of a camera, classified."""

    items: list[Classified] = field(default_factory=list)

    def where(self, flag: str) -> list[str]:
        """Types whose capability has `flag` (smart, tracks, identifies, biometric, health)."""
        return [c.type for c in self.items if c.info is not None and getattr(c.info, flag)]

    @property
    def unknown(self) -> list[str]:
        return [c.type for c in self.items if c.capability is None]

    def describe(self, types: Iterable[str]) -> str:
        """'axis:ObjectTracker (object_tracking)', one per type."""
        by_type = {c.type: c for c in self.items}
        return ", ".join(f"{t} ({by_type[t].capability})" if t in by_type and by_type[t].capability else t
                         for t in types)


def classify_all(*lists: Iterable[AnalyticsConfig] | None) -> AnalyticsSeen:
    """Classify every item's `type` of the given module/rule lists, each distinct type once."""
    seen = AnalyticsSeen()
    done: set[str] = set()
    for items in lists:
        for item in items or ():
            kind = item.type or ""
            if kind and kind not in done:
                done.add(kind)
                seen.items.append(classify(kind))
    return seen
