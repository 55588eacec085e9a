"""Interpretations of raw facts shared by several checks (audio in use, retention, cloud services ...).

Each helper reads facts through the context (so they become evidence and a
missing fact raises Unknown), and returns plain values.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from probes import factvalues as fv
from probes.egress.models import EgressObservation
from probes.facts import Fact, FactStatus
from probes.factvalues import FactSpec
from probes.factvalues.cloud import DynamicDns
from probes.factvalues.network import NetworkProtocol
from probes.factvalues.recording import RecordingJob, StorageTarget
from probes.factvalues.rtsp import RtspAuth, RtspServer
from probes.factvalues.tls import VERSIONS as TLS_VERSIONS
from probes.factvalues.tls import TlsVersions
from profiles.analytics import AnalyticsSeen, classify_all
from profiles.checks._recorders import kept_elsewhere
from profiles.checks._registry import MISSING, CheckContext, NotApplicable, Unknown
from profiles.timewindows import WeeklyWindows, complement, overlap

UNLIMITED = math.inf

def audio_profiles(ctx: CheckContext[Any]) -> list[str]:
    """Tokens of media profiles that stream or record audio."""
    return list(ctx.fact(fv.media.AUDIO_IN_PROFILES) or [])


def is_recording(ctx: CheckContext[Any]) -> bool:
    """Whether at least one recording job is Active (derived fact, else from the jobs list)."""
    active = ctx.maybe(fv.recording.ACTIVE)
    if active is not MISSING:
        return bool(active)
    ctx.forget(fv.recording.ACTIVE)
    return any(job.active for job in ctx.fact(fv.recording.JOBS) or [])


def active_jobs(ctx: CheckContext[Any]) -> list[RecordingJob]:
    return [job for job in ctx.fact(fv.recording.JOBS) or [] if job.active]


WEEK_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ALL_DAY = ["00:00-24:00"]


@dataclass(frozen=True, slots=True)
class RecordingTimes:
    """When the camera records in a week (camera local time, taken as the site's time zone) and how we know."""

    windows: dict[str, list[str]]  # day -> 'HH:MM-HH:MM' windows
    how: str  # "continuously: job J follows no schedule", "schedule 'Night' (read from the camera)", ...


def recording_times(ctx: CheckContext[Any]) -> RecordingTimes | None:
    """When the camera records: its Active jobs' schedules (read, else the declared `recording_schedule`).

    None when no job is Active. An Active job with no schedule records continuously. A schedule neither read
    nor declared raises Unknown: hour rules are never judged on an assumed schedule.
    """
    declared = ctx.declaration.recording_schedule if ctx.declaration is not None else None
    if declared is not None and _unread(ctx, "recording.jobs"):
        ctx.declared("recording_schedule")
        return RecordingTimes(_hours_windows(declared), "declared `recording_schedule` (recording jobs not read)")
    active = active_jobs(ctx)
    if not active:
        return None
    continuous = [j.token for j in active if not j.schedule]
    if continuous:
        return RecordingTimes({day: list(ALL_DAY) for day in WEEK_DAYS},
                              f"continuously: recording job {', '.join(continuous)} follows no schedule")
    schedules_fact = ctx.device.get(fv.recording.SCHEDULES) if ctx.device is not None else None
    read = ctx.fact(fv.recording.SCHEDULES) if schedules_fact is not None and schedules_fact.ok else []
    by_token = {s.token: s for s in read or []}
    windows: dict[str, list[str]] = {}
    how: list[str] = []
    missing: list[str] = []
    for token in sorted({j.schedule for j in active if j.schedule}):
        schedule = by_token.get(token)
        found: Mapping[str, Sequence[str]]
        if schedule is not None:
            found = {str(day): ranges for day, ranges in schedule.windows.items()}
            what = f"schedule {schedule.name or token!r} (read)"
        elif declared is not None:
            ctx.declared("recording_schedule")
            found, what = _hours_windows(declared), f"declared `recording_schedule` (schedule {token!r} not read)"
        else:
            missing.append(token)
            continue
        how.append(what)
        for day, day_windows in found.items():
            windows.setdefault(day, []).extend(day_windows)
    if missing:
        why = "the camera did not return it"
        if schedules_fact is not None and not schedules_fact.ok:
            ctx.maybe(fv.recording.SCHEDULES)  # evidence: the fact and why it is missing
            why = ctx.missing.get(fv.recording.SCHEDULES.key, why)
        raise Unknown(f"recording job follows schedule {', '.join(repr(t) for t in missing)}, which was not read "
                      f"({why}), and no `recording_schedule` is declared for the camera: when it records is "
                      f"unknown")
    return RecordingTimes(windows, "; ".join(how))


def _unread(ctx: CheckContext[Any], key: str) -> bool:
    """A fact that was not read (a proven absence is an ok fact); then a declaration may stand in for it."""
    return ctx.device is None or not ctx.device.get(key).ok


def _hours_windows(hours: Any) -> dict[str, list[str]]:
    return {day: list(getattr(hours, day)) for day in WEEK_DAYS if getattr(hours, day)}


def records_during(ctx: CheckContext[Any], times: RecordingTimes | None, hours: Any, *, outside: bool = False,
                   days: int = 7, premises: bool = False, school: bool = False) -> list[str]:
    """Where recording falls inside (or, `outside`, outside) the declared hours in the `days` from the
    evaluation date; a declared holiday has no hours. For the hours of premises (`premises`), the public
    holidays of the site's country close them too, and for a school (`school`) its declared breaks."""
    if times is None:
        return []
    out = []
    start = ctx.local_at.date()
    dates = [start + timedelta(days=offset) for offset in range(days)]
    closed = ctx.calendar.closed_days(hours, dates, school=school) if premises else {}
    for day in dates:
        name = WEEK_DAYS[day.weekday()]
        open_ranges = [] if day in hours.holidays or day in closed else list(getattr(hours, name))
        clash = overlap(times.windows.get(name, []), complement(open_ranges) if outside else open_ranges)
        if clash:
            out.append(f"{day:%a %Y-%m-%d} {', '.join(clash)}")
    return out


def recording_windows(ctx: CheckContext[Any]) -> WeeklyWindows:
    """When the camera records, as weekly windows (from `recording_times`: schedule read, else declared; an
    Active job without a schedule records all week; no Active job: never). Unknown as `recording_times`."""
    times = recording_times(ctx)
    if times is None:
        return WeeklyWindows.never()
    return WeeklyWindows.from_days({WEEK_DAYS.index(day): ranges for day, ranges in times.windows.items()})


@dataclass(frozen=True, slots=True)
class Retention:
    """Observed maximum retention of this camera's footage, on the camera and on every recorder keeping it."""

    hours: float  # UNLIMITED when a recording has no maximum
    recordings: int
    unlimited: tuple[str, ...]  # tokens of recordings without a maximum ("recorder:token" off the camera)
    places: tuple[str, ...] = ()  # where it is kept, when not only on the camera ("on the camera: 72 h", ...)

    def describe(self) -> str:
        if self.unlimited:
            text = f"no maximum retention on {', '.join(self.unlimited)} (kept until the disk is full)"
        else:
            text = f"maximum retention {format_hours(self.hours)}"
        return f"{text} ({'; '.join(self.places)})" if self.places else text


def retention(ctx: CheckContext[Any]) -> Retention | None:
    """How long this camera's footage is kept, on the camera and on its recorders (NVR/VMS).

    None only when nothing keeps it: no recording on the camera, no recorder, and the declaration says
    `recording: false`. A camera with no recording of its own and no declared or discovered recorder raises
    Unknown: its footage may well be kept for months on a recorder nobody declared.
    """
    recordings = ctx.fact(fv.recording.RECORDINGS) or []
    unlimited: list[str] = []
    longest = 0.0
    for rec in recordings:
        if rec.unlimited:  # ONVIF says 0 = unlimited
            unlimited.append(rec.token)
            continue
        longest = max(longest, rec.max_retention_seconds / 3600)
    own = Retention(UNLIMITED if unlimited else longest, len(recordings), tuple(unlimited))
    try:
        elsewhere = kept_elsewhere(ctx)
    except Unknown:
        if own.unlimited:
            return own  # kept without limit on the camera: no recorder can make that shorter
        raise
    if not elsewhere:
        if recordings:
            return own
        if not ctx.decl.recording:  # an undeclared camera: Unknown, waiting for its declaration
            ctx.declared("recording", required=False)
            return None
        raise Unknown("the camera stores no recordings of its own and no recorder is declared (`recorders:` "
                      "in the site file) or found recording it: where its footage is kept, and for how long, is "
                      "unknown (declare `recording: false` if nothing records it)")
    places = [f"on the camera: {format_hours(own.hours)}"] if recordings else []
    places += [f"on {kept.where}: {format_hours(kept.hours)}" for kept in elsewhere]
    tokens = [*own.unlimited, *(f"{kept.where.split(' (')[0]}:{token}" for kept in elsewhere
                                for token in kept.unlimited)]
    hours = max([own.hours if recordings else 0.0, *(kept.hours for kept in elsewhere)])
    return Retention(hours, len(recordings) + sum(k.recordings for k in elsewhere), tuple(tokens), tuple(places))


def format_hours(hours: float) -> str:
    if hours == UNLIMITED:
        return "unlimited"
    if hours >= 48 and hours % 24 == 0:
        return f"{hours / 24:g} days ({hours:g} h)"
    return f"{hours:g} h"


def analytics_seen(ctx: CheckContext[Any]) -> AnalyticsSeen:
    """The camera's configured analytics modules and rules, classified (profiles/data/analytics.yaml).

    Lists that could not be read are remembered in `ctx.missing` (so the check cannot pass without them)."""
    modules = ctx.maybe(fv.analytics.MODULES)
    rules = ctx.maybe(fv.analytics.RULES)
    return classify_all(None if modules is MISSING else modules, None if rules is MISSING else rules)


def analytics_with(ctx: CheckContext[Any], flag: str, what: str) -> list[str]:
    """Configured module/rule types whose capability has `flag` (tracks, identifies, biometric ...).

    Found ones are returned even if a list is unread. When none is found, an unread list or an unclassified
    type makes the answer unknown (raises Unknown naming them): an unknown type is never taken as harmless."""
    seen = analytics_seen(ctx)
    found = seen.where(flag)
    if found:
        ctx.forget(fv.analytics.MODULES, fv.analytics.RULES)
        return [seen.describe([t]) for t in found]
    if seen.unknown:
        raise Unknown(f"analytics type(s) {', '.join(seen.unknown)} are not in camaudit's classification, so "
                      f"whether the camera does {what} is unknown (see profiles/data/analytics.yaml)")
    ctx.require_all()
    return []


def biometric_analytics(ctx: CheckContext[Any]) -> list[str]:
    """Analytics module/rule types that process biometric data (face recognition, re-identification)."""
    return analytics_with(ctx, "biometric", "biometric identification")


def maybe_biometric(ctx: CheckContext[Any]) -> list[str]:
    """Like `biometric_analytics`, but an unknown answer is remembered for `require_all` instead of raised."""
    try:
        return biometric_analytics(ctx)
    except Unknown as exc:
        ctx.missing["analytics"] = str(exc)
        return []


def identifying_analytics(ctx: CheckContext[Any]) -> list[str]:
    """Analytics that identify, recognise or follow individuals (faces, plates, re-identification, tracking)."""
    return analytics_with(ctx, "tracks", "identification or tracking of individuals")


def is_thermal(ctx: CheckContext[Any]) -> bool:
    return bool(ctx.fact(fv.thermal.RADIOMETRY))


def enabled_masks(ctx: CheckContext[Any]) -> int:
    return sum(1 for mask in ctx.fact(fv.privacy.MASKS) or [] if mask.enabled)


def https_on(protocols: Sequence[NetworkProtocol]) -> bool:
    """Whether GetNetworkProtocols shows HTTPS enabled."""
    return any(p.name.upper() == "HTTPS" and p.enabled for p in protocols)


def https_enabled(ctx: CheckContext[Any]) -> bool:
    return https_on(ctx.fact(fv.network.PROTOCOLS) or [])


@dataclass(frozen=True, slots=True)
class Transport:
    """Whether camera access is encrypted, and how we know."""

    encrypted: bool
    how: str
    observed: bool  # from a real TLS handshake (else from the GetNetworkProtocols setting)


def transport_encryption(ctx: CheckContext[Any]) -> Transport | None:
    """The observed TLS handshake when there is one, else the HTTPS setting; None when neither is known.

    A handshake beats the setting both ways: HTTPS "enabled" on a port that refuses TLS is not encryption.
    When None, the missing fact is in `ctx.missing` (read with `maybe`).
    """
    tls = ctx.maybe(TLS_VERSIONS)
    if isinstance(tls, TlsVersions):
        if tls.served:
            return Transport(True, f"TLS handshake observed on port {tls.port} ({tls.negotiated or 'TLS'})", True)
        return Transport(False, f"HTTPS is enabled in the settings, but port {tls.port} serves no TLS", True)
    ctx.forget(TLS_VERSIONS)  # not observed (e.g. HTTPS off, or HTTPS port unknown): judge the setting
    protocols = ctx.maybe(fv.network.PROTOCOLS)
    if protocols is MISSING:
        return None
    enabled = https_on(protocols or [])
    return Transport(enabled, "HTTPS enabled in the settings (no TLS handshake observed)" if enabled
                     else "HTTPS disabled", False)


def anonymous_operations(ctx: CheckContext[Any]) -> list[str]:
    return list(ctx.fact(fv.auth.ANONYMOUS_OPERATIONS) or [])


def unsupported(ctx: CheckContext[Any], key: str | FactSpec[Any]) -> Fact | None:
    """The fact when the device does not offer what it describes (kept as evidence), else None.

    Raises NotApplicable when no camera was found for the declaration."""
    if ctx.device is None:
        raise NotApplicable("no camera was found for this declaration")
    fact = ctx.device.get(key)
    if fact.status is not FactStatus.UNSUPPORTED:
        return None
    ctx.maybe(key)  # evidence: why there is nothing to judge
    ctx.forget(key)
    return fact


def egress_observation(ctx: CheckContext[Any]) -> EgressObservation | None:
    """What a traffic observation saw this camera send out of the site, or None when none ran.

    Read only when present and `ok`: no observation never makes a rule unknown, and an empty one is
    "not observed", never "absent" (the rules that use it say so)."""
    if ctx.device is None or not ctx.device.get(fv.egress.OBSERVED).ok:
        return None
    observed = ctx.maybe(fv.egress.OBSERVED)
    return observed if isinstance(observed, EgressObservation) else None


def observed_egress(ctx: CheckContext[Any], *, include_time: bool = False) -> list[str]:
    """One sentence of evidence per destination outside the site the camera was seen sending to."""
    observation = egress_observation(ctx)
    if observation is None:
        return []
    flows = observation.flows if include_time else observation.data_flows()
    shown = [f"observed: {observation.describe(f)}" for f in flows[:5]]
    if len(flows) > 5:
        shown.append(f"and {len(flows) - 5} more destination(s)")
    return shown


def stream_access(ctx: CheckContext[Any]) -> list[str]:
    """What the RTSP probe saw that lets a stranger watch: streams described without credentials, Basic in clear.

    Read with `maybe`: an unread probe leaves the facts missing (the caller's `require_all` makes it unknown);
    no RTSP server answering at the stream URIs means no stream to watch from here.
    """
    server = ctx.maybe(fv.rtsp.SERVER)
    if isinstance(server, RtspServer) and not server.answers:
        ctx.forget(fv.rtsp.SERVER)
        return []
    auth = ctx.maybe(fv.rtsp.AUTH)
    if not isinstance(auth, RtspAuth):
        return []
    problems = []
    if auth.anonymous_streams:
        shown = ", ".join(auth.anonymous_streams[:3]) + (" ..." if len(auth.anonymous_streams) > 3 else "")
        problems.append(f"live stream readable without credentials (RTSP DESCRIBE answered for {shown})")
    if auth.basic_in_clear:
        problems.append("RTSP offers Basic authentication over plain rtsp:// (the password would travel readable)")
    return problems


def ptz_patrolling(ctx: CheckContext[Any]) -> list[str]:
    """What moves the PTZ head on its own: auto-start/running tours, auto-tracking. Empty if nothing."""
    reasons: list[str] = []
    for tour in ctx.fact(fv.ptz.TOURS) or []:
        if tour.auto_start or tour.status.lower() == "touring":
            reasons.append(f"preset tour {tour.name or tour.token!r} "
                           f"({'auto-start' if tour.auto_start else tour.status})")
    tracking = ctx.maybe(fv.ptz.AUTO_TRACKING)
    if tracking is not MISSING and tracking:
        reasons.append("auto-tracking")
    ctx.forget(fv.ptz.AUTO_TRACKING)  # a vendor extension: its absence does not block the judgement
    return reasons


def _egress(kind: str, address: str, status: str | None) -> str:
    """One configured egress, connected or not: a configured service can send whenever it reconnects."""
    shown = str(status or "").strip()
    if shown.lower() == "connected":
        return f"{kind} {address} (Connected)"
    why = f"{shown}" if shown else "no status reported"
    return f"{kind} configured to send to {address} (not connected when read: {why})"


def cloud_services(ctx: CheckContext[Any]) -> list[str]:
    """Remote services the camera is configured to use, and destinations it was observed sending data to."""
    return configured_cloud(ctx) + observed_egress(ctx)


def configured_cloud(ctx: CheckContext[Any]) -> list[str]:
    """Configured remote/cloud services that can receive data, whatever their connection state when read.

    An uplink or broker that was Offline or Connecting at the moment of reading is still configured to send
    data out; only an empty list read `ok` (or a service GetServices shows absent) means none. Unknown facts
    are remembered via ctx.maybe, so "none" is only concluded by `require_all` when every source was read.
    """
    found: list[str] = []
    uplinks = ctx.maybe(fv.cloud.UPLINKS)
    if uplinks is not MISSING:
        for up in uplinks or []:
            found.append(_egress("uplink", up.remote_address, up.status))
    brokers = ctx.maybe(fv.cloud.EVENT_BROKERS)
    if brokers is not MISSING:
        for broker in brokers or []:
            found.append(_egress("event broker", broker.address, broker.status))
    targets = ctx.maybe(fv.recording.STORAGE_TARGETS)
    if targets is not MISSING:
        found.extend(f"remote storage {_target(t)}" for t in targets or [] if not t.local)
    ddns = ctx.maybe(fv.cloud.DYNAMIC_DNS)
    # Only a device that updates a DNS name itself reaches out (ClientUpdates with a name); ServerUpdates is the
    # local DHCP server's job, and ClientUpdates without a name (a common factory default) updates nothing.
    if isinstance(ddns, DynamicDns) and ddns.type.lower() == "clientupdates" and ddns.name:
        found.append(f"dynamic DNS {ddns.name}")
    return found


def _target(target: StorageTarget) -> str:
    return f"{target.type} {target.uri or ''}".rstrip()


def external_storage(ctx: CheckContext[Any]) -> list[str]:
    return [_target(t) for t in ctx.fact(fv.recording.STORAGE_TARGETS) or [] if not t.local]


def max_resolution(ctx: CheckContext[Any]) -> tuple[int, int]:
    res = ctx.fact(fv.media.MAX_RESOLUTION)
    return (res.width, res.height) if res is not None else (0, 0)
