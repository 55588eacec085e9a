"""The CZ class model (§2.9): class implied by observed features, minimum class per area, measures per class."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from probes import factvalues as fv
from profiles import places
from profiles.checks import _observe as obs
from profiles.checks._registry import MISSING, CheckContext, CheckOutcome, Params, Unknown, check
from profiles.inventory import AreaType, Sector


@check("class_from_features")
def class_from_features(ctx: CheckContext[Any]) -> CheckOutcome:
    """Observed audio, biometric analytics or a patrolling recording PTZ imply class 4; declared lower fails."""
    declared = ctx.declared("camera_class")
    if declared >= 4:
        return ctx.passed("declared class 4: no observed feature can imply a higher class")
    reasons: list[str] = []
    audio = ctx.maybe(fv.media.AUDIO_IN_PROFILES)
    if audio is not MISSING and audio:
        reasons.append(f"audio in media profile(s) {', '.join(map(str, audio))}")
    bio = obs.maybe_biometric(ctx)
    if bio:
        reasons.append(f"biometric analytics {', '.join(bio)}")
    ptz = ctx.maybe(fv.ptz.PRESENT)
    if ptz is not MISSING and ptz:
        try:
            patrol = obs.ptz_patrolling(ctx)
            recording = obs.is_recording(ctx)
        except Unknown as exc:
            ctx.missing["ptz"] = str(exc)
        else:
            if patrol and recording:
                reasons.append(f"PTZ moving on its own ({', '.join(patrol)}) while recording")
    if reasons:
        return ctx.failed(f"declared class {declared}, but observed features imply class 4: {'; '.join(reasons)}")
    ctx.require_all()
    return ctx.passed(f"no observed feature implies a class above the declared class {declared}")


class AreaClassRow(BaseModel):
    """Minimum class for an area type, optionally only in one sector."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    area: AreaType
    sector: Sector | None = None
    min_class: int = Field(ge=1, le=4)


_CZ_TABLE = [
    # class 2: places where behaviour can be captured
    AreaClassRow(area=AreaType.RESIDENTIAL_ENTRANCE, min_class=2),
    AreaClassRow(area=AreaType.ENTRANCE, sector=Sector.SCHOOL, min_class=2),
    AreaClassRow(area=AreaType.ENTRANCE, sector=Sector.NURSERY, min_class=2),
    AreaClassRow(area=AreaType.ENTRANCE, sector=Sector.HOSPITAL, min_class=2),
    AreaClassRow(area=AreaType.CLOAKROOM, min_class=2),
    AreaClassRow(area=AreaType.SALES_FLOOR, min_class=2),
    AreaClassRow(area=AreaType.VEHICLE, min_class=2),
    AreaClassRow(area=AreaType.ENTRANCE, sector=Sector.TRANSPORT, min_class=2),
    # class 3: high intrusion
    AreaClassRow(area=AreaType.CHANGING_ROOM_ENTRANCE, min_class=3),
    AreaClassRow(area=AreaType.POOL, min_class=3),
    AreaClassRow(area=AreaType.SCHOOL_CORRIDOR, min_class=3),
    AreaClassRow(area=AreaType.CASH_DESK, min_class=3),
    AreaClassRow(area=AreaType.REST_ROOM, min_class=3),
    AreaClassRow(area=AreaType.WAITING_ROOM, min_class=3),
    AreaClassRow(area=AreaType.LIFT, min_class=3),
    # class 4: permanent monitoring of workplaces
    AreaClassRow(area=AreaType.WORKPLACE, min_class=4),
]


class AreaClassParams(Params):
    """The area -> minimum class table (CZ §2.9 examples); sector-specific rows win over generic ones."""

    table: list[AreaClassRow] = Field(default_factory=lambda: list(_CZ_TABLE))


@check("class_from_area", params=AreaClassParams)
def class_from_area(ctx: CheckContext[AreaClassParams]) -> CheckOutcome:
    """The declared area type implies a minimum class; a lower declared class fails."""
    declared = ctx.declared("camera_class")
    area = ctx.declared("area")
    sector = ctx.sector
    rows = [r for r in ctx.params.table if places.within(area, [r.area])
            and (r.sector is None or places.within(sector, [r.sector], "sectors"))]
    specific = [r for r in rows if r.sector is not None]
    row = max(specific or rows, key=lambda r: r.min_class, default=None)
    minimum = row.min_class if row else 1
    where = places.describe("areas", area, row.area if row else None)
    where += f" in a {sector}" if row and row.sector else ""
    if declared < minimum:
        return ctx.failed(f"declared class {declared}, but a camera watching {where} is at least class {minimum}")
    return ctx.passed(f"declared class {declared} meets the minimum class {minimum} for {where}")


class Measure(StrEnum):
    """Technical measures observable on a camera (CZ §2.9 threat table)."""

    ACCESS_CONTROL = "access_control"  # name + password for configuration, live view and recordings
    TIME_STAMPS = "time_stamps"  # recordings carry time data (date/time overlay)
    LOCAL_STORAGE = "local_storage"  # recordings stay in the camera/recorder, no external storage
    NETWORK_SEPARATION = "network_separation"  # no default route, no cloud uplink: a closed camera network
    ENCRYPTED_TRANSPORT = "encrypted_transport"  # TLS really served (handshake), else HTTPS enabled in settings


def _access_control(ctx: CheckContext[Any]) -> str | None:
    anonymous = obs.anonymous_operations(ctx)
    problems = [f"answers without credentials: {', '.join(anonymous)}"] if anonymous else []
    problems += obs.stream_access(ctx)
    if problems:
        return "; ".join(problems)
    missing = [ctx.missing.pop(k) for k in ("rtsp.server", "rtsp.auth") if k in ctx.missing]
    if missing:
        raise Unknown("; ".join(missing))
    return None


def _time_stamps(ctx: CheckContext[Any]) -> str | None:
    return None if ctx.fact(fv.media.OSD_DATETIME) else "no date/time overlay"


def _local_storage(ctx: CheckContext[Any]) -> str | None:
    external = obs.external_storage(ctx)
    return f"recordings leave the recorder ({', '.join(external)})" if external else None


def _network_separation(ctx: CheckContext[Any]) -> str | None:
    problems = []
    gateways = ctx.maybe(fv.network.GATEWAY)
    if gateways is not MISSING and gateways:
        problems.append(f"default gateway {', '.join(map(str, gateways))}")
    uplinks = ctx.maybe(fv.cloud.UPLINKS)
    if uplinks is not MISSING:
        connected = [u for u in uplinks or [] if (u.status or "").lower() != "offline"]
        if connected:
            problems.append(f"uplink to {', '.join(u.remote_address for u in connected)}")
    problems += obs.observed_egress(ctx, include_time=True)
    if problems:
        return "not on a closed camera network: " + ", ".join(problems)
    missing = [ctx.missing.pop(k) for k in ("network.gateway", "cloud.uplinks") if k in ctx.missing]
    if missing:
        raise Unknown("; ".join(missing))
    return None


def _encrypted_transport(ctx: CheckContext[Any]) -> str | None:
    transport = obs.transport_encryption(ctx)
    if transport is None:
        raise Unknown(ctx.missing.pop("network.protocols", "network.protocols is unknown"))
    return None if transport.encrypted else transport.how


MEASURES: dict[Measure, Callable[[CheckContext[Any]], str | None]] = {
    Measure.ACCESS_CONTROL: _access_control,
    Measure.TIME_STAMPS: _time_stamps,
    Measure.LOCAL_STORAGE: _local_storage,
    Measure.NETWORK_SEPARATION: _network_separation,
    Measure.ENCRYPTED_TRANSPORT: _encrypted_transport,
}


def _judge_measures(ctx: CheckContext[Any], measures: list[Measure], what: str) -> CheckOutcome:
    failed: list[str] = []
    unknown: list[str] = []
    for measure in measures:
        try:
            problem = MEASURES[measure](ctx)
        except Unknown as exc:
            unknown.append(f"{measure}: {exc}")
            continue
        if problem:
            failed.append(f"{measure}: {problem}")
    if failed:
        return ctx.failed(f"{what}: missing measure(s) — {'; '.join(failed)}")
    if unknown:
        raise Unknown("; ".join(unknown))
    return ctx.passed(f"{what}: {', '.join(measures)} in place")


class ThreatParams(Params):
    """One CZ threat: the observable measures against it, mandatory from a class upward."""

    measures: list[Measure] = Field(min_length=1)
    required_from_class: int = Field(default=1, ge=1, le=4)


@check("threat_measures", params=ThreatParams)
def threat_measures(ctx: CheckContext[ThreatParams]) -> CheckOutcome:
    """The observable measures against one threat hold (mandatory from the given class up)."""
    declared = ctx.declared("camera_class")
    if declared < ctx.params.required_from_class:
        return ctx.not_applicable(f"class {declared}: these measures are recommended, mandatory from class "
                                  f"{ctx.params.required_from_class}")
    return _judge_measures(ctx, ctx.params.measures, f"class {declared}")


_BY_CLASS = {
    1: [Measure.ACCESS_CONTROL],
    2: [Measure.ACCESS_CONTROL, Measure.TIME_STAMPS],
    3: [Measure.ACCESS_CONTROL, Measure.TIME_STAMPS, Measure.LOCAL_STORAGE, Measure.NETWORK_SEPARATION],
    4: [Measure.ACCESS_CONTROL, Measure.TIME_STAMPS, Measure.LOCAL_STORAGE, Measure.NETWORK_SEPARATION,
        Measure.ENCRYPTED_TRANSPORT],
}


class ClassMeasuresParams(Params):
    """Mandatory observable measures per declared class (stricter classes require more)."""

    by_class: dict[int, list[Measure]] = Field(default_factory=lambda: {k: list(v) for k, v in _BY_CLASS.items()})


@check("class_measures", params=ClassMeasuresParams)
def class_measures(ctx: CheckContext[ClassMeasuresParams]) -> CheckOutcome:
    """The measures mandatory for the declared class hold."""
    declared = ctx.declared("camera_class")
    measures = ctx.params.by_class.get(declared, [])
    if not measures:
        return ctx.not_applicable(f"no observable measure is mandatory for class {declared}")
    return _judge_measures(ctx, measures, f"class {declared} requires {', '.join(measures)}")
