"""The check contract: a check is a small pure function `(CheckContext) -> CheckOutcome`.

The context hands a check the device's facts, its declaration, the site
inventory, every device of the scan (for fleet-level rules), the evaluation
time and the rule's validated parameters. Reading a fact or a declaration field
through the context records it as evidence, and a fact that is not `ok` (or a
missing declaration) raises `Unknown`, which the engine turns into an `unknown`
result naming what is missing: a check cannot accidentally pass on a fact that
was never read.
"""

from __future__ import annotations

import functools
import zoneinfo
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from typing import Any, Final, Generic, TypeVar, overload

from pydantic import BaseModel, ConfigDict

from probes.facts import DeviceFacts, Fact
from probes.factvalues import FactSpec, plain
from profiles.findings import NO_DECLARATION, EvidenceRef, Result
from profiles.inventory import AreaType, CloudField, Declaration, Hours, Inventory, Recorder, Sector
from profiles.matching import DeviceKeys, selector_strength
from profiles.naming import display_name
from profiles.sitecalendar import SiteCalendar
from profiles.timewindows import WeeklyWindows

P = TypeVar("P", bound=BaseModel)
V = TypeVar("V")

class Missing(Enum):
    """The type of MISSING, returned by CheckContext.maybe for a fact that is not ok."""

    MISSING = "missing"


MISSING: Final = Missing.MISSING

class Params(BaseModel):
    """Base of every check's parameter model: strict (unknown params are errors) and immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class NoParams(Params):
    """For checks without parameters."""


class Unknown(Exception):
    """Raised inside a check when a needed fact or declaration is missing; becomes Result.UNKNOWN."""


class NotApplicable(Exception):
    """Raised inside a check when the rule does not concern this device; becomes Result.NOT_APPLICABLE."""


@dataclass(frozen=True, slots=True)
class CheckOutcome:
    """What a check concluded: a result, a human message and the evidence it relied on."""

    result: Result
    message: str
    evidence: tuple[EvidenceRef, ...] = ()


_EVIDENCE_POOL: Final = "checks.evidence-pool"  # fleet_cache key: EvidenceRefs by content


@dataclass(slots=True)
class CheckContext(Generic[P]):
    """Everything a check may look at. Build one per (device, rule); it collects evidence as it is read."""

    device: DeviceFacts | None
    declaration: Declaration | None
    inventory: Inventory
    devices: Sequence[DeviceFacts]
    at: datetime
    params: P
    matches: Mapping[str, str] = field(default_factory=dict)  # device_id -> declared name
    note: str | None = None  # e.g. why matching failed (ambiguous selectors)
    evidence: list[EvidenceRef] = field(default_factory=list)
    missing: dict[str, str] = field(default_factory=dict)  # fact key -> why it is unknown (see `maybe`)
    evidence_cache: dict[str, EvidenceRef] = field(default_factory=dict)  # shared per device by the engine
    fleet_cache: dict[Any, Any] = field(default_factory=dict)  # shared by every check of one evaluation

    # ---- facts -------------------------------------------------------------------------------------------------

    def _record(self, key: str, fact: Fact) -> None:
        ref = self.evidence_cache.get(key)
        if ref is None:  # facts are immutable, so one EvidenceRef per device and key serves every rule
            # a proven absence (every source agreed, see docs/facts.md) shows as `absent`
            status = "absent" if fact.absent else str(fact.status)
            ref = self.evidence_cache[key] = self._pooled(EvidenceRef(key=key, status=status, value=plain(fact.value),
                                                                      source=fact.source or None))
        self.evidence.append(ref)

    def _pooled(self, ref: EvidenceRef) -> EvidenceRef:
        """One EvidenceRef per distinct content in the evaluation: cameras of one model read alike (memory)."""
        pool: dict[tuple[Any, ...], EvidenceRef] = self.fleet_cache.setdefault(_EVIDENCE_POOL, {})
        return pool.setdefault((ref.key, ref.status, ref.source, type(ref.value), repr(ref.value)), ref)

    def _device(self) -> DeviceFacts:
        if self.device is None:
            raise NotApplicable("no camera was found for this declaration")
        return self.device

    @overload
    def fact(self, key: FactSpec[V]) -> V | None: ...

    @overload
    def fact(self, key: str) -> Any: ...

    def fact(self, key: str | FactSpec[Any]) -> Any:
        """The value of an `ok` fact; otherwise raise Unknown naming the fact and why it is missing.

        A feature the reader proved absent is an `ok` fact with the empty value (evidence status `absent`);
        `unsupported` is never read as absent here. Given a `FactSpec`, the value is typed for mypy."""
        name = key if isinstance(key, str) else key.key
        fact = self._device().get(name)
        self._record(name, fact)
        if not fact.ok:
            raise Unknown(describe_missing_fact(name, fact))
        return fact.value

    @overload
    def maybe(self, key: FactSpec[V]) -> V | None | Missing: ...

    @overload
    def maybe(self, key: str) -> Any: ...

    def maybe(self, key: str | FactSpec[Any]) -> Any:
        """The value of an `ok` fact, or MISSING (remembered; `require_all` turns it into Unknown later).

        Lets a check fail on what it did observe even when another fact is unknown, while still never
        passing without every fact it needs.
        """
        name = key if isinstance(key, str) else key.key
        fact = self._device().get(name)
        self._record(name, fact)
        if not fact.ok:
            self.missing[name] = describe_missing_fact(name, fact)
            return MISSING
        return fact.value

    def require_all(self) -> None:
        """Raise Unknown if any fact read with `maybe` was missing."""
        if self.missing:
            raise Unknown("; ".join(self.missing.values()))

    def forget(self, *keys: str | FactSpec[Any]) -> None:
        """Drop facts from the missing set when another fact made them unnecessary."""
        for key in keys:
            self.missing.pop(key if isinstance(key, str) else key.key, None)

    # ---- declarations ------------------------------------------------------------------------------------------

    @property
    def recorder(self) -> Recorder | None:
        """The declared recorder (an ONVIF NVR under `recorders:`) this device is, if any."""
        if self.device is None or not self.inventory.recorders:
            return None
        keys = DeviceKeys.of(self.device)
        for recorder in self.inventory.recorders:
            if recorder.match is not None and selector_strength(recorder.match, keys) is not None:
                return recorder
        return None

    @property
    def decl(self) -> Declaration:
        """The matched declaration; raise Unknown when the camera is not declared."""
        if self.declaration is None:
            recorder = self.recorder
            if recorder is not None:
                raise NotApplicable(f"declared as recorder {recorder.name!r} under `recorders:`, not as a camera: "
                                    f"rules on camera declarations do not apply")
            reason = self.note or "the camera is not declared in the site inventory (see GDPR-INV-1)"
            self.evidence.append(NO_DECLARATION)  # reports group these per camera (Finding.needs_declaration)
            raise Unknown(f"{reason}; declare it under `cameras:` so this rule can be judged")
        return self.declaration

    def _not_placeholder(self, decl: Declaration, name: str) -> None:
        """A field `camaudit init` filled with a guess cannot be judged until someone reviews it."""
        placeholders = getattr(decl, "placeholders", None)
        if placeholders:
            shown = _site_name(name)
            if name in placeholders or shown in placeholders:
                raise Unknown(f"declaration field `{shown}` of camera {decl.name!r} is still a placeholder "
                              f"(listed in `placeholders`): review it and remove it from that list")

    def declared(self, name: str, *, required: bool = True) -> Any:
        """A declaration field; record it as evidence. Missing (None/empty) and required -> Unknown."""
        decl = self.decl
        self._not_placeholder(decl, name)
        value = getattr(decl, name)
        present = value not in (None, [], {}, "")
        shown = _site_name(name)  # the site file's spelling (`class`, not `camera_class`)
        key = f"declaration.{shown}"
        ref = self.evidence_cache.get(key)
        if ref is None:
            ref = self.evidence_cache[key] = self._pooled(EvidenceRef(
                key=key, status="declared" if present else "missing", value=_plain(value), source="site file"))
        self.evidence.append(ref)
        if not present and required:
            raise Unknown(f"declaration field `{shown}` is missing for camera {decl.name!r}: "
                          f"add it to the site file")
        return value

    def declared_cloud(self) -> CloudField | None:
        """The camera's `cloud:` declaration, else the site's default (which also covers undeclared cameras),
        recorded as evidence; None when neither declares anything."""
        own = self.declaration.cloud if self.declaration is not None else None
        if own is None and self.inventory.cloud is None:
            self.declared("cloud", required=False)  # evidence "missing"; Unknown for an undeclared camera
            return None
        if own is not None:
            self._not_placeholder(self.decl, "cloud")
        value = own if own is not None else self.inventory.cloud
        self.evidence.append(EvidenceRef(key="declaration.cloud", status="declared", value=_plain(value),
                                         source="site file" if own is not None else "site file (site default)"))
        return value

    @property
    def sector(self) -> Sector | None:
        """The declared sector of the camera, defaulting to the site's."""
        decl = self.decl
        self._not_placeholder(decl, "sector")
        return decl.sector or self.inventory.sector

    @property
    def area(self) -> AreaType:
        return self.decl.area

    @property
    def name(self) -> str:
        return display_name(self.device.device_id if self.device else "?", device=self.device,
                            declared=self.declaration.name if self.declaration is not None else None)

    # ---- time --------------------------------------------------------------------------------------------------

    @property
    def local_at(self) -> datetime:
        """The evaluation time in the site's time zone."""
        return self.at.astimezone(zoneinfo.ZoneInfo(self.inventory.timezone))

    @property
    def today(self) -> date:
        return self.local_at.date()

    def premises_hours(self) -> Hours:
        """Opening hours of the premises the camera watches (declaration, else site); Unknown if neither."""
        hours = self.decl.opening_hours or self.inventory.opening_hours
        self.evidence.append(EvidenceRef(
            key="declaration.opening_hours", status="declared" if hours else "missing",
            value=hours.model_dump(exclude_defaults=True) if hours else None, source="site file"))
        if hours is None:
            raise Unknown(f"no opening hours declared for camera {self.decl.name!r}: add `opening_hours` to the "
                          f"camera or to the site")
        return hours

    @property
    def devices_by_id(self) -> dict[str, DeviceFacts]:
        """device id -> device of the fleet, built once per evaluation: per camera it made fleet checks O(n^2)."""
        key = ("devices_by_id", id(self.devices))
        by_id: dict[str, DeviceFacts] | None = self.fleet_cache.get(key)
        if by_id is None:
            by_id = self.fleet_cache[key] = {d.device_id: d for d in self.devices}
        return by_id

    @property
    def calendar(self) -> SiteCalendar:
        """The site's calendar (holidays, school breaks), built once per evaluation."""
        cal = self.fleet_cache.get(SiteCalendar)
        if cal is None:
            cal = self.fleet_cache[SiteCalendar] = SiteCalendar.of(self.inventory)
        return cal

    def premises_windows(self, *, school: bool = False) -> tuple[WeeklyWindows, dict[date, str]]:
        """When the watched premises are open in the week of the evaluation time, and the days they are
        closed (declared, public holidays, school breaks); Unknown when no opening hours are declared."""
        return self.calendar.week_windows(self.premises_hours(), self.today, school=school)

    def camera_windows(self) -> WeeklyWindows:
        """When the camera operates (live view or recording): its declared `operating_hours`, else all week."""
        hours = self.decl.operating_hours
        if hours is None:
            return WeeklyWindows.always()
        self.declared("operating_hours")
        return self.calendar.week_windows(hours, self.today)[0]

    def week_label(self) -> str:
        """'week from Tue 2026-11-24 (Europe/Athens)': the seven days a weekly comparison judged."""
        return f"week from {self.today:%a %Y-%m-%d} ({self.inventory.timezone})"

    # ---- outcomes ----------------------------------------------------------------------------------------------

    def _out(self, result: Result, message: str) -> CheckOutcome:
        return CheckOutcome(result, message, tuple(self.evidence))

    def passed(self, message: str) -> CheckOutcome:
        return self._out(Result.PASS, message)

    def failed(self, message: str) -> CheckOutcome:
        return self._out(Result.FAIL, message)

    def not_applicable(self, message: str) -> CheckOutcome:
        return self._out(Result.NOT_APPLICABLE, message)

    def unknown(self, message: str) -> CheckOutcome:
        return self._out(Result.UNKNOWN, message)


@functools.cache
def _site_name(field_name: str) -> str:
    info = Declaration.model_fields.get(field_name)
    return info.alias if info is not None and info.alias else field_name


def describe_missing_fact(key: str, fact: Fact) -> str:
    why = fact.reason or "no reason given"
    source = f" from {fact.source}" if fact.source else ""
    return f"fact `{key}` is {fact.status}{source} ({why})"


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_defaults=True)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


CheckFn = Callable[[CheckContext[Any]], CheckOutcome]


@dataclass(frozen=True, slots=True)
class CheckSpec:
    """A registered check: its id, function, parameter model and where it runs."""

    id: str
    fn: CheckFn
    params: type[Params]
    summary: str
    on_missing: bool = False  # also runs for declared cameras that were not found (device is None)

    def validate_params(self, raw: Mapping[str, Any]) -> Params:
        return self.params.model_validate(dict(raw))


REGISTRY: dict[str, CheckSpec] = {}


def run_check(spec: CheckSpec, ctx: CheckContext[Any]) -> CheckOutcome:
    """Run one check; Unknown/NotApplicable become results, and a crash becomes an `error` outcome."""
    try:
        return spec.fn(ctx)
    except Unknown as exc:
        return CheckOutcome(Result.UNKNOWN, str(exc), tuple(ctx.evidence))
    except NotApplicable as exc:
        return CheckOutcome(Result.NOT_APPLICABLE, str(exc), tuple(ctx.evidence))
    except Exception as exc:  # noqa: BLE001 - a crashing check is reported, never fatal to the scan
        return CheckOutcome(Result.ERROR, f"check {spec.id} crashed: {type(exc).__name__}: {exc}",
                            tuple(ctx.evidence))


def check(check_id: str, *, params: type[Params] = NoParams,
          on_missing: bool = False) -> Callable[[CheckFn], CheckFn]:
    """Register a check function under `check_id` (snake_case, unique)."""

    def register(fn: CheckFn) -> CheckFn:
        if check_id in REGISTRY:
            raise ValueError(f"check {check_id!r} registered twice")
        summary = (fn.__doc__ or "").strip().splitlines()[0] if fn.__doc__ else check_id
        REGISTRY[check_id] = CheckSpec(check_id, fn, params, summary, on_missing)
        return fn

    return register
