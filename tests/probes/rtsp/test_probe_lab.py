"""The RTSP probe against the lab's RTSP server over real sockets: every auth mode, audio on/off, bounds."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
import pytest_asyncio

from lab.model import Fleet
from lab.server import RunningFleet, run_fleet
from probes.discovery.model import DiscoveredDevice
from probes.facts import DeviceFacts, Fact, FactStatus
from probes.factvalues import plain
from probes.onvif import OnvifReader
from probes.rtsp import probe_device
from probes.rtsp._client import ForbiddenMethod, RtspConnection

pytestmark = pytest.mark.asyncio(loop_scope="module")

ADMIN = {"admin": {"password": "pw", "level": "Administrator"}}
AUDIO_PROFILE = {"profiles": [{"token": "main", "audio": {"encoding": "G711"}}, {"token": "sub"}]}
CAMERAS = {
    "anonymous": {"rtsp": {"enabled": True, "auth": "anonymous"}},
    "basic": {"rtsp": {"enabled": True, "auth": "basic"}},
    "digest": {"rtsp": {"enabled": True, "auth": "digest"}, "media": AUDIO_PROFILE},
    "both": {"rtsp": {"enabled": True, "auth": "digest+basic", "audio": "off"}, "media": AUDIO_PROFILE},
    "hidden-mic": {"rtsp": {"enabled": True, "auth": "digest", "audio": "on"}},
    "no-rtsp": {},
    # stream URIs through Media1 (trt:GetStreamUri with a StreamSetup): no Media2 at all, or a Media2 without it
    "media1-only": {"rtsp": {"enabled": True, "auth": "digest"}, "media": AUDIO_PROFILE,
                    "services": ["device", "media", "imaging", "events", "deviceio"]},
    "media2-without-uris": {"rtsp": {"enabled": True, "auth": "digest"},
                            "misbehaviour": [{"mode": "action_not_supported", "operations": ["tr2:GetStreamUri"]}]},
}


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def fleet() -> AsyncIterator[RunningFleet]:
    spec = Fleet.model_validate({"cameras": [{"name": name, "address": "127.0.0.1", "port": 0,
                                              "auth": {"users": ADMIN}, **extra}
                                             for name, extra in CAMERAS.items()]})
    async with run_fleet(spec, port_override=0) as running:
        yield running


async def _sheet(running: RunningFleet, name: str) -> DeviceFacts:
    cam = running.camera(name)
    async with OnvifReader(username="admin", password="pw") as reader:
        return await reader.read(DiscoveredDevice(addresses=[cam.address], xaddrs=[cam.xaddr]))


async def _probe(running: RunningFleet, name: str, creds: tuple[str, str] | None = ("admin", "pw")) \
        -> dict[str, Fact]:
    cam = running.camera(name)
    if cam.rtsp is not None:
        cam.rtsp.requests.clear()
    sheet = await _sheet(running, name)
    return await probe_device(sheet, creds, timeout_s=3, deadline_s=10, max_reply_bytes=64 * 1024)


def _only_reads(running: RunningFleet, name: str) -> list[Any]:
    requests = running.camera(name).rtsp.requests
    assert {r.method for r in requests} <= {"OPTIONS", "DESCRIBE"}
    assert not [r for r in requests if r.authorization == "Basic"], "Basic sent over plain RTSP"
    return requests


async def test_anonymous_stream_is_seen_and_described(fleet: RunningFleet) -> None:
    facts = await _probe(fleet, "anonymous", creds=None)
    auth = plain(facts["rtsp.auth"].value)
    assert len(auth["anonymous_streams"]) == 2 and auth["schemes"] == []
    assert facts["rtsp.server"].value.answers is True
    assert [m["width"] for s in plain(facts["rtsp.streams"].value) for m in s["media"]] == [1920, 640]
    assert plain(facts["media.audio_streamed"].value) is False
    assert [r.method for r in _only_reads(fleet, "anonymous")] == ["OPTIONS", "DESCRIBE", "DESCRIBE"]


async def test_basic_only_is_recorded_and_never_answered(fleet: RunningFleet) -> None:
    facts = await _probe(fleet, "basic")
    auth = plain(facts["rtsp.auth"].value)
    assert auth == {"anonymous_streams": [], "schemes": ["basic"], "basic_in_clear": True,
                    "credentials_accepted": None}
    assert facts["rtsp.streams"].status is FactStatus.DENIED
    assert facts["media.audio_streamed"].status is FactStatus.DENIED  # no SDP read: sound unknown, not "off"
    assert all(r.authorization is None for r in _only_reads(fleet, "basic"))


async def test_digest_login_reads_the_sdp_and_compares_audio(fleet: RunningFleet) -> None:
    facts = await _probe(fleet, "digest")
    assert plain(facts["rtsp.auth"].value)["credentials_accepted"] is True
    assert plain(facts["rtsp.auth"].value)["anonymous_streams"] == []
    assert plain(facts["media.audio_streamed"].value) is True
    assert plain(facts["rtsp.audio_matches_profiles"].value) == [
        {"profile": "main", "configured": True, "streamed": True},
        {"profile": "sub", "configured": False, "streamed": False}]
    assert [r.authorization for r in _only_reads(fleet, "digest")] == [None, None, "Digest", None, "Digest"]


async def test_configured_audio_missing_from_the_stream_is_reported(fleet: RunningFleet) -> None:
    facts = await _probe(fleet, "both")
    assert plain(facts["rtsp.auth"].value)["schemes"] == ["basic", "digest"]
    assert plain(facts["rtsp.auth"].value)["basic_in_clear"] is True
    assert plain(facts["media.audio_streamed"].value) is False
    assert facts["rtsp.audio_matches_profiles"].reason == "disagree for main"
    _only_reads(fleet, "both")


async def test_sound_without_an_encoder_is_seen(fleet: RunningFleet) -> None:
    facts = await _probe(fleet, "hidden-mic")
    assert plain(facts["media.audio_streamed"].value) is True
    assert {r["streamed"] and not r["configured"] for r in plain(facts["rtsp.audio_matches_profiles"].value)} == {True}


async def test_wrong_password_costs_one_attempt_per_scheme(fleet: RunningFleet) -> None:
    facts = await _probe(fleet, "digest", creds=("admin", "wrong"))
    assert plain(facts["rtsp.auth"].value)["credentials_accepted"] is False
    assert facts["rtsp.streams"].status is FactStatus.DENIED
    logins = [r for r in _only_reads(fleet, "digest") if r.authorization]
    assert len(logins) == 1 and not logins[0].authenticated


async def test_no_listener_means_no_stream_to_watch(fleet: RunningFleet) -> None:
    facts = await _probe(fleet, "no-rtsp")
    assert facts["rtsp.server"].ok and plain(facts["rtsp.server"].value)["answers"] is False
    assert {facts[k].status for k in ("rtsp.auth", "rtsp.streams", "media.audio_streamed")} == \
        {FactStatus.UNSUPPORTED}


async def test_uri_naming_another_host_is_sent_to_the_device_itself(fleet: RunningFleet) -> None:
    sheet = await _sheet(fleet, "anonymous")
    port = fleet.camera("anonymous").rtsp.port
    uris = [{"profile": "Profile_1", "uri": f"rtsp://user:pw@198.51.100.7:{port}/onvif/stream/Profile_1"}]
    sheet.facts = {**sheet.facts, "media.stream_uris": Fact.observed(uris, "tr2:GetStreamUri")}
    facts = await probe_device(sheet, None, timeout_s=3, deadline_s=10, max_reply_bytes=64 * 1024)
    [stream] = plain(facts["rtsp.streams"].value)
    assert stream["uri"] == f"rtsp://198.51.100.7:{port}/onvif/stream/Profile_1"  # credentials dropped
    assert fleet.camera("anonymous").rtsp.requests[-1].uri.startswith(f"rtsp://127.0.0.1:{port}/")


async def test_a_media1_only_camera_gets_stream_uris_and_rtsp_facts(fleet: RunningFleet) -> None:
    cam = fleet.camera("media1-only")
    cam.requests.clear()
    sheet = await _sheet(fleet, "media1-only")
    uris = sheet.get("media.stream_uris")
    assert uris.ok and uris.source == "trt:GetStreamUri" and uris.reason is None, uris
    port = cam.rtsp.port
    assert plain(uris.value) == [{"profile": p, "uri": f"rtsp://127.0.0.1:{port}/onvif/stream/{p}"}
                                 for p in ("main", "sub")]
    assert cam.received.count("trt:GetStreamUri") == 2 and "tr2:GetStreamUri" not in cam.received  # one per profile
    facts = await probe_device(sheet, ("admin", "pw"), timeout_s=3, deadline_s=10, max_reply_bytes=64 * 1024)
    assert [s["uri"] for s in plain(facts["rtsp.streams"].value)] == [u["uri"] for u in plain(uris.value)]
    assert plain(facts["media.audio_streamed"].value) is True  # the main profile's G711 is in its SDP
    assert plain(facts["rtsp.audio_matches_profiles"].value) == [
        {"profile": "main", "configured": True, "streamed": True},
        {"profile": "sub", "configured": False, "streamed": False}]


async def test_media2_without_get_stream_uri_falls_back_to_media1(fleet: RunningFleet) -> None:
    cam = fleet.camera("media2-without-uris")
    cam.requests.clear()
    sheet = await _sheet(fleet, "media2-without-uris")
    uris = sheet.get("media.stream_uris")
    assert uris.ok and uris.source == "trt:GetStreamUri", uris
    assert uris.reason is not None and uris.reason.startswith("tr2:GetStreamUri failed (") and \
        uris.reason.endswith("); read through Media1")
    assert len(plain(uris.value)) == 2
    assert cam.received.count("tr2:GetStreamUri") == 1  # asked once, for the first profile only
    assert cam.received.count("trt:GetStreamUri") == 2
    facts = await probe_device(sheet, ("admin", "pw"), timeout_s=3, deadline_s=10, max_reply_bytes=64 * 1024)
    assert facts["rtsp.streams"].ok and len(plain(facts["rtsp.streams"].value)) == 2


# ---------------------------------------------------------------- bounds (a misbehaving server)

async def _server(reply: Callable[[asyncio.StreamWriter], Awaitable[None]]) -> asyncio.Server:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        await reply(writer)

    return await asyncio.start_server(handle, "127.0.0.1", 0)


def _device(port: int) -> DeviceFacts:
    uris = [{"profile": "p", "uri": f"rtsp://127.0.0.1:{port}/s"}]
    return DeviceFacts(device_id="t", address="127.0.0.1", facts={
        "media.stream_uris": Fact.observed(uris, "tr2:GetStreamUri")})


async def test_a_silent_server_costs_the_timeout_not_the_scan() -> None:
    async def silent(writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(30)

    server = await _server(silent)
    async with server:
        port = server.sockets[0].getsockname()[1]
        facts = await probe_device(_device(port), None, timeout_s=0.3, deadline_s=5, max_reply_bytes=4096)
    assert facts["rtsp.server"].status is FactStatus.ERROR
    assert "no reply within 0.3 s" in (facts["rtsp.server"].reason or "")


async def test_an_oversized_description_is_refused() -> None:
    async def huge(writer: asyncio.StreamWriter) -> None:
        writer.write(b"RTSP/1.0 200 OK\r\nCSeq: 1\r\nContent-Length: 99999999\r\n\r\n")
        await writer.drain()

    server = await _server(huge)
    async with server:
        port = server.sockets[0].getsockname()[1]
        facts = await probe_device(_device(port), None, timeout_s=1, deadline_s=5, max_reply_bytes=4096)
    assert "larger than the 4096-byte cap" in (facts["rtsp.server"].reason or "")


async def test_a_dripping_server_hits_the_device_deadline() -> None:
    async def drip(writer: asyncio.StreamWriter) -> None:
        writer.write(b"RTSP/1.0 200 OK\r\n")
        for _ in range(100):
            writer.write(b"X-Drip: 1\r\n")
            await writer.drain()
            await asyncio.sleep(0.05)

    server = await _server(drip)
    async with server:
        port = server.sockets[0].getsockname()[1]
        facts = await probe_device(_device(port), None, timeout_s=10, deadline_s=0.5, max_reply_bytes=4096)
    assert facts["rtsp.server"].status is FactStatus.ERROR and "deadline" in (facts["rtsp.server"].reason or "")


async def test_setup_and_play_cannot_be_sent() -> None:
    conn = RtspConnection("127.0.0.1", 9, tls=False, timeout_s=1, max_reply_bytes=1024)
    for method in ("SETUP", "PLAY", "ANNOUNCE", "RECORD", "SET_PARAMETER"):
        with pytest.raises(ForbiddenMethod):
            await conn.request(method, "rtsp://127.0.0.1:9/")


async def test_without_stream_uris_the_rtsp_port_of_network_protocols_is_the_target() -> None:
    """No media.stream_uris (the read failed): the typed network.protocols entry names the port (it once crashed
    the whole scan reading the models as dicts)."""
    from probes import factvalues as fv
    from probes.rtsp._probe import stream_targets

    protocols = [fv.network.NetworkProtocol(name="HTTP", enabled=True, ports=(80,)),
                 fv.network.NetworkProtocol(name="rtsp", enabled=True, ports=(8554,))]
    sheet = DeviceFacts(device_id="addr:127.0.0.1:80", address="127.0.0.1", facts={
        "network.protocols": Fact.observed(protocols, "tds:GetNetworkProtocols"),
        "media.stream_uris": Fact.failed(FactStatus.ERROR, "tr2:GetStreamUri", "deadline")})
    targets, why = stream_targets(sheet)
    assert why is None and [t.uri for t in targets] == ["rtsp://127.0.0.1:8554/"]
    off = sheet.model_copy(update={"facts": {**sheet.facts, "network.protocols": Fact.observed(
        [fv.network.NetworkProtocol(name="RTSP", enabled=False, ports=(554,))], "tds:GetNetworkProtocols")}})
    assert stream_targets(off)[0] == []
