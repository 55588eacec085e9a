"""What every service reader shares: the device channel, the service addresses, the sheet, and how one
reply becomes one fact (`record`, `read`, `derive`, `merge`) or proven absence (`absence`, `mark_absent`)."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Any, TypeVar, cast

from probes.errors import AuthRejected, DeviceError
from probes.facts import ABSENCE_PREFIX, Evidence, Fact, FactStatus
from probes.factvalues.media import MediaProfile
from probes.factvalues.recording import RecordingSummary
from probes.onvif._ns import Service
from probes.onvif._soap import OperationUnsupported, Params, ParamValue, evidence
from probes.onvif._transport import DeviceChannel, Reply
from probes.onvif._xml import Element
from probes.onvif.services._sheet import Sheet

T = TypeVar("T")

MAX_FANOUT = 16  # per-configuration calls (PTZ presets/tours, analytics) a device may cost at most

CAPABILITY_SERVICES = frozenset({Service.DEVICE, Service.MEDIA, Service.PTZ, Service.ANALYTICS, Service.EVENTS,
                                 Service.RECORDING, Service.SEARCH})
"""Services tds:GetCapabilities can name: only for these can its silence count towards absence."""

ABSENT_VALUES: dict[str, object] = {
    "cloud.uplinks": [], "analytics.modules": [], "analytics.rules": [], "analytics.supported_modules": [],
    "analytics.biometric": [], "thermal.radiometry": False, "thermal.configurations": [], "ptz.nodes": [],
    "ptz.present": False, "ptz.presets": [], "ptz.tours": [], "recording.recordings": [], "recording.jobs": [],
    "recording.active": False, "recording.summary": RecordingSummary(recordings=0),
}
"""The value of a feature fact when the feature is proven absent (every source that could show it agrees)."""

_SEVERITY = {FactStatus.OK: 0, FactStatus.UNSUPPORTED: 1, FactStatus.NOT_PROBED: 2, FactStatus.DENIED: 3,
             FactStatus.ERROR: 4}

Outcome = Reply | DeviceError
NOT_READ = Fact(status=FactStatus.NOT_PROBED, source="")


@functools.lru_cache(maxsize=256)
def service_of(op: str) -> Service:
    """The service of a prefixed operation ("tds:GetUsers" -> DEVICE); cached: the enum lookup is per request."""
    return Service(op.partition(":")[0])


def status_of(exc: DeviceError) -> FactStatus:
    if isinstance(exc, OperationUnsupported):
        return FactStatus.UNSUPPORTED
    if isinstance(exc, AuthRejected):
        return FactStatus.DENIED
    return FactStatus.ERROR


def evidence_of(operation: str, outcome: Outcome) -> Evidence | None:
    """Evidence of a reply (or of the raw bytes a failure kept), computed once per reply."""
    if isinstance(outcome, Reply):
        if outcome.evidence is None:
            outcome.evidence = evidence(operation, outcome.raw, outcome.received_at)
        return outcome.evidence
    cached: Evidence | None = getattr(outcome, "evidence", None)
    if cached is not None:
        return cached
    raw = getattr(outcome, "raw", None)
    ev = evidence(operation, raw, getattr(outcome, "received_at", None)) if raw else None
    outcome.evidence = ev  # type: ignore[attr-defined]
    return ev


def a_service(service: Service) -> str:
    """"a media", "an analytics", "a PTZ": the service named in a sentence."""
    name = "PTZ" if service is Service.PTZ else service.name.lower()
    return f"an {name}" if name[0] in "aeiou" else f"a {name}"


class ReadContext:
    """One pass over one device: what the service readers share. Cancellation (the deadline) may stop it
    anywhere; the readers (`probes/onvif/services/`) fill `sheet` in the order `_orchestrator` gives."""

    def __init__(self, channel: DeviceChannel, device_xaddr: str, sheet: Sheet,
                 endpoint_uuid: str | None = None) -> None:
        self.ch = channel
        self.sheet = sheet
        self.device_xaddr = channel.rewrite(device_xaddr)
        self.urls: dict[Service, str] = {Service.DEVICE: self.device_xaddr}
        self.services_known = False
        self.services_reason = ""
        self.listed: set[Service] | None = None  # what tds:GetServices listed (None: not read)
        self.capable: set[Service] | None = None  # what tds:GetCapabilities listed (None: not read)
        self.conflicts: dict[Service, str] = {}  # sources that disagree about a service, per service
        self.endpoint_uuid = endpoint_uuid  # from discovery; else asked with tds:GetEndpointReference
        self.mac: str | None = None
        self.anonymous: set[str] = set()
        # anonymous probes by (operation, params), answered or refused: an identical authless request (no
        # credentials configured, or ours were refused) is not sent twice, its answer is already known
        self.anonymous_replies: dict[tuple[str, tuple[tuple[str, ParamValue], ...]], Reply] = {}
        self.anonymous_refusals: dict[tuple[str, tuple[tuple[str, ParamValue], ...]], AuthRejected] = {}
        self.prefetched: dict[str, Reply] = {}  # successful replies read early, reused instead of asking again
        self.profiles: list[MediaProfile] | None = None
        self.profiles_fact: Fact | None = None
        self.profiles_ready = asyncio.Event()

    async def call(self, op: str, params: Params = (), *, auth: bool = True) -> Outcome:
        if (self.anonymous_replies or self.anonymous_refusals) and (
                not auth or not self.ch.has_credentials or self.ch.auth.gave_up):
            # this request would go out without credentials, exactly like the anonymous probe of it
            key = (op, tuple(params))
            if (cached := self.anonymous_replies.get(key)) is not None:
                return cached
            if (refused := self.anonymous_refusals.get(key)) is not None:
                return self.ch.refused_unsigned(refused)
        service = service_of(op)
        url = self.urls.get(service)
        if url is None:
            if not self.services_known:
                return DeviceError(self.no_service_reason(service), operation=op)
            return OperationUnsupported(self.no_service_reason(service), operation=op)
        try:
            return await self.ch.call(url, op, params, auth=auth)
        except DeviceError as exc:
            # an outcome, not a raise: without the traceback, whose frames hold this context, a kept outcome
            # makes no cycle that would hold the camera's replies until a full collection (issue 23)
            return exc.with_traceback(None)

    async def call_pre_auth(self, op: str, params: Params = ()) -> Outcome:
        """PRE_AUTH operations go without credentials; a device that still wants them gets them."""
        out = await self.call(op, params, auth=False)
        if isinstance(out, AuthRejected) and self.ch.has_credentials:
            out = await self.call(op, params, auth=True)
        return out

    def no_service_status(self) -> FactStatus:
        """A service missing from GetServices is unsupported; unknown service addresses are an error."""
        return FactStatus.UNSUPPORTED if self.services_known else FactStatus.ERROR

    def no_service_reason(self, service: Service) -> str:
        if not self.services_known:
            return f"service addresses unknown ({self.services_reason})"
        return f"the device offers no {service.name.lower()} service ({service.value}) in {self.services_reason}"

    def absence(self, service: Service) -> str | None:
        """Why `service` is proven absent, or None: GetServices read and silent, and GetCapabilities read and
        silent when it could name the service. One failed source, or one that lists it, is no proof."""
        if self.listed is None or service in self.listed or service in self.urls:
            return None
        if service in CAPABILITY_SERVICES:
            if self.capable is None or service in self.capable:
                return None
            return f"neither tds:GetServices nor tds:GetCapabilities lists {a_service(service)} service"
        return f"tds:GetServices lists no {service.name.lower()} service (tds:GetCapabilities cannot name one)"

    def absent_sources(self, service: Service) -> str:
        return "tds:GetServices, tds:GetCapabilities" if service in CAPABILITY_SERVICES else "tds:GetServices"

    def mark_absent(self, keys: Iterable[str], service: Service, why: str, *, also: str = "") -> None:
        """Record proven absence: `ok` facts with the empty value, their source naming every source asked."""
        services = self.sheet.facts.get("services")
        ev = services.evidence if services is not None else None
        for key in keys:
            self.sheet.ok(key, ABSENT_VALUES[key], ABSENCE_PREFIX + self.absent_sources(service) + also, ev,
                          reason=f"absent: {why}")

    def with_conflict(self, service: Service, reason: str | None) -> str | None:
        note = self.conflicts.get(service)
        return "; ".join(x for x in (reason, note) if x) or None

    def record(self, key: str, op: str, outcome: Outcome, parse: Callable[[Element], T],
               reason: str | None = None) -> T | None:
        """Turn one reply into one fact; returns the value when ok, else None."""
        ev = evidence_of(op, outcome)
        reason = self.with_conflict(service_of(op), reason)
        if isinstance(outcome, DeviceError):
            self.sheet.fail(key, status_of(outcome), op, "; ".join(x for x in (str(outcome), reason) if x), ev)
            return None
        try:
            value = parse(outcome.element)
        except DeviceError as exc:
            self.sheet.fail(key, FactStatus.ERROR, op, f"{exc}", ev)
            return None
        self.sheet.ok(key, value, op, ev, reason)
        return value

    async def read(self, key: str, op: str, parse: Callable[[Element], T], params: Params = (),
                   *, auth: bool = True) -> T | None:
        self.sheet.start(key)
        service = service_of(op)
        why = self.absence(service) if key in ABSENT_VALUES else None
        if why is not None:
            self.mark_absent([key], service, why)
            return cast(T, ABSENT_VALUES[key])  # the absent value of a fact has the type its parser gives
        return self.record(key, op, await self.call(op, params, auth=auth), parse)

    def derive(self, key: str, inputs: Sequence[str], fn: Callable[..., Any]) -> None:
        """A fact computed from others: ok only if every input is; otherwise the worst input status.

        An input the device answered with ActionNotSupported is unknown, never "feature absent": absence
        is recorded by `mark_absent` only when every source agrees, and derives from such inputs as absent.
        """
        facts = [self.sheet.facts.get(k) for k in inputs]
        source = "derived from " + ", ".join(inputs)
        bad = [(k, f) for k, f in zip(inputs, facts, strict=True) if f is None or not f.ok]
        if bad:
            k, worst = max(bad, key=lambda kf: _SEVERITY[kf[1].status] if kf[1] else 2)
            if worst is None:
                self.sheet.fail(key, FactStatus.NOT_PROBED, source, f"{k} was not read")
            else:
                self.sheet.fail(key, worst.status, source, f"{k} is {worst.status}: {worst.reason}", worst.evidence)
            return
        present = [f for f in facts if f is not None]
        if present and all(f.absent for f in present) and key in ABSENT_VALUES:
            first = present[0]
            self.sheet.ok(key, ABSENT_VALUES[key], first.source, first.evidence, first.reason)
            return
        values = [f.value for f in present]
        ev = next((f.evidence for f in present if f.evidence is not None), None)
        self.sheet.ok(key, fn(*values), source, ev)

    def merge(self, key: str, op: str, outcomes: Iterable[tuple[str, Outcome]],
              parse: Callable[[Element], Sequence[T]], *,
              dedupe: Callable[[T], Hashable] | None = None) -> list[T] | None:
        """One list fact from several calls (per profile / per configuration): all must succeed. Items
        with the same `dedupe` key (default: equal items) are kept once, the first."""
        values: list[T] = []
        seen: set[Hashable] = set()
        evs: list[Evidence] = []
        worst: tuple[FactStatus, str, Evidence | None] | None = None
        for label, outcome in outcomes:
            ev = evidence_of(op, outcome)
            if isinstance(outcome, DeviceError):
                cand = (status_of(outcome), f"{label}: {outcome}", ev)
            else:
                try:
                    for item in parse(outcome.element):
                        ident = dedupe(item) if dedupe is not None else repr(item)
                        if ident not in seen:
                            seen.add(ident)
                            values.append(item)
                    evs.append(ev) if ev else None
                    continue
                except DeviceError as exc:
                    cand = (FactStatus.ERROR, f"{label}: {exc}", ev)
            if worst is None or _SEVERITY[cand[0]] > _SEVERITY[worst[0]]:
                worst = cand
        if worst is not None:
            self.sheet.fail(key, worst[0], op, worst[1], worst[2])
            return None
        self.sheet.ok(key, values, op, evs[0] if evs else None)
        return values

    async def wait_profiles(self) -> list[MediaProfile] | None:
        await self.profiles_ready.wait()
        return self.profiles

    def profiles_failed(self) -> str:
        f = self.profiles_fact
        return f"media.profiles is {f.status}: {f.reason}" if f else "media.profiles was not read"

    def no_credentials(self) -> str:
        if self.ch.has_sets:
            return "no credential set of the site applies to this device (none was offered to it)"
        return "no credentials configured"
