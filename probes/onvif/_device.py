"""Reading the fact sheet of one device: which operations, in which order, into which facts.

The order matters for honesty and for account safety:
1. tds:GetSystemDateAndTime without credentials -> clock facts and the offset that
   WS-UsernameToken needs; at the same time tds:GetServices (fallback
   tds:GetCapabilities) -> service addresses;
2. a fixed set of operations without credentials -> auth.anonymous_operations;
3. one authenticated request alone -> auth scheme settled (see `_transport`);
4. everything else, concurrently within the per-device bound.
Every fact is set exactly once, with its status, source and evidence.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import hashlib
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from probes.discovery.model import DiscoveredDevice
from probes.errors import AuthRejected, DeviceError
from probes.facts import ABSENCE_PREFIX, FACT_CATALOGUE, Evidence, Fact, FactStatus
from probes.onvif import _parsers as P
from probes.onvif import _tls as T
from probes.onvif._ns import SERVICE_BY_NAMESPACE, Service
from probes.onvif._soap import OperationUnsupported, Params, evidence
from probes.onvif._transport import DeviceChannel, Reply
from probes.onvif._xml import Element

log = logging.getLogger(__name__)

NOT_ONVIF = frozenset({"identity.mac_vendor", "identity.endpoints", "network.open_ports", "network.segment"})
ONVIF_FACTS: tuple[str, ...] = tuple(k for k in FACT_CATALOGUE if k not in NOT_ONVIF)
"""Every catalogue key the ONVIF reader sets on every device (other keys come from discovery)."""

MAX_FANOUT = 16  # per-configuration calls (PTZ presets/tours, analytics) a device may cost at most

ANONYMOUS_PROBES: tuple[str, ...] = ("tds:GetDeviceInformation", "trt:GetProfiles", "tr2:GetProfiles", "tds:GetUsers")
"""Operations outside PRE_AUTH that we try once without credentials (not a login attempt)."""

REUSABLE_ANONYMOUS: frozenset[str] = frozenset({"tds:GetDeviceInformation"})
"""Anonymous probes whose reply is reused for the fact instead of asking again with credentials.

Only operations whose answer cannot depend on who asks: the device information is one
fixed record. Not the profiles (some firmware filters profiles by user level) nor the
users (a device may list fewer accounts to a lower level): those are asked again.
"""


@functools.lru_cache(maxsize=256)
def service_of(op: str) -> Service:
    """The service of a prefixed operation ("tds:GetUsers" -> DEVICE); cached: the enum lookup is per request."""
    return Service(op.partition(":")[0])

CAPABILITY_SERVICES = frozenset({Service.DEVICE, Service.MEDIA, Service.PTZ, Service.ANALYTICS, Service.EVENTS,
                                 Service.RECORDING, Service.SEARCH})
"""Services tds:GetCapabilities can name: only for these can its silence count towards absence."""

ABSENT_VALUES: dict[str, Any] = {
    "cloud.uplinks": [], "analytics.modules": [], "analytics.rules": [], "analytics.supported_modules": [],
    "analytics.biometric": [], "thermal.radiometry": False, "thermal.configurations": [], "ptz.nodes": [],
    "ptz.present": False, "ptz.presets": [], "ptz.tours": [], "recording.recordings": [], "recording.jobs": [],
    "recording.active": False, "recording.summary": {"data_from": None, "data_until": None, "recordings": 0},
}
"""The value of a feature fact when the feature is proven absent (every source that could show it agrees)."""

_SEVERITY = {FactStatus.OK: 0, FactStatus.UNSUPPORTED: 1, FactStatus.NOT_PROBED: 2, FactStatus.DENIED: 3,
             FactStatus.ERROR: 4}
_BIOMETRIC_WORDS = ("facerecogn", "facematch", "faceident", "facecompar", "facesearch", "reidentif", "personreid",
                    "biometric", "gaitrecogn", "irisrecogn", "faceverif")

Outcome = Reply | DeviceError
NOT_READ = Fact(status=FactStatus.NOT_PROBED, source="")


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


def is_biometric(kind: str) -> bool:
    """Module/rule types that identify people (tt:FaceRecognition and vendor equivalents)."""
    flat = kind.rpartition(":")[2].rpartition("}")[2].lower().replace("_", "").replace("-", "")
    return any(word in flat for word in _BIOMETRIC_WORDS)


class Sheet:
    """The facts of one device while they are being read."""

    def __init__(self) -> None:
        self.facts: dict[str, Fact] = {}
        self.started: set[str] = set()
        self.errors: list[str] = []

    def start(self, *keys: str) -> None:
        self.started.update(keys)

    def ok(self, key: str, value: Any, source: str, ev: Evidence | None = None, reason: str | None = None) -> None:
        self._set(key, Fact(status=FactStatus.OK, value=value, source=source, evidence=ev, reason=reason))

    def fail(self, key: str, status: FactStatus, source: str, reason: str, ev: Evidence | None = None) -> None:
        self._set(key, Fact.failed(status, source, reason, ev))

    def _set(self, key: str, fact: Fact) -> None:
        if key not in FACT_CATALOGUE:
            raise KeyError(f"fact {key!r} is not in FACT_CATALOGUE")
        self.facts.setdefault(key, fact)  # first writer wins: a fact is set once

    def finish(self, reason_started: str, reason_other: str) -> None:
        """Mark every ONVIF fact not read: error if it was being read, not_probed if never asked."""
        for key in ONVIF_FACTS:
            if key in self.facts:
                continue
            if key in self.started:
                self.fail(key, FactStatus.ERROR, FACT_CATALOGUE[key].source, reason_started)
            else:
                self.fail(key, FactStatus.NOT_PROBED, FACT_CATALOGUE[key].source, reason_other)


def device_url(device: DiscoveredDevice) -> tuple[str, str]:
    """(address, device service URL): an XAddr on the device's own address, else the standard path."""
    address: str | None = device.addresses[0] if device.addresses else None
    # https first: when a device offers both, credentials never travel over plain HTTP
    for x in sorted(device.xaddrs, key=lambda u: not u.strip().lower().startswith("https://")):
        host = urlsplit(x).hostname
        if address is None and host:
            address = host
        if address is not None and host == address:
            return address, x
    if address is None:
        raise DeviceError("device has neither an address nor an XAddr")
    host = f"[{address}]" if ":" in address else address
    if device.xaddrs:  # an XAddr naming another host (NAT, several interfaces): its path on our address
        parts = urlsplit(device.xaddrs[0])
        if device.onvif_ports:
            return address, f"{parts.scheme or 'http'}://{host}:{device.onvif_ports[0]}{parts.path or '/'}"
        return address, device.xaddrs[0]  # host rewritten to `address` by the channel
    port = (device.onvif_ports or [80])[0]
    return address, f"http://{host}:{port}/onvif/device_service"


class DeviceRead:
    """One pass over one device; `run` fills `sheet`. Cancellation (the deadline) may stop it anywhere."""

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
        # successful anonymous probes, by (operation, params): an identical authless request is not sent twice
        self.anonymous_replies: dict[tuple[str, tuple[tuple[str, str], ...]], Reply] = {}
        self.prefetched: dict[str, Reply] = {}  # successful replies read early, reused instead of asking again
        self.profiles: list[dict[str, Any]] | None = None
        self.profiles_fact: Fact | None = None
        self._profiles_ready = asyncio.Event()

    # ---------------------------------------------------------------- plumbing

    async def call(self, op: str, params: Params = (), *, auth: bool = True) -> Outcome:
        if self.anonymous_replies and (not auth or not self.ch.has_credentials or self.ch.auth.gave_up):
            # this request would go out without credentials, exactly like the anonymous probe that answered
            cached = self.anonymous_replies.get((op, tuple(params)))
            if cached is not None:
                return cached
        service = service_of(op)
        url = self.urls.get(service)
        if url is None:
            if not self.services_known:
                return DeviceError(self._absent(service), operation=op)
            return OperationUnsupported(self._absent(service), operation=op)
        try:
            return await self.ch.call(url, op, params, auth=auth)
        except DeviceError as exc:
            return exc

    async def call_pre_auth(self, op: str, params: Params = ()) -> Outcome:
        """PRE_AUTH operations go without credentials; a device that still wants them gets them."""
        out = await self.call(op, params, auth=False)
        if isinstance(out, AuthRejected) and self.ch.has_credentials:
            out = await self.call(op, params, auth=True)
        return out

    def _absent_status(self) -> FactStatus:
        """A service missing from GetServices is unsupported; unknown service addresses are an error."""
        return FactStatus.UNSUPPORTED if self.services_known else FactStatus.ERROR

    def _absent(self, service: Service) -> str:
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
            return f"neither tds:GetServices nor tds:GetCapabilities lists {_a(service)} service"
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

    def record(self, key: str, op: str, outcome: Outcome, parse: Callable[[Element], Any],
               reason: str | None = None) -> Any:
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

    async def read(self, key: str, op: str, parse: Callable[[Element], Any], params: Params = (),
                   *, auth: bool = True) -> Any:
        self.sheet.start(key)
        service = service_of(op)
        why = self.absence(service) if key in ABSENT_VALUES else None
        if why is not None:
            self.mark_absent([key], service, why)
            return ABSENT_VALUES[key]
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
              parse: Callable[[Element], list[Any]], *, dedupe: str | None = None) -> list[Any] | None:
        """One list fact from several calls (per profile / per configuration): all must succeed."""
        values: list[Any] = []
        seen: set[Any] = set()
        evs: list[Evidence] = []
        worst: tuple[FactStatus, str, Evidence | None] | None = None
        for label, outcome in outcomes:
            ev = evidence_of(op, outcome)
            if isinstance(outcome, DeviceError):
                cand = (status_of(outcome), f"{label}: {outcome}", ev)
            else:
                try:
                    for item in parse(outcome.element):
                        ident = item.get(dedupe) if dedupe and isinstance(item, dict) else repr(item)
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

    # ---------------------------------------------------------------- the read

    async def run(self) -> None:
        async with asyncio.TaskGroup() as group:  # both without credentials: no ordering needed
            group.create_task(self.clock(), name=f"onvif[{self.ch.address}].clock")
            group.create_task(self.services(), name=f"onvif[{self.ch.address}].services")
        await self.anonymous_probe()
        await self.identity()
        async with asyncio.TaskGroup() as group:  # a bug in one group cancels the others, nothing leaks
            for name, coro in (("device", self.device_settings()), ("media", self.media()), ("ptz", self.ptz()),
                               ("recording", self.recording()), ("cloud", self.cloud()),
                               ("thermal", self.thermal()), ("analytics", self.analytics())):
                group.create_task(coro, name=f"onvif[{self.ch.address}].{name}")
        await self.tls()  # after network.protocols: it names the HTTPS port of a device read over http
        self.auth_facts()

    async def clock(self) -> None:
        self.sheet.start("clock.source", "clock.skew_seconds")
        op = "tds:GetSystemDateAndTime"
        out = await self.call_pre_auth(op)
        parsed: dict[str, Any] = {}

        def source(el: Element) -> Any:  # parsed once for both clock facts
            parsed.update(P.system_date_time(el))
            return parsed["source"]

        value = self.record("clock.source", op, out, source)
        if value is None:
            f = self.sheet.facts["clock.source"]
            self.sheet.fail("clock.skew_seconds", f.status, op, f.reason or "", f.evidence)
            return
        assert isinstance(out, Reply)
        utc: datetime | None = parsed["utc"]
        ev = evidence_of(op, out)
        if utc is None:
            self.sheet.fail("clock.skew_seconds", FactStatus.ERROR, op, "the device reports no UTCDateTime", ev)
            return
        midpoint = out.sent_at + (out.received_at - out.sent_at) / 2
        skew = round((utc - midpoint).total_seconds(), 1)
        self.ch.clock_offset_s = skew
        self.sheet.ok("clock.skew_seconds", skew, op, ev,
                      reason="device clock has 1 s resolution; skew measured at the request midpoint")

    async def services(self) -> None:
        """Service addresses from tds:GetServices and tds:GetCapabilities, both asked (both pre-auth).

        GetServices is the list (`services` fact); GetCapabilities is a second witness: a service only
        it names is read anyway, and their disagreement is recorded on the facts of that service. When
        GetServices fails the list comes from GetCapabilities; when both fail (or answer without their
        required elements) the services are unknown, never an empty list.
        """
        self.sheet.start("services")
        op, cap_op = "tds:GetServices", "tds:GetCapabilities"
        out, cap_out = await asyncio.gather(self.call_pre_auth(op, (("IncludeCapability", "false"),)),
                                            self.call_pre_auth(cap_op, (("Category", "All"),)))
        capable: list[dict[str, Any]] | None = None
        cap_caveat: str | None = None
        cap_failure = ""
        if isinstance(cap_out, Reply):
            try:
                capable, cap_caveat = P.capabilities_listing(cap_out.element)
            except DeviceError as exc:
                cap_failure = str(exc)
        else:
            cap_failure = str(cap_out)
        if capable is not None:
            self.capable = {svc for e in capable if (svc := SERVICE_BY_NAMESPACE.get(e["namespace"]))}
        witness = cap_caveat if capable is not None else (
            f"tds:GetCapabilities failed ({cap_failure}), so no service missing here is proven absent")
        found = self.record("services", op, out, P.services, reason=witness)
        if found is not None:
            self.listed = {svc for e in found if (svc := SERVICE_BY_NAMESPACE.get(e["namespace"]))}
        else:
            first = self.sheet.facts.pop("services")
            if capable is None:
                self.sheet.fail("services", first.status, op, f"{first.reason}; {cap_op}: {cap_failure}",
                                first.evidence)
                self.services_reason = f"tds:GetServices and tds:GetCapabilities failed: {first.reason}"
                return
            op, found = cap_op, capable
            self.sheet.ok("services", capable, cap_op, evidence_of(cap_op, cap_out), reason="; ".join(
                x for x in (f"tds:GetServices failed ({first.reason}); services from GetCapabilities (which lists "
                            "no Media2, Thermal or Uplink service)", cap_caveat) if x))
        self.services_known = True
        self.services_reason = op
        self._note_conflicts()
        entries = list(found)
        if capable is not None and found is not capable:  # what only GetCapabilities names is read anyway
            entries += [e for e in capable if SERVICE_BY_NAMESPACE.get(e["namespace"]) not in (self.listed or set())]
        https_seen: set[Service] = set()
        for entry in entries:
            svc = SERVICE_BY_NAMESPACE.get(entry["namespace"])
            if svc is None or svc in https_seen or (svc in self.urls and svc is not Service.DEVICE
                                                    and not entry["xaddr"].strip().startswith("https://")):
                continue  # an https XAddr of a service is never replaced by a plain http one
            try:
                url = self.ch.rewrite(entry["xaddr"], self.device_xaddr)
            except DeviceError as exc:
                log.debug("ignoring service %s: %s", entry["namespace"], exc)
                continue
            secure = url.startswith("https://")
            if svc is Service.DEVICE:
                # The device service stays where we reached it, unless the device also lists it over https
                # on its own address: then credentials go over TLS rather than plain HTTP.
                if not secure or self.device_xaddr.startswith("https://") or \
                        urlsplit(entry["xaddr"].strip()).hostname != self.ch.address:
                    continue
                self.device_xaddr = url
            self.urls[svc] = url
            if secure:
                https_seen.add(svc)

    def _note_conflicts(self) -> None:
        """Where GetServices and GetCapabilities disagree about a service, say so on that service's facts."""
        if self.listed is None or self.capable is None:
            return
        for svc in CAPABILITY_SERVICES - {Service.DEVICE}:
            if svc in self.capable and svc not in self.listed:
                self.conflicts[svc] = (f"sources disagree: tds:GetCapabilities lists {_a(svc)} service "
                                       "that tds:GetServices omits; read anyway")
            elif svc in self.listed and svc not in self.capable and not (
                    svc is Service.MEDIA and Service.MEDIA2 in self.listed):
                self.conflicts[svc] = (f"sources disagree: tds:GetServices lists {_a(svc)} service that "
                                       "tds:GetCapabilities omits")

    async def anonymous_probe(self) -> None:
        key = "auth.anonymous_operations"
        self.sheet.start(key)
        probes = [op for op in ANONYMOUS_PROBES if service_of(op) in self.urls]
        params = {"tr2:GetProfiles": (("Type", "All"),)}
        outs = await asyncio.gather(*(self.call(op, params.get(op, ()), auth=False) for op in probes))
        for op, out in zip(probes, outs, strict=True):
            if isinstance(out, Reply):
                self.anonymous_replies[(op, tuple(params.get(op, ())))] = out
        unknown = []
        self._hint_manufacturer()
        for op, out in zip(probes, outs, strict=True):
            if isinstance(out, Reply):
                self.anonymous.add(op)
            elif not isinstance(out, AuthRejected):
                unknown.append(f"{op}: {out}")
        answered = sorted(self.anonymous)
        if unknown and len(unknown) == len(probes):
            self.sheet.fail(key, FactStatus.ERROR, "authless calls", "; ".join(unknown))
            return
        caveat = ("could not tell for " + "; ".join(unknown)) if unknown else None
        ev = next((evidence_of(op, o) for op, o in zip(probes, outs, strict=True) if isinstance(o, Reply)), None)
        self.sheet.ok(key, answered, "authless calls: " + ", ".join(probes), ev, caveat)

    def _hint_manufacturer(self) -> None:
        """An anonymous GetDeviceInformation tells the maker before credentials go out (credential selectors)."""
        reply = self.anonymous_replies.get(("tds:GetDeviceInformation", ()))
        if reply is None:
            return
        try:
            info = P.device_information(reply.element)
        except DeviceError:
            return
        hints = self.ch.hints
        makers = tuple(dict.fromkeys([*hints.manufacturers, *([info["manufacturer"]] if info["manufacturer"] else [])]))
        self.ch.hints = dataclasses.replace(hints, manufacturers=makers, serial=hints.serial or info["serial"] or None)

    async def identity(self) -> None:
        keys = ("identity.manufacturer", "identity.model", "identity.firmware", "identity.serial",
                "identity.hardware_id", "auth.credentials_accepted")
        self.sheet.start(*keys)
        op = "tds:GetDeviceInformation"
        out: Outcome | None = None
        settled_on: tuple[str, Outcome] | None = None  # the exchange that settled the auth scheme, if not `op`
        if self.ch.has_credentials and op in self.anonymous:
            # Settle the auth scheme on an operation that needs credentials, or an accepted
            # WS-UsernameToken would prove nothing (the device ignores it for anonymous operations).
            settle_op = "tds:GetNetworkInterfaces"
            settle = await self.call(settle_op)
            if isinstance(settle, Reply):
                self.prefetched[settle_op] = settle  # network.interfaces: the same authenticated question
            if self.ch.auth.scheme is not None or self.ch.auth.gave_up:
                settled_on = (settle_op, settle)
                # the same record as with credentials (REUSABLE_ANONYMOUS): not asked again
                out = self.anonymous_replies.get((op, ())) if op in REUSABLE_ANONYMOUS else None
        if out is None:  # without credentials (or after they were refused) this reuses the anonymous reply
            out = await self.call(op)
        info: dict[str, str] | DeviceError
        try:  # one parse for the five facts of this reply
            info = P.device_information(out.element) if isinstance(out, Reply) else out
        except DeviceError as exc:
            info = exc
        for field in ("manufacturer", "model", "firmware", "serial", "hardware_id"):
            key = f"identity.{field}"
            if isinstance(info, DeviceError):
                self.sheet.fail(key, status_of(info), op, str(info), evidence_of(op, out))
            else:
                self.sheet.ok(key, info[field], op, evidence_of(op, out))
        auth_op, auth_out = settled_on if settled_on is not None else (op, out)
        if not self.ch.has_credentials:
            self.sheet.fail("auth.credentials_accepted", FactStatus.NOT_PROBED, op, self._no_credentials())
        elif self.ch.auth.scheme is not None:
            self.sheet.ok("auth.credentials_accepted", True, auth_op, evidence_of(auth_op, auth_out),
                          reason=f"accepted via {self.ch.auth.scheme} (credential set "
                                 f"{self.ch.auth.credential_set!r})")
        elif self.ch.auth.gave_up:
            self.sheet.ok("auth.credentials_accepted", False, auth_op, evidence_of(auth_op, auth_out),
                          reason=self.ch.auth.gave_up)
        else:
            self.sheet.fail("auth.credentials_accepted", FactStatus.ERROR, op,
                            f"could not tell: {out if isinstance(out, DeviceError) else 'no auth exchange'}",
                            evidence_of(op, out))

    # ---------------------------------------------------------------- transport security

    async def tls(self) -> None:
        """tls.versions and tls.certificate from a real handshake with the device's own address."""
        keys = ("tls.versions", "tls.certificate")
        self.sheet.start(*keys)
        source = "tls-handshake"
        https_ports = [urlsplit(u).port or 443 for u in [self.device_xaddr, *self.urls.values()]
                       if u.startswith("https://")]
        over_https = bool(https_ports)
        ports = list(dict.fromkeys(https_ports))[:1]
        if not ports:
            protocols = self.sheet.facts.get("network.protocols")
            if protocols is None or not protocols.ok:
                why = (f"network.protocols is {protocols.status}: {protocols.reason}" if protocols
                       else "network.protocols was not read")
                for key in keys:
                    self.sheet.fail(key, FactStatus.NOT_PROBED, source,
                                    f"ONVIF was read over plain HTTP and the HTTPS port is unknown ({why})")
                return
            https = [p for p in protocols.value or [] if str(p.get("name", "")).upper() == "HTTPS"]
            named = [port for p in https if p.get("enabled") for port in p.get("ports") or []]
            ports = list(dict.fromkeys(int(port) for port in named if isinstance(port, int) and 0 < port < 65536)
                         )[:2] or ([443] if any(p.get("enabled") for p in https) else [])
            if not ports:
                for key in keys:
                    self.sheet.fail(key, FactStatus.UNSUPPORTED, source,
                                    "HTTPS is disabled (tds:GetNetworkProtocols) and ONVIF was read over plain HTTP",
                                    protocols.evidence)
                return
        timeout = self.ch.request_timeout_s
        refused: list[str] = []
        for port in ports:
            try:
                shake = await T.handshake(self.ch.address, port, timeout)
            except T.NotTls as exc:
                refused.append(str(exc))
                continue
            except DeviceError as exc:
                for key in keys:
                    self.sheet.fail(key, FactStatus.ERROR, source, str(exc))
                return
            legacy = await T.accepts_legacy(self.ch.address, port, timeout)
            cert: dict[str, Any] | DeviceError
            try:
                cert = T.certificate_facts(shake.certificate, shake.at)
            except DeviceError as exc:
                cert = exc
            ev = Evidence(operation=source, excerpt=f"{self.ch.address}:{port} {shake.protocol} {shake.cipher}"
                          + ("" if isinstance(cert, DeviceError) else f" subject={cert['subject']} "
                             f"issuer={cert['issuer']} not_after={cert['not_after']}"),
                          sha256=hashlib.sha256(shake.certificate).hexdigest(), received_at=shake.at)
            self.sheet.ok("tls.versions", {"served": True, "port": port, "negotiated": shake.protocol,
                                           "cipher": shake.cipher, "legacy_accepted": legacy,
                                           "onvif_over_https": over_https}, source, ev,
                          reason=None if legacy is not None else "whether TLS 1.0/1.1 is accepted could not be "
                                                                 "tested from this host")
            if isinstance(cert, DeviceError):
                self.sheet.fail("tls.certificate", FactStatus.ERROR, source, str(cert), ev)
            else:
                self.sheet.ok("tls.certificate", cert, source, ev, reason="not verified (recorded as presented)")
            return
        reason = "; ".join(refused)
        self.sheet.ok("tls.versions", {"served": False, "port": ports[0], "negotiated": None, "cipher": None,
                                       "legacy_accepted": None, "onvif_over_https": False}, source,
                      reason=f"HTTPS is enabled in tds:GetNetworkProtocols but no TLS was served: {reason}")
        self.sheet.fail("tls.certificate", FactStatus.UNSUPPORTED, source, f"no TLS served: {reason}")

    def _no_credentials(self) -> str:
        if self.ch.has_sets:
            return "no credential set of the site applies to this device (none was offered to it)"
        return "no credentials configured"

    def auth_facts(self) -> None:
        key = "auth.schemes"
        if not self.ch.has_credentials:
            self.sheet.fail(key, FactStatus.NOT_PROBED, "auth negotiation", self._no_credentials())
            self.sheet.fail("auth.credential_set", FactStatus.NOT_PROBED, "auth negotiation", self._no_credentials())
            return
        auth = self.ch.auth
        if auth.credential_set is not None:
            self.sheet.ok("auth.credential_set", auth.credential_set, "auth negotiation",
                          reason=f"offered: {', '.join(c.name for c in self.ch.candidates())}")
        elif auth.gave_up:
            self.sheet.ok("auth.credential_set", None, "auth negotiation", reason=auth.gave_up)
        else:
            self.sheet.fail("auth.credential_set", FactStatus.ERROR, "auth negotiation",
                            "no authenticated exchange completed")
        if auth.accepted or auth.gave_up:
            notes = [f"{s} refused: {r}" for s, r in auth.failed.items()]
            if auth.accepted and "tds:GetUsers" in self.anonymous:
                notes.append("the device answers even tds:GetUsers without credentials, so it may ignore them")
            self.sheet.ok(key, [str(s) for s in auth.accepted], "auth negotiation", reason="; ".join(notes) or None)
        else:
            self.sheet.fail(key, FactStatus.ERROR, "auth negotiation", "no authenticated exchange completed")

    # ---------------------------------------------------------------- device service

    async def device_settings(self) -> None:
        reads: list[Awaitable[Any]] = [
            self.read("identity.hostname", "tds:GetHostname", P.hostname),
            self.read("identity.scopes", "tds:GetScopes", P.scopes),
            self.read("capabilities.security", "tds:GetServiceCapabilities", P.security_capabilities),
            self.users(),
            self.read("network.gateway", "tds:GetNetworkDefaultGateway", P.gateway),
            self.read("network.dns", "tds:GetDNS", P.dns),
            self.read("network.ntp", "tds:GetNTP", P.ntp),
            self.read("network.protocols", "tds:GetNetworkProtocols", P.network_protocols),
            self.read("network.zero_configuration", "tds:GetZeroConfiguration", P.zero_configuration),
            self.read("network.discovery_mode", "tds:GetDiscoveryMode", P.discovery_mode),
            self.read("network.ip_filter", "tds:GetIPAddressFilter", P.ip_filter),
            self.read("storage.targets", "tds:GetStorageConfigurations", P.storage_configurations),
            self.read("cloud.dynamic_dns", "tds:GetDynamicDNS", P.dynamic_dns),
            self.read("cloud.remote_user", "tds:GetRemoteUser", P.remote_user),
            self.interfaces(),
        ]
        if not self.endpoint_uuid:
            reads.append(self.endpoint())
        await asyncio.gather(*reads)

    async def users(self) -> None:
        """tds:GetUsers; an empty list while our own login was accepted cannot be the whole truth."""
        key, op = "users", "tds:GetUsers"
        self.sheet.start(key)
        out = await self.call(op)
        if isinstance(out, Reply) and self.ch.auth.scheme is not None:
            try:
                empty = P.users(out.element) == []
            except DeviceError:
                empty = False
            if empty:
                self.sheet.fail(key, FactStatus.ERROR, op, "tds:GetUsers lists no user, but camaudit logged in as "
                                "one: the list is incomplete", evidence_of(op, out))
                return
        self.record(key, op, out, P.users)

    async def interfaces(self) -> None:
        key, op = "network.interfaces", "tds:GetNetworkInterfaces"
        prefetched = self.prefetched.pop(op, None)  # asked with credentials to settle the auth scheme
        if prefetched is not None:
            self.sheet.start(key)
            nics = self.record(key, op, prefetched, P.network_interfaces)
        else:
            nics = await self.read(key, op, P.network_interfaces)
        for nic in nics or []:
            if nic.get("mac") and nic.get("enabled"):
                self.mac = nic["mac"]
                break

    async def endpoint(self) -> None:
        out = await self.call_pre_auth("tds:GetEndpointReference")
        if isinstance(out, Reply):
            try:
                self.endpoint_uuid = P.endpoint_reference(out.element)
            except DeviceError as exc:
                log.debug("GetEndpointReference: %s", exc)

    # ---------------------------------------------------------------- media

    async def media(self) -> None:
        keys = ("media.service", "media.profiles", "media.video_encoders", "media.max_resolution",
                "media.audio_sources", "media.audio_encoders", "media.audio_in_profiles", "media.audio_outputs",
                "media.osd", "media.osd_datetime", "privacy.masks")
        self.sheet.start(*keys)
        try:
            await self._media()
        finally:
            self._profiles_ready.set()

    async def _media(self) -> None:
        m2 = Service.MEDIA2 in self.urls
        m1 = Service.MEDIA in self.urls
        service: Service | None = None
        caveat = None
        if m2:
            op = "tr2:GetProfiles"
            out = await self.call(op, (("Type", "All"),))
            if isinstance(out, Reply) or not m1:
                self.profiles = self.record("media.profiles", op, out, P.media2_profiles)
                service = Service.MEDIA2
            else:
                caveat = f"tr2:GetProfiles failed ({out}); fell back to Media1"
        if service is None and m1:
            op = "trt:GetProfiles"
            self.profiles = self.record("media.profiles", op, await self.call(op), P.media1_profiles, reason=caveat)
            service = Service.MEDIA
        if service is None:
            reason = self._absent(Service.MEDIA)
            for key in ("media.profiles", "media.service"):
                self.sheet.fail(key, self._absent_status(), "tds:GetServices", reason)
        else:
            services_fact = self.sheet.facts.get("services")
            self.sheet.ok("media.service", "media2" if service is Service.MEDIA2 else "media1",
                          services_fact.source if services_fact else "tds:GetServices",
                          services_fact.evidence if services_fact else None, reason=caveat)
        self.profiles_fact = self.sheet.facts.get("media.profiles")
        self._profiles_ready.set()
        ns = Service.MEDIA2.namespace if service is Service.MEDIA2 else Service.MEDIA.namespace
        px = "tr2" if service is Service.MEDIA2 else "trt"
        profiles = self.profiles
        caveat_p = None if profiles is not None else "profiles unknown, so each entry's `profiles` list is empty"
        reads: list[Awaitable[Any]] = [
            self._read_with(f"{px}:GetVideoEncoderConfigurations", "media.video_encoders",
                            lambda el: P.video_encoders(el, ns, profiles), caveat_p),
            self._read_with(f"{px}:GetAudioEncoderConfigurations", "media.audio_encoders",
                            lambda el: P.audio_encoders(el, ns, profiles), caveat_p),
            self.read("media.osd", f"{px}:GetOSDs", lambda el: P.osds(el, ns)),
        ]
        if m1:
            reads += [self.read("media.audio_sources", "trt:GetAudioSources", P.audio_sources),
                      self.read("media.audio_outputs", "trt:GetAudioOutputs", P.audio_outputs)]
        else:
            reads += [self.read("media.audio_sources", "tr2:GetAudioSourceConfigurations",
                                P.audio_source_configurations),
                      self.read("media.audio_outputs", "tr2:GetAudioOutputConfigurations",
                                P.audio_output_configurations)]
        if m2:
            reads.append(self.read("privacy.masks", "tr2:GetMasks", P.masks))
        else:
            self.sheet.fail("privacy.masks", self._absent_status(), "tr2:GetMasks",
                            "privacy masks are only readable through Media2, which the device does not offer"
                            if self.services_known else self._absent(Service.MEDIA2))
        await asyncio.gather(*reads)
        self.derive("media.max_resolution", ["media.video_encoders"], _max_resolution)
        self.derive("media.osd_datetime", ["media.osd"], _osd_datetime)
        self.derive("media.audio_in_profiles", ["media.profiles"],
                    lambda ps: [p["token"] for p in ps if p.get("audio_encoder")])

    async def _read_with(self, op: str, key: str, parse: Callable[[Element], Any], reason: str | None) -> None:
        self.sheet.start(key)
        self.record(key, op, await self.call(op), parse, reason=reason)

    async def _wait_profiles(self) -> list[dict[str, Any]] | None:
        await self._profiles_ready.wait()
        return self.profiles

    def _profiles_failed(self) -> str:
        f = self.profiles_fact
        return f"media.profiles is {f.status}: {f.reason}" if f else "media.profiles was not read"

    # ---------------------------------------------------------------- ptz

    async def ptz(self) -> None:
        """PTZ from every source: GetServices, GetCapabilities, the profiles' PTZ configurations, and the PTZ
        service itself (GetNodes, GetConfigurations). Absent only when all of them agree; presets and tours
        are asked through each profile's PTZ configuration even when GetNodes is refused."""
        keys = ("ptz.nodes", "ptz.present", "ptz.presets", "ptz.tours")
        self.sheet.start(*keys)
        self.sheet.fail("ptz.auto_tracking", FactStatus.NOT_PROBED, "tptz:GetConfigurations",
                        "ONVIF defines no standard auto-tracking setting; vendor extensions are not read")
        profiles = await self._wait_profiles()
        by_config: dict[str, str] = {}  # PTZ configuration token -> a profile that uses it
        for p in profiles or []:
            if p.get("ptz"):
                by_config.setdefault(p["ptz"], p["token"])
        hints = [what for what, shown in (
            ("tds:GetServices lists a PTZ service", self.listed is not None and Service.PTZ in self.listed),
            ("tds:GetCapabilities lists PTZ", self.capable is not None and Service.PTZ in self.capable),
            (f"media profiles carry PTZ configuration {', '.join(sorted(by_config))}", bool(by_config))) if shown]
        if not hints:
            why = self.absence(Service.PTZ)
            if why is not None and profiles is not None:
                self.mark_absent(keys, Service.PTZ, f"{why}, and no media profile has a PTZ configuration",
                                 also=", media profiles")
                return
            unknown = why is None and f"PTZ presence unknown: {self._absent(Service.PTZ)}" or \
                f"PTZ presence unknown: {why}, but {self._profiles_failed()}"
            for key in keys:
                self.sheet.fail(key, self._absent_status() if profiles is not None else FactStatus.NOT_PROBED,
                                FACT_CATALOGUE[key].source, unknown)
            return
        note = None
        silent = [src for src, says_no in (
            ("tds:GetServices", self.listed is not None and Service.PTZ not in self.listed),
            ("tds:GetCapabilities", self.capable is not None and Service.PTZ not in self.capable),
            ("the media profiles", profiles is not None and not by_config)) if says_no]
        if silent:
            note = (f"sources disagree: {'; '.join(hints)}; {' and '.join(silent)} "
                    f"{'shows' if len(silent) == 1 else 'show'} none: read anyway")
        if Service.PTZ not in self.urls:  # only the profiles name it: many devices serve every service at one URL
            self.urls[Service.PTZ] = self.device_xaddr
            note = f"{note}; PTZ asked at the device service address, which no service list names"
        self.conflicts[Service.PTZ] = note or ""
        node_out, config_out = await asyncio.gather(self.call("tptz:GetNodes"), self.call("tptz:GetConfigurations"))
        nodes = self.record("ptz.nodes", "tptz:GetNodes", node_out, P.ptz_nodes)
        configs: list[str] | None = None
        if isinstance(config_out, Reply):
            try:
                configs = P.ptz_configuration_tokens(config_out.element)
            except DeviceError:
                configs = None
        tokens = list(by_config.values())
        await self._presets_and_tours(tokens, nodes, profiles)
        self._ptz_present(nodes, by_config, configs, note)

    async def _presets_and_tours(self, tokens: list[str], nodes: list[Any] | None,
                                 profiles: list[dict[str, Any]] | None) -> None:
        nodes_fact = self.sheet.facts["ptz.nodes"]
        if not tokens:
            for key in ("ptz.presets", "ptz.tours"):
                if nodes == []:
                    self.sheet.ok(key, [], FACT_CATALOGUE[key].source, nodes_fact.evidence,
                                  reason="the device reports no PTZ node and no profile has a PTZ configuration")
                elif profiles is None:
                    self.sheet.fail(key, FactStatus.NOT_PROBED, FACT_CATALOGUE[key].source, self._profiles_failed())
                else:
                    self.sheet.fail(key, FactStatus.NOT_PROBED, FACT_CATALOGUE[key].source,
                                    "no media profile has a PTZ configuration to ask with")
            return
        if len(tokens) > MAX_FANOUT:
            for key in ("ptz.presets", "ptz.tours"):
                self.sheet.fail(key, FactStatus.ERROR, FACT_CATALOGUE[key].source,
                                f"{len(tokens)} PTZ configurations; more than the {MAX_FANOUT} camaudit asks about")
            return
        # Presets and tours belong to the PTZ configuration: ask through one profile per configuration.
        presets = [(t, self.call("tptz:GetPresets", (("ProfileToken", t),))) for t in tokens]
        tours = [(t, self.call("tptz:GetPresetTours", (("ProfileToken", t),))) for t in tokens]
        outs = await asyncio.gather(*(c for _, c in presets + tours))
        n = len(tokens)
        self.merge("ptz.presets", "tptz:GetPresets",
                   [(f"profile {t}", o) for t, o in zip(tokens, outs[:n], strict=True)], P.ptz_presets,
                   dedupe="token")
        self.merge("ptz.tours", "tptz:GetPresetTours",
                   [(f"profile {t}", o) for t, o in zip(tokens, outs[n:], strict=True)], P.ptz_tours,
                   dedupe="token")

    def _ptz_present(self, nodes: list[Any] | None, by_config: dict[str, str], configs: list[str] | None,
                     note: str | None) -> None:
        """Present when any read shows a PTZ head; absent only when the PTZ service itself says none."""
        key, nodes_fact = "ptz.present", self.sheet.facts["ptz.nodes"]
        if nodes:
            self.sheet.ok(key, True, "tptz:GetNodes", nodes_fact.evidence, reason=note)
        elif by_config:
            self.sheet.ok(key, True, "tr2:GetProfiles" if self.sheet.facts.get("media.service", NOT_READ).value
                          == "media2" else "trt:GetProfiles", self.profiles_fact.evidence if self.profiles_fact
                          else None, reason="; ".join(x for x in (
                              f"media profiles carry PTZ configuration {', '.join(sorted(by_config))}",
                              None if nodes_fact.ok else f"tptz:GetNodes {nodes_fact.status}: {nodes_fact.reason}",
                              note) if x))
        elif configs:
            self.sheet.ok(key, True, "tptz:GetConfigurations", reason="; ".join(x for x in (
                f"PTZ configurations {', '.join(configs)} exist", note) if x))
        elif nodes == [] and configs is not None:
            self.sheet.ok(key, False, "tptz:GetNodes", nodes_fact.evidence, reason="; ".join(x for x in (
                "the PTZ service reports no node and no configuration", note) if x))
        else:
            self.sheet.fail(key, nodes_fact.status if not nodes_fact.ok else FactStatus.ERROR, "tptz:GetNodes",
                            "; ".join(x for x in (f"ptz.nodes is {nodes_fact.status}: {nodes_fact.reason}"
                                                  if not nodes_fact.ok else "tptz:GetConfigurations failed",
                                                  note) if x), nodes_fact.evidence)

    # ---------------------------------------------------------------- recording, cloud, thermal

    async def recording(self) -> None:
        await asyncio.gather(
            self.read("recording.recordings", "trc:GetRecordings", P.recordings),
            self.read("recording.jobs", "trc:GetRecordingJobs", P.recording_jobs),
            self.read("recording.summary", "tse:GetRecordingSummary", P.recording_summary),
        )
        self.derive("recording.active", ["recording.jobs"], lambda jobs: any(j["mode"] == "Active" for j in jobs))
        await self.schedules()

    async def schedules(self) -> None:
        """The schedules the recording jobs name (tsc:GetSchedules, only those tokens): when a job records."""
        key, op = "recording.schedules", "tsc:GetSchedules"
        self.sheet.start(key)
        jobs = self.sheet.facts.get("recording.jobs")
        if jobs is None or not jobs.ok:
            status = jobs.status if jobs is not None and jobs.status is FactStatus.UNSUPPORTED else \
                FactStatus.NOT_PROBED
            self.sheet.fail(key, status, op, "recording.jobs was not read: which schedules they follow is unknown")
            return
        tokens = sorted({str(j["schedule"]) for j in jobs.value or [] if j.get("schedule")})[:MAX_FANOUT]
        if not tokens:
            self.sheet.ok(key, [], "derived from recording.jobs", reason="no recording job names a schedule")
            return
        self.record(key, op, await self.call(op, tuple(("Token", t) for t in tokens)), P.schedules)

    async def cloud(self) -> None:
        await asyncio.gather(
            self.read("cloud.uplinks", "tup:GetUplinks", P.uplinks),
            self.read("cloud.event_brokers", "tev:GetEventBrokers", P.event_brokers),
        )

    async def thermal(self) -> None:
        self.sheet.start("thermal.radiometry", "thermal.configurations")
        why = self.absence(Service.THERMAL)
        if why is not None:
            self.mark_absent(("thermal.radiometry", "thermal.configurations"), Service.THERMAL, why)
            return
        await asyncio.gather(
            self.read("thermal.radiometry", "tth:GetServiceCapabilities", P.thermal_radiometry),
            self.read("thermal.configurations", "tth:GetConfigurations", P.thermal_configurations),
        )

    # ---------------------------------------------------------------- analytics

    async def analytics(self) -> None:
        keys = ("analytics.modules", "analytics.rules", "analytics.supported_modules", "analytics.biometric")
        self.sheet.start(*keys)
        try:
            await self._analytics(keys[:3])
        finally:
            if "analytics.biometric" not in self.sheet.facts:
                self.derive("analytics.biometric", ["analytics.modules", "analytics.rules"], _biometric)

    async def _analytics(self, keys: tuple[str, ...]) -> None:
        profiles = await self._wait_profiles()
        tokens = sorted({p["analytics"] for p in profiles or [] if p.get("analytics")})
        if Service.ANALYTICS not in self.urls:
            why = self.absence(Service.ANALYTICS)
            if why is not None and profiles is not None and not tokens:
                self.mark_absent((*keys, "analytics.biometric"), Service.ANALYTICS,
                                 f"{why}, and no media profile has an analytics configuration", also=", media profiles")
                return
            if not tokens:
                for key in keys:
                    self.sheet.fail(key, self._absent_status() if profiles is not None else FactStatus.NOT_PROBED,
                                    FACT_CATALOGUE[key].source, self._absent(Service.ANALYTICS)
                                    if profiles is not None else self._profiles_failed())
                return
            # only the profiles name it: many devices serve every service at one URL
            self.urls[Service.ANALYTICS] = self.device_xaddr
            self.conflicts[Service.ANALYTICS] = (
                f"sources disagree: media profiles carry analytics configuration {', '.join(tokens)} but no "
                "service list names an analytics service; asked at the device service address")
        source_note = None
        if not tokens:
            # No profile references an analytics configuration: ask the media service for all of them.
            op = ("tr2:GetAnalyticsConfigurations" if self.sheet.facts.get("media.service", Fact(
                status=FactStatus.NOT_PROBED)).value == "media2" else "trt:GetVideoAnalyticsConfigurations")
            ns = Service.MEDIA2.namespace if op.startswith("tr2") else Service.MEDIA.namespace
            out = await self.call(op)
            if isinstance(out, DeviceError):
                why = f"no analytics configuration in the profiles, and {op} failed: {out}"
                for key in keys:
                    self.sheet.fail(key, status_of(out) if profiles is not None else FactStatus.NOT_PROBED,
                                    FACT_CATALOGUE[key].source,
                                    why if profiles is not None else self._profiles_failed())
                return
            try:
                tokens = P.analytics_configuration_tokens(out.element, ns)
            except DeviceError as exc:
                for key in keys:
                    self.sheet.fail(key, FactStatus.ERROR, op, str(exc), evidence_of(op, out))
                return
            source_note = f"configuration tokens from {op}"
        if not tokens:
            for key in keys:
                self.sheet.ok(key, [], FACT_CATALOGUE[key].source, reason="the device has no analytics configuration")
            return
        if len(tokens) > MAX_FANOUT:
            for key in keys:
                self.sheet.fail(key, FactStatus.ERROR, FACT_CATALOGUE[key].source,
                                f"{len(tokens)} analytics configurations; more than the {MAX_FANOUT} camaudit "
                                "asks about")
            return
        ops: tuple[tuple[str, str, Callable[[Element], list[Any]]], ...] = (
               ("analytics.supported_modules", "tan:GetSupportedAnalyticsModules", P.supported_analytics_modules),
               ("analytics.modules", "tan:GetAnalyticsModules", P.analytics_modules),
               ("analytics.rules", "tan:GetRules", P.analytics_rules))
        calls = [self.call(op, (("ConfigurationToken", t),)) for _, op, _ in ops for t in tokens]
        outs = await asyncio.gather(*calls)
        n = len(tokens)
        for i, (key, op, parse) in enumerate(ops):
            chunk = outs[i * n:(i + 1) * n]
            self.merge(key, op, [(f"configuration {t}", o) for t, o in zip(tokens, chunk, strict=True)], parse)
            if source_note and key in self.sheet.facts and self.sheet.facts[key].ok:
                f = self.sheet.facts[key]
                self.sheet.facts[key] = f.model_copy(update={"reason": source_note})


def _a(service: Service) -> str:
    name = "PTZ" if service is Service.PTZ else service.name.lower()
    return f"an {name}" if name[0] in "aeiou" else f"a {name}"


def _max_resolution(encoders: list[dict[str, Any]]) -> dict[str, int] | None:
    if not encoders:
        return None
    best = max(encoders, key=lambda e: (e["width"] * e["height"], e["width"]))
    return {"width": best["width"], "height": best["height"]}


def _osd_datetime(osds: list[dict[str, Any]]) -> bool:
    """A date-and-time overlay: one DateAndTime text OSD, or a Date and a Time one."""
    kinds = {o.get("text_type") for o in osds if o.get("type") == "Text"}
    return "DateAndTime" in kinds or {"Date", "Time"} <= kinds


def _biometric(modules: list[dict[str, Any]] | None, rules: list[dict[str, Any]] | None) -> list[str]:
    kinds = [m["type"] for m in (modules or []) + (rules or []) if m.get("type")]
    return sorted({k for k in kinds if is_biometric(k)})
