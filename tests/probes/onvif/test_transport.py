"""Auth negotiation and transport safety against a tiny purpose-built SOAP server (real sockets).

The lab covers the standard behaviours; this server counts exactly what a camera's
account-lockout policy would count (requests that carried credentials), and plays
a skewed clock and a redirect.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
import pytest_asyncio
from aiohttp import web

from probes import clock
from probes import factvalues as fv
from probes.discovery.model import DiscoveredDevice
from probes.facts import FactStatus
from probes.factvalues import plain
from probes.onvif import OnvifReader
from probes.onvif._allowlist import ForbiddenOperation
from probes.onvif._soap import build_envelope

ENV = ('<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:tt="http://www.onvif.org/ver10/schema"'
       ' xmlns:tds="http://www.onvif.org/ver10/device/wsdl" xmlns:ter="http://www.onvif.org/ver10/error">'
       "<s:Body>{}</s:Body></s:Envelope>")
NOT_AUTH = ENV.format("<s:Fault><s:Code><s:Value>s:Sender</s:Value><s:Subcode><s:Value>ter:NotAuthorized</s:Value>"
                      "</s:Subcode></s:Code><s:Reason><s:Text xml:lang=\"en\">Sender not Authorized</s:Text>"
                      "</s:Reason></s:Fault>")
PRE_AUTH = {"GetSystemDateAndTime", "GetServices", "GetCapabilities", "GetHostname", "GetEndpointReference",
            "GetServiceCapabilities"}


@dataclass
class Stub:
    mode: str  # "wsut" (WS-UsernameToken only) | "digest" (HTTP Digest only) | "redirect" | "open" (no auth)
    password: str = "right"
    skew: timedelta = timedelta(0)
    credentialed: list[str] = field(default_factory=list)  # ops that carried credentials
    ops: list[str] = field(default_factory=list)
    paths: list[tuple[str, str]] = field(default_factory=list)  # (service prefix, URL path) per request
    nonce: str = "bm9uY2U="
    canned: dict[str, str] = field(default_factory=dict)  # op -> inner XML of the Body (overrides defaults)
    delay_s: float = 0.0
    inflight: int = 0
    max_inflight: int = 0

    def now(self) -> datetime:
        return clock.now() + self.skew

    async def handle(self, request: web.Request) -> web.Response:
        self.inflight += 1
        self.max_inflight = max(self.max_inflight, self.inflight)
        try:
            if self.delay_s:
                await asyncio.sleep(self.delay_s)
            return await self._handle(request)
        finally:
            self.inflight -= 1

    async def _handle(self, request: web.Request) -> web.Response:
        body = (await request.read()).decode()
        m = re.search(r"<s:Body><(\w+):(\w+)", body)
        assert m is not None
        op = m.group(2)
        self.ops.append(op)
        self.paths.append((m.group(1), request.path))
        if self.mode == "redirect":
            return web.Response(status=302, headers={"Location": "http://192.0.2.99/onvif/device_service"})
        has_wsse = "UsernameToken" in body
        auth_header = request.headers.get("Authorization", "")
        if has_wsse or auth_header:
            self.credentialed.append(op)
        if op in PRE_AUTH or self.mode == "open":
            return self.reply(op)
        if self.mode == "wsut":
            if has_wsse and self.ws_ok(body):
                return self.reply(op)
            return web.Response(status=400, text=NOT_AUTH, content_type="application/soap+xml")
        if auth_header and self.digest_ok(auth_header):
            return self.reply(op)
        return web.Response(status=401, headers={"WWW-Authenticate": f'Digest realm="cam", qop="auth", '
                                                                    f'nonce="{self.nonce}", algorithm=MD5'})

    def ws_ok(self, body: str) -> bool:
        nonce = base64.b64decode(re.search(r"<wsse:Nonce[^>]*>([^<]+)<", body).group(1))  # type: ignore[union-attr]
        created = re.search(r"<wsu:Created>([^<]+)<", body).group(1)  # type: ignore[union-attr]
        digest = re.search(r"<wsse:Password[^>]*>([^<]+)<", body).group(1)  # type: ignore[union-attr]
        when = datetime.fromisoformat(created)
        if abs((when - self.now()).total_seconds()) > 5:
            return False  # the camera's clock window, as real devices enforce it
        want = base64.b64encode(hashlib.sha1(nonce + created.encode() + self.password.encode()).digest()).decode()
        return want == digest

    def digest_ok(self, header: str) -> bool:
        p = dict(re.findall(r'(\w+)="?([^",]+)"?', header))
        ha1 = hashlib.md5(f"{p['username']}:cam:{self.password}".encode()).hexdigest()
        ha2 = hashlib.md5(f"POST:{p['uri']}".encode()).hexdigest()
        want = hashlib.md5(f"{ha1}:{p['nonce']}:{p['nc']}:{p['cnonce']}:auth:{ha2}".encode()).hexdigest()
        return want == p.get("response")

    def reply(self, op: str) -> web.Response:
        if op in self.canned:
            if self.canned[op] == "unsupported":
                return self.unsupported()
            return web.Response(text=ENV.format(self.canned[op]), content_type="application/soap+xml")
        if op == "GetSystemDateAndTime":
            t = self.now()
            inner = (f"<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime><tt:DateTimeType>Manual"
                     f"</tt:DateTimeType><tt:DaylightSavings>false</tt:DaylightSavings><tt:UTCDateTime><tt:Time>"
                     f"<tt:Hour>{t.hour}</tt:Hour><tt:Minute>{t.minute}</tt:Minute><tt:Second>{t.second}"
                     f"</tt:Second></tt:Time><tt:Date><tt:Year>{t.year}</tt:Year><tt:Month>{t.month}</tt:Month>"
                     f"<tt:Day>{t.day}</tt:Day></tt:Date></tt:UTCDateTime></tds:SystemDateAndTime>"
                     f"</tds:GetSystemDateAndTimeResponse>")
        elif op == "GetDeviceInformation":
            inner = ("<tds:GetDeviceInformationResponse><tds:Manufacturer>Stub</tds:Manufacturer><tds:Model>S1"
                     "</tds:Model><tds:FirmwareVersion>1</tds:FirmwareVersion><tds:SerialNumber>SN1</tds:SerialNumber>"
                     "<tds:HardwareId>H</tds:HardwareId></tds:GetDeviceInformationResponse>")
        elif op == "GetUsers":
            inner = ("<tds:GetUsersResponse><tds:User><tt:Username>auditor</tt:Username><tt:UserLevel>Administrator"
                     "</tt:UserLevel></tds:User></tds:GetUsersResponse>")
        else:  # everything else: the device does not implement it
            return self.unsupported()
        return web.Response(text=ENV.format(inner), content_type="application/soap+xml")

    @staticmethod
    def unsupported() -> web.Response:
        return web.Response(status=500, content_type="application/soap+xml", text=ENV.format(
            "<s:Fault><s:Code><s:Value>s:Receiver</s:Value><s:Subcode><s:Value>ter:ActionNotSupported"
            "</s:Value></s:Subcode></s:Code><s:Reason><s:Text xml:lang=\"en\">no</s:Text></s:Reason></s:Fault>"))


@pytest_asyncio.fixture
async def serve() -> AsyncIterator[object]:
    runners: list[web.AppRunner] = []

    async def start(stub: Stub) -> DiscoveredDevice:
        app = web.Application()
        app.router.add_post("/{tail:.*}", stub.handle)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        runners.append(runner)
        port = runner.addresses[0][1]
        return DiscoveredDevice(addresses=["127.0.0.1"], xaddrs=[f"http://127.0.0.1:{port}/onvif/device_service"])

    yield start
    for runner in runners:
        await runner.cleanup()


async def read(device: DiscoveredDevice, password: str) -> object:
    async with OnvifReader(username="auditor", password=password, request_timeout_s=2, device_deadline_s=10) as r:
        return await r.read(device)


async def test_ws_usernametoken_with_skewed_clock_is_corrected(serve) -> None:  # type: ignore[no-untyped-def]
    stub = Stub("wsut", skew=timedelta(hours=2))
    sheet = await read(await serve(stub), "right")
    assert sheet.value("auth.schemes") == ["ws-usernametoken"]
    assert plain(sheet.value("users")) == [{"username": "auditor", "level": "Administrator"}]
    assert abs(sheet.value("clock.skew_seconds") - 7200) <= 2


async def test_http_digest_only(serve) -> None:  # type: ignore[no-untyped-def]
    stub = Stub("digest")
    sheet = await read(await serve(stub), "right")
    assert sheet.value("auth.schemes") == ["http-digest"]
    assert sheet.value("identity.model") == "S1" and sheet.get("users").ok


@pytest.mark.parametrize("mode", ["wsut", "digest"])
async def test_wrong_password_is_tried_once_per_scheme(serve, mode: str) -> None:  # type: ignore[no-untyped-def]
    stub = Stub(mode, password="right")
    sheet = await read(await serve(stub), "wrong")
    assert sheet.value("auth.credentials_accepted") is False
    assert sheet.get("users").status is FactStatus.DENIED
    # WS-only device: one WS-UsernameToken attempt. Digest device: the WS-UT request it answered with a
    # challenge (never evaluated) plus one HTTP Digest attempt. Nothing after that carries credentials.
    assert len(stub.credentialed) == (1 if mode == "wsut" else 2), stub.credentialed
    assert len(stub.ops) > 10  # the rest was still asked, without credentials


async def test_without_credentials_an_answered_probe_is_not_sent_twice(serve) -> None:  # type: ignore[no-untyped-def]
    stub = Stub("open")  # answers everything without credentials
    device = await serve(stub)
    async with OnvifReader(username=None, password=None, request_timeout_s=2, device_deadline_s=10) as reader:
        sheet = await reader.read(device)
    assert sheet.value("auth.anonymous_operations") == ["tds:GetDeviceInformation", "tds:GetUsers"]
    # the authless fact reads would be byte-for-byte the anonymous probes: their replies are reused
    assert stub.ops.count("GetDeviceInformation") == 1 and stub.ops.count("GetUsers") == 1, stub.ops
    assert sheet.value("identity.model") == "S1" and sheet.value("users")
    assert not stub.credentialed


async def test_redirects_are_not_followed(serve) -> None:  # type: ignore[no-untyped-def]
    stub = Stub("redirect")
    sheet = await read(await serve(stub), "right")
    fact = sheet.get("clock.source")
    assert fact.status is FactStatus.ERROR and "HTTP 302" in (fact.reason or "")


def test_non_read_operations_refused_before_sending() -> None:
    for op in ("tds:SetSystemDateAndTime", "tev:CreatePullPointSubscription", "tev:Subscribe", "tds:SystemReboot",
               "tds:CreateUsers", "trt:SetVideoEncoderConfiguration", "tds:GetSystemLog"):
        with pytest.raises(ForbiddenOperation):
            build_envelope(op)


M1_PROFILES = ('<trt:GetProfilesResponse xmlns:trt="http://www.onvif.org/ver10/media/wsdl">'
               '<trt:Profiles token="P1" fixed="true"><tt:Name>main</tt:Name>'
               '<tt:AudioEncoderConfiguration token="AE1"><tt:Name>a</tt:Name><tt:UseCount>1</tt:UseCount>'
               '<tt:Encoding>G711</tt:Encoding></tt:AudioEncoderConfiguration></trt:Profiles>'
               '</trt:GetProfilesResponse>')


async def test_get_capabilities_fallback_and_xaddr_rewrite(serve) -> None:  # type: ignore[no-untyped-def]
    caps = ("<tds:GetCapabilitiesResponse><tds:Capabilities>"
            "<tt:Device><tt:XAddr>http://10.20.30.40/onvif/device_service</tt:XAddr></tt:Device>"
            "<tt:Media><tt:XAddr>http://10.20.30.40/onvif/media_here</tt:XAddr></tt:Media>"
            "</tds:Capabilities></tds:GetCapabilitiesResponse>")
    stub = Stub("wsut", canned={"GetServices": "unsupported", "GetCapabilities": caps, "GetProfiles": M1_PROFILES})
    sheet = await read(await serve(stub), "right")
    services = sheet.get("services")
    assert services.ok and services.source == "tds:GetCapabilities" and "GetServices failed" in (services.reason or "")
    # the media XAddr named another host: we asked our device, on the advertised path
    assert ("trt", "/onvif/media_here") in stub.paths
    assert sheet.value("media.service") == "media1"
    assert sheet.value("media.audio_in_profiles") == ["P1"]
    # Media2 cannot be seen through GetCapabilities: masks are unknown, not "none"
    assert sheet.get("privacy.masks").status is FactStatus.UNSUPPORTED


async def test_media2_failure_falls_back_to_media1(serve) -> None:  # type: ignore[no-untyped-def]
    services = "".join(
        f"<tds:Service><tds:Namespace>{ns}</tds:Namespace><tds:XAddr>http://192.168.77.7/onvif/{path}</tds:XAddr>"
        f"</tds:Service>" for ns, path in (("http://www.onvif.org/ver10/device/wsdl", "device_service"),
                                           ("http://www.onvif.org/ver10/media/wsdl", "media"),
                                           ("http://www.onvif.org/ver20/media/wsdl", "media2")))
    stub = Stub("wsut", canned={"GetServices": f"<tds:GetServicesResponse>{services}</tds:GetServicesResponse>",
                                "GetProfiles": M1_PROFILES})
    device = await serve(stub)
    stub.canned["GetProfiles"] = M1_PROFILES  # trt answers; tr2 gets the same body and fails the namespace check
    sheet = await read(device, "right")
    assert sheet.value("media.service") == "media1"
    assert "fell back to Media1" in (sheet.get("media.service").reason or "")
    assert "expected tr2:GetProfilesResponse" in (sheet.get("media.service").reason or "")
    assert ("tr2", "/onvif/media2") in stub.paths and ("trt", "/onvif/media") in stub.paths
    assert sheet.value(fv.media.PROFILES)[0].audio_encoder == "AE1"


async def test_a_forbidden_operation_fails_loudly_and_sends_nothing(serve, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import dataclasses

    from probes.onvif import _orchestrator
    from probes.onvif.services._context import ReadContext

    async def rogue_probe(ctx: ReadContext) -> None:
        await ctx.call("tds:SetSystemDateAndTime")

    phases = tuple(tuple(dataclasses.replace(r, read=rogue_probe) if r.name == "anonymous" else r for r in readers)
                   for readers in _orchestrator.BY_PHASE)
    monkeypatch.setattr(_orchestrator, "BY_PHASE", phases)
    stub = Stub("wsut")
    device = await serve(stub)
    with pytest.raises(ForbiddenOperation):
        await read(device, "right")
    assert stub.ops and set(stub.ops) <= PRE_AUTH  # only what ran before the rogue call; it was never sent


async def test_requests_to_one_device_are_bounded(serve) -> None:  # type: ignore[no-untyped-def]
    stub = Stub("wsut", delay_s=0.02)
    device = await serve(stub)
    async with OnvifReader(username="auditor", password="right", per_device_concurrency=2,
                           request_timeout_s=2, device_deadline_s=20) as reader:
        sheet = await reader.read(device)
    assert sheet.get("users").ok and len(stub.ops) > 20
    assert stub.max_inflight <= 2


@pytest.mark.parametrize("declared", [True, False])
async def test_replies_are_read_whole_up_to_the_cap_and_cut_beyond_it(declared: bool) -> None:
    """A reply with a Content-Length within the cap is read in one go; one over the cap, declared or chunked
    (no length said), is cut off at the cap and reported with what was read."""
    import aiohttp

    from probes.errors import BadReply
    from probes.onvif._transport import DeviceChannel

    small = ENV.format("<tds:GetHostnameResponse><tds:HostnameInformation><tt:FromDHCP>false</tt:FromDHCP>"
                       "<tt:Name>cam</tt:Name></tds:HostnameInformation></tds:GetHostnameResponse>").encode()
    big = small.replace(b"<tt:Name>cam", b"<tt:Name>" + b"x" * 5000)

    async def handle(request: web.Request) -> web.StreamResponse:
        body = small if b"GetHostname" in await request.read() else big
        resp = web.StreamResponse(headers={"Content-Type": "application/soap+xml"})
        if declared:
            resp.content_length = len(body)
        else:
            resp.enable_chunked_encoding()
        await resp.prepare(request)
        for start in range(0, len(body), 1000):
            await resp.write(body[start:start + 1000])
        await resp.write_eof()
        return resp

    app = web.Application()
    app.router.add_post("/{tail:.*}", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/onvif/device_service"
    try:
        async with aiohttp.ClientSession() as http:
            ch = DeviceChannel(http, "127.0.0.1", plan=None, request_timeout_s=10, max_reply_bytes=2000,
                               per_device_concurrency=2)
            for _ in range(2):  # the second request reuses the parsed URL and the connection
                reply = await ch.call(url, "tds:GetHostname", auth=False)
                assert reply.raw == small
            with pytest.raises(BadReply, match="cap; cut off after 2000 bytes") as cut:
                await ch.call(url, "tds:GetDeviceInformation", auth=False)
            assert cut.value.raw == big[:2000]  # type: ignore[attr-defined]
            assert ("declared" in str(cut.value)) is declared
    finally:
        await runner.cleanup()
