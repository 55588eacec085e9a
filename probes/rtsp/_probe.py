"""The RTSP read of one device: OPTIONS, then DESCRIBE per stream URI, first without credentials.

What it proves: whether an RTSP server answers, whether a stream can be described (and so watched)
without a password, which authentication schemes the server offers, and what the streams carry
according to their SDP (video codec and size, whether sound is in the stream). Each URI is sent to
the device's own address whatever host the camera wrote into it, so the probe never leaves the scope.
Credentials go out only as Digest (Basic only over rtsps://), one attempt per scheme and device.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from probes import factvalues as fv
from probes.errors import DeviceError
from probes.facts import DeviceFacts, Evidence, Fact, FactStatus
from probes.factvalues.rtsp import AudioMatch, RtspAuth, RtspServer, StreamDescription
from probes.rtsp._auth import Challenge, digest_authorization, parse_challenges
from probes.rtsp._client import ConnectionRefused, Reply, RtspConnection
from probes.rtsp._sdp import parse_sdp

RTSP_FACTS = ("rtsp.server", "rtsp.auth", "rtsp.streams", "media.audio_streamed", "rtsp.audio_matches_profiles")
MAX_STREAMS = 8  # stream URIs described per device (profiles beyond it are listed as not probed)
DEFAULT_RTSP_PORT = 554


@dataclass(frozen=True, slots=True)
class Target:
    uri: str  # what we send: the camera's URI with the host replaced by the device's address
    given: str  # what the camera gave (userinfo removed)
    profile: str | None
    port: int
    tls: bool


@dataclass
class _Outcome:
    """What the probe saw for one device; turned into facts by `_facts`."""

    targets: list[Target]
    server: RtspServer | None = None
    server_error: DeviceError | None = None
    server_evidence: Evidence | None = None
    described: list[StreamDescription] = field(default_factory=list)
    failures: list[tuple[Target, FactStatus, str, Evidence | None]] = field(default_factory=list)
    challenges: list[Challenge] = field(default_factory=list)
    credentials_accepted: bool | None = None
    describe_evidence: Evidence | None = None


def stream_targets(device: DeviceFacts) -> tuple[list[Target], str | None]:
    """Stream URIs to describe (from `media.stream_uris`, else the RTSP port), or why there is none."""
    uris = device.value(fv.media.STREAM_URIS)
    targets: list[Target] = []
    if uris:
        for entry in uris:
            target = _target(device.address, entry.uri, entry.profile)
            if target is not None and all(t.uri != target.uri for t in targets):
                targets.append(target)
    if targets:
        return targets[:MAX_STREAMS], None
    port = _rtsp_port(device)
    if port is None:
        return [], f"media.stream_uris is {device.get('media.stream_uris').status} and no RTSP port is known"
    uri = f"rtsp://{_host(device.address)}:{port}/"
    return [Target(uri=uri, given=uri, profile=None, port=port, tls=False)], None


def _rtsp_port(device: DeviceFacts) -> int | None:
    for proto in device.value(fv.network.PROTOCOLS) or []:  # typed NetworkProtocol values, not dicts
        if proto.name.upper() == "RTSP" and proto.enabled and proto.ports:
            return int(proto.ports[0])
    if DEFAULT_RTSP_PORT in (device.value("network.open_ports") or []):
        return DEFAULT_RTSP_PORT
    return None


def _host(address: str) -> str:
    return f"[{address}]" if ":" in address else address


def _target(address: str, uri: str, profile: Any) -> Target | None:
    try:
        parts = urlsplit(uri)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("rtsp", "rtsps"):
        return None
    tls = scheme == "rtsps"
    port = port or (322 if tls else DEFAULT_RTSP_PORT)
    given = urlunsplit((parts.scheme, f"{_host(parts.hostname or '')}:{port}" if parts.hostname else "",
                        parts.path, parts.query, ""))
    sent = urlunsplit((scheme, f"{_host(address)}:{port}", parts.path or "/", parts.query, ""))
    return Target(uri=sent, given=given, profile=str(profile) if profile is not None else None, port=port, tls=tls)


class DeviceProbe:
    """The RTSP read of one address's streams; `run` never raises for the camera's misbehaviour."""

    def __init__(self, address: str, credentials: tuple[str, str] | None, *, timeout_s: float,
                 max_reply_bytes: int) -> None:
        self.address = address
        self.credentials = credentials
        self.timeout_s = timeout_s
        self.max_reply_bytes = max_reply_bytes
        self.tried: set[str] = set()  # schemes whose one attempt was spent

    async def run(self, targets: list[Target]) -> _Outcome:
        out = _Outcome(targets=targets)
        by_port: dict[tuple[int, bool], list[Target]] = {}
        for target in targets:
            by_port.setdefault((target.port, target.tls), []).append(target)
        for (port, tls), group in by_port.items():
            conn = RtspConnection(self.address, port, tls=tls, timeout_s=self.timeout_s,
                                  max_reply_bytes=self.max_reply_bytes)
            try:
                if not await self._options(conn, group[0], out):
                    for target in group:
                        out.failures.append((target, FactStatus.UNSUPPORTED, "no RTSP server answers", None))
                    continue
                for target in group:
                    await self._describe(conn, target, out)
            finally:
                await conn.close()
        return out

    async def _options(self, conn: RtspConnection, target: Target, out: _Outcome) -> bool:
        try:
            reply = await conn.request("OPTIONS", target.uri)
        except ConnectionRefused as exc:
            if out.server is None:
                out.server = RtspServer(answers=False, port=target.port, tls=target.tls, note=str(exc))
            return False
        except DeviceError as exc:
            out.server_error = out.server_error or exc
            return False
        if out.server is None or not out.server.answers:
            methods = [m.strip().upper() for m in (reply.header("Public") or "").split(",") if m.strip()]
            out.server = RtspServer(answers=True, port=target.port, tls=target.tls, server=reply.header("Server"),
                                    methods=methods)
            out.server_evidence = _evidence("rtsp:OPTIONS", reply)
        if reply.status == 401:  # some servers protect OPTIONS too
            out.challenges += parse_challenges(reply.all("WWW-Authenticate"))
        return True

    async def _describe(self, conn: RtspConnection, target: Target, out: _Outcome) -> None:
        try:
            reply = await conn.request("DESCRIBE", target.uri)
            anonymous = reply.status == 200
            if reply.status == 401:
                challenges = parse_challenges(reply.all("WWW-Authenticate"))
                out.challenges += challenges
                reply = await self._login(conn, target, challenges, reply, out)
        except DeviceError as exc:
            out.failures.append((target, FactStatus.ERROR, f"DESCRIBE {target.given}: {exc}", None))
            return
        evidence = _evidence("rtsp:DESCRIBE", reply)
        out.describe_evidence = out.describe_evidence or evidence
        if reply.status != 200:
            status = FactStatus.DENIED if reply.status == 401 else FactStatus.ERROR
            out.failures.append((target, status, f"DESCRIBE {target.given}: RTSP {reply.status} {reply.reason}"
                                 .rstrip(), evidence))
            return
        try:
            media = parse_sdp(reply.body.decode("utf-8", errors="replace"))
        except DeviceError as exc:
            out.failures.append((target, FactStatus.ERROR, f"DESCRIBE {target.given}: {exc}", evidence))
            return
        out.described.append(StreamDescription(uri=target.given, profile=target.profile, anonymous=anonymous,
                                               media=media))

    async def _login(self, conn: RtspConnection, target: Target, challenges: list[Challenge], refused: Reply,
                     out: _Outcome) -> Reply:
        """One Digest attempt (Basic only inside TLS); the 401 stands when no scheme may be tried."""
        if self.credentials is None:
            return refused
        username, password = self.credentials
        for challenge in challenges:
            scheme = challenge.scheme
            if scheme == "digest":
                header = digest_authorization(challenge, "DESCRIBE", target.uri, username, password)
            elif scheme == "basic" and target.tls:
                import base64

                header = "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()
            else:
                continue
            if scheme in self.tried and out.credentials_accepted is not True:
                return refused  # its one attempt was refused on another stream: no second failure
            self.tried.add(scheme)
            reply = await conn.request("DESCRIBE", target.uri, {"Authorization": header})
            out.credentials_accepted = reply.status == 200 or bool(out.credentials_accepted)
            return reply
        return refused


def _evidence(operation: str, reply: Reply) -> Evidence:
    return Evidence.from_reply(operation, reply.raw_head + reply.body)


def outcome_facts(out: _Outcome) -> dict[str, Fact]:
    """The RTSP facts of one device from what its probe saw."""
    facts: dict[str, Fact] = {}
    if out.server is not None and not out.server.answers and not out.described and out.server_error is None:
        why = f"no RTSP server answers at the stream URIs ({out.server.note})"
        facts["rtsp.server"] = Fact.observed(out.server, "rtsp:OPTIONS")
        for key in RTSP_FACTS[1:]:
            facts[key] = Fact.failed(FactStatus.UNSUPPORTED, "rtsp:OPTIONS", why)
        return facts
    if out.server is not None:
        facts["rtsp.server"] = Fact.observed(out.server, "rtsp:OPTIONS", out.server_evidence)
    else:
        facts["rtsp.server"] = Fact.failed(FactStatus.ERROR, "rtsp:OPTIONS", str(out.server_error or "no answer"))
    facts["rtsp.auth"] = _auth_fact(out)
    facts["rtsp.streams"] = _streams_fact(out)
    facts["media.audio_streamed"] = _audio_fact(out, facts["rtsp.streams"])
    return facts


def _schemes(challenges: Iterable[Challenge]) -> list[str]:
    return sorted({c.scheme for c in challenges})


def _auth_fact(out: _Outcome) -> Fact:
    if not out.described and not any(f[1] is FactStatus.DENIED for f in out.failures):
        reason = "; ".join(f[2] for f in out.failures) or "no DESCRIBE answered"
        return Fact.failed(FactStatus.ERROR, "rtsp:DESCRIBE", reason)
    schemes = _schemes(out.challenges)
    plain = any(not t.tls for t in out.targets)
    value = RtspAuth(anonymous_streams=[d.uri for d in out.described if d.anonymous], schemes=schemes,
                     basic_in_clear="basic" in schemes and plain, credentials_accepted=out.credentials_accepted)
    unknown = [f[2] for f in out.failures if f[1] is not FactStatus.DENIED]
    return Fact(status=FactStatus.OK, value=value, source="rtsp:DESCRIBE",
                evidence=out.describe_evidence,
                reason=f"not every stream answered: {'; '.join(unknown)}" if unknown else None)


def _streams_fact(out: _Outcome) -> Fact:
    if out.failures:
        worst = max(out.failures, key=lambda f: _SEVERITY[f[1]])
        reasons = "; ".join(f[2] for f in out.failures)
        return Fact.failed(worst[1], "rtsp:DESCRIBE", reasons, worst[3] or out.describe_evidence)
    return Fact.observed(list(out.described), "rtsp:DESCRIBE", out.describe_evidence)


_SEVERITY = {FactStatus.UNSUPPORTED: 0, FactStatus.NOT_PROBED: 1, FactStatus.DENIED: 2, FactStatus.ERROR: 3}


def _audio_fact(out: _Outcome, streams: Fact) -> Fact:
    """Sound in any described stream proves it is streamed; "no sound" needs every stream described."""
    with_audio = [d.uri for d in out.described if d.audio]
    if with_audio:
        return Fact(status=FactStatus.OK, value=True, source="rtsp:DESCRIBE", evidence=out.describe_evidence,
                    reason=f"audio track in the SDP of {', '.join(with_audio)}")
    if not streams.ok:
        return Fact.failed(streams.status, "derived from rtsp.streams", f"rtsp.streams is {streams.status}: "
                           f"{streams.reason}", streams.evidence)
    return Fact.observed(False, "rtsp:DESCRIBE", out.describe_evidence)


def audio_comparison(device: DeviceFacts, facts: dict[str, Fact]) -> Fact:
    """`rtsp.audio_matches_profiles`: per profile, an audio encoder configured vs sound in its stream's SDP."""
    streams, profiles = facts.get("rtsp.streams"), device.get("media.profiles")
    source = "derived from media.profiles, rtsp.streams"
    if streams is None or not streams.ok or not profiles.ok:
        bad = streams if streams is not None and not streams.ok else profiles
        status = bad.status if bad is not None and bad.status is not FactStatus.OK else FactStatus.NOT_PROBED
        return Fact.failed(status, source, "needs media.profiles and rtsp.streams: "
                           f"{bad.reason if bad is not None else 'not read'}")
    configured = {p.token: bool(p.audio_encoder) for p in device.value(fv.media.PROFILES) or []}
    described_streams: list[StreamDescription] = streams.value or []
    rows = [AudioMatch(profile=d.profile, configured=configured[d.profile], streamed=d.audio)
            for d in described_streams if d.profile is not None and d.profile in configured]
    mismatched = [r for r in rows if r.configured != r.streamed]
    return Fact(status=FactStatus.OK, value=rows, source=source, evidence=streams.evidence,
                reason=("disagree for " + ", ".join(r.profile for r in mismatched)) if mismatched else None)


async def probe_device(device: DeviceFacts, credentials: tuple[str, str] | None, *, timeout_s: float,
                       deadline_s: float, max_reply_bytes: int) -> dict[str, Fact]:
    """Every RTSP fact of `device` (never raises for the device's misbehaviour)."""
    targets, why_not = stream_targets(device)
    if not targets:
        return not_probed(why_not)
    out = await probe_streams(device.address, targets, credentials, timeout_s=timeout_s, deadline_s=deadline_s,
                              max_reply_bytes=max_reply_bytes)
    return device_facts(device, out, deadline_s)


def not_probed(why_not: str | None) -> dict[str, Fact]:
    return {key: Fact.failed(FactStatus.NOT_PROBED, "rtsp", why_not or "nothing to probe") for key in RTSP_FACTS}


async def probe_streams(address: str, targets: list[Target], credentials: tuple[str, str] | None, *,
                        timeout_s: float, deadline_s: float, max_reply_bytes: int) -> _Outcome | None:
    """What the RTSP server at `address` said about `targets`; None when the deadline was hit."""
    probe = DeviceProbe(address, credentials, timeout_s=timeout_s, max_reply_bytes=max_reply_bytes)
    try:
        async with asyncio.timeout(deadline_s):
            return await probe.run(targets)
    except TimeoutError:
        return None


def device_facts(device: DeviceFacts, out: _Outcome | None, deadline_s: float) -> dict[str, Fact]:
    """`device`'s RTSP facts from a probe's outcome (None: its deadline was hit)."""
    if out is None:
        return {key: Fact.failed(FactStatus.ERROR, "rtsp", f"RTSP probe deadline of {deadline_s:g} s hit")
                for key in RTSP_FACTS}
    facts = outcome_facts(out)
    facts["rtsp.audio_matches_profiles"] = facts.get("rtsp.audio_matches_profiles") \
        or audio_comparison(device, facts)
    return facts
