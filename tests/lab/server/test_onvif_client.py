"""The real ONVIF client (onvif-zeep-async + zeep, strict parsing) reads every configured fact back.

Every operation the lab serves for a service whose WSDL the library ships is called
on every demo camera that offers the service; the replies must parse strictly and
carry the values of the fleet file. (Media2, thermal, uplink, GetStorageConfigurations
and GetEventBrokers have no WSDL in the library: test_raw_soap.py covers them.)
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any, Self

import onvif.settings
import pytest
from aiohttp import ClientSession, DigestAuthMiddleware
from onvif import ONVIFCamera, ONVIFService

from lab.model import AuthScheme, ClockSource, NetworkProtocolName, Service, duration_seconds
from lab.server import RunningCamera
from lab.services import OPERATIONS
from probes import clock as product_clock

WSDL_DIR = onvif.client._WSDL_PATH
ANALYTICS_NS = "http://www.onvif.org/ver20/analytics/wsdl"
# library WSDL name -> our service; operations of services without a library WSDL are checked raw
LIB_SERVICES = {"devicemgmt": Service.DEVICE, "media": Service.MEDIA, "ptz": Service.PTZ, "imaging": Service.IMAGING,
                "recording": Service.RECORDING, "search": Service.SEARCH, "analytics": Service.ANALYTICS,
                "events": Service.EVENTS, "deviceio": Service.DEVICEIO}
NOT_IN_LIBRARY_WSDL = {(Service.DEVICE, "GetStorageConfigurations"), (Service.EVENTS, "GetEventBrokers")}
RULE_ENGINE_OPS = {"GetSupportedRules", "GetRules"}  # analytics RuleEngineBinding (not in ONVIFCamera's table)


def _params(service: Service, op: str, rc: RunningCamera) -> dict[str, Any] | None:
    spec = rc.spec
    profile = spec.media.profiles[0].token
    first_rec = spec.recording.recordings[0].token if spec.recording and spec.recording.recordings else "none"
    first_job = spec.recording.jobs[0].token if spec.recording and spec.recording.jobs else "none"
    ptz = spec.ptz
    table: dict[tuple[Service, str], dict[str, Any]] = {
        (Service.DEVICE, "GetServices"): {"IncludeCapability": True},
        (Service.DEVICE, "GetCapabilities"): {"Category": "All"},
        (Service.MEDIA, "GetProfile"): {"ProfileToken": profile},
        (Service.MEDIA, "GetVideoEncoderConfiguration"): {"ConfigurationToken": f"VEC_{profile}"},
        (Service.MEDIA, "GetOSDs"): {},
        (Service.MEDIA, "GetStreamUri"): {"StreamSetup": {"Stream": "RTP-Unicast", "Transport": {"Protocol": "RTSP"}},
                                          "ProfileToken": profile},
        (Service.MEDIA, "GetSnapshotUri"): {"ProfileToken": profile},
        (Service.PTZ, "GetNode"): {"NodeToken": ptz.nodes[0].token if ptz else "none"},
        (Service.PTZ, "GetConfiguration"): {"PTZConfigurationToken": f"PTZConfig_{ptz.nodes[0].token}" if ptz else ""},
        (Service.PTZ, "GetPresets"): {"ProfileToken": profile},
        (Service.PTZ, "GetPresetTours"): {"ProfileToken": profile},
        (Service.PTZ, "GetPresetTour"): {"ProfileToken": profile,
                                         "PresetTourToken": ptz.tours[0].token if ptz and ptz.tours else "none"},
        (Service.IMAGING, "GetImagingSettings"): {"VideoSourceToken": spec.media.profiles[0].video_source},
        (Service.RECORDING, "GetRecordingConfiguration"): {"RecordingToken": first_rec},
        (Service.RECORDING, "GetRecordingJobConfiguration"): {"JobToken": first_job},
        (Service.RECORDING, "GetRecordingJobState"): {"JobToken": first_job},
        (Service.SEARCH, "GetRecordingInformation"): {"RecordingToken": first_rec},
    }
    if service is Service.ANALYTICS and op != "GetServiceCapabilities":
        return {"ConfigurationToken": spec.analytics.configuration_token if spec.analytics else ""}
    return table.get((service, op))


class Client:
    """ONVIFCamera plus per-service clients, HTTP Digest when the camera only takes that."""

    def __init__(self, rc: RunningCamera, user: str = "auditor", password: str = "demo-pass") -> None:
        self.rc = rc
        self.user, self.password = user, password
        self.digest_only = rc.spec.auth.schemes == [AuthScheme.HTTP_DIGEST]
        saved = {k: os.environ[k] for k in ("http_proxy", "https_proxy") if k in os.environ}
        self.cam = ONVIFCamera(rc.address, rc.port, user, password, adjust_time=True)
        os.environ.update(saved)  # the library's constructor deletes them; leave the process as we found it
        self.digest: ClientSession | None = None
        self.extra: list[ONVIFService] = []

    async def __aenter__(self) -> Self:
        if self.digest_only:
            self.digest = ClientSession(middlewares=(DigestAuthMiddleware(self.user, self.password),))
        await self.cam.update_xaddrs()
        return self

    async def __aexit__(self, *exc: object) -> None:
        for svc in self.extra:
            await svc.close()
        await self.cam.close()
        if self.digest:
            await self.digest.close()

    def _prepare(self, svc: ONVIFService) -> ONVIFService:
        if self.digest is not None:
            svc.transport.session = self.digest  # the library speaks WS-UsernameToken only
        return svc

    async def service(self, wsdl: str) -> ONVIFService:
        return self._prepare(await self.cam.create_onvif_service(wsdl))

    async def rule_engine(self) -> ONVIFService:
        svc = ONVIFService(self.cam.xaddrs[ANALYTICS_NS], self.user, self.password, f"{WSDL_DIR}/analytics.wsdl",
                           dt_diff=self.cam.dt_diff, binding_name=f"{{{ANALYTICS_NS}}}RuleEngineBinding")
        await svc.setup()
        self.extra.append(svc)
        return self._prepare(svc)

    async def read_all(self) -> dict[str, Any]:
        """Call every operation the lab serves (library WSDLs only); key 'prefix:Op'."""
        results: dict[str, Any] = {}
        offered = self.rc.spec.offered_services
        for wsdl, service in LIB_SERVICES.items():
            if service not in offered:
                continue
            svc = await self.service(wsdl)
            rules = await self.rule_engine() if service is Service.ANALYTICS else None
            ops = sorted(op for (s, op) in OPERATIONS if s is service and (s, op) not in NOT_IN_LIBRARY_WSDL)
            for op in ops:
                if service is Service.PTZ and op in ("GetPresetTour",) and not self.rc.spec.ptz.tours:
                    continue
                target = rules if op in RULE_ENGINE_OPS and rules is not None else svc
                results[f"{wsdl}:{op}"] = await getattr(target, op)(_params(service, op, self.rc))
        return results


@pytest.fixture(autouse=True)
def strict_zeep(monkeypatch: pytest.MonkeyPatch) -> None:
    """The library relaxes zeep; the lab's replies must pass zeep's strict mode."""
    monkeypatch.setattr(onvif.settings.DEFAULT_SETTINGS, "strict", True)


def _seconds(value: Any) -> float:
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return float(value.totimedelta(start=dt.datetime.now()).total_seconds())


DEMO_NAMES = ["school-corridor", "hotel-lobby", "hotel-corridor", "bank-vault", "residential-entrance",
              "shop-checkout", "hospital-waiting", "office-workplace", "thermal-entrance", "retail-face",
              "perimeter-ptz", "cloud-doorbell", "rogue-cam", "parking-lot"]


def test_demo_names_are_the_scenarios(demo_fleet) -> None:
    assert [c.name for c in demo_fleet.cameras] == DEMO_NAMES


@pytest.mark.parametrize("name", DEMO_NAMES)
async def test_real_client_reads_every_configured_fact(demo, name: str) -> None:
    rc = demo.camera(name)
    spec = rc.spec
    before = product_clock.now()
    async with Client(rc) as client:
        r = await client.read_all()
    after = product_clock.now()

    # every served operation of the library's services was called and parsed strictly
    expected = {f"{w}:{op}" for w, s in LIB_SERVICES.items() if s in spec.offered_services
                for (s2, op) in OPERATIONS if s2 is s and (s2, op) not in NOT_IN_LIBRARY_WSDL}
    if spec.ptz is not None and not spec.ptz.tours:
        expected.discard("ptz:GetPresetTour")
    assert set(r) == expected
    assert all(op.split(":")[1].startswith("Get") for op in rc.received)

    # identity, services, clock
    info = r["devicemgmt:GetDeviceInformation"]
    assert (info.Manufacturer, info.Model, info.FirmwareVersion, info.SerialNumber, info.HardwareId) == (
        spec.identity.manufacturer, spec.identity.model, spec.identity.firmware, spec.serial, spec.identity.hardware_id)
    assert r["devicemgmt:GetHostname"].Name == spec.hostname
    assert spec.endpoint_uuid == r["devicemgmt:GetEndpointReference"].GUID
    assert [s.ScopeItem for s in r["devicemgmt:GetScopes"]] == spec.scopes
    namespaces = {s.Namespace for s in r["devicemgmt:GetServices"]}
    assert len(namespaces) == len(spec.offered_services)
    assert all(s.XAddr.startswith(f"http://{rc.address}:{rc.port}/onvif/") for s in r["devicemgmt:GetServices"])
    security = r["devicemgmt:GetServiceCapabilities"].Security
    assert security.HttpDigest is (AuthScheme.HTTP_DIGEST in spec.auth.schemes)
    assert security.UsernameToken is (AuthScheme.WS_USERNAMETOKEN in spec.auth.schemes)
    https_on = spec.network.protocol(NetworkProtocolName.HTTPS)[0]
    assert security["TLS1.2"] is https_on
    clock = r["devicemgmt:GetSystemDateAndTime"]
    assert clock.DateTimeType == ("NTP" if spec.clock.source is ClockSource.NTP else "Manual")
    u = clock.UTCDateTime
    cam_now = dt.datetime(u.Date.Year, u.Date.Month, u.Date.Day, u.Time.Hour, u.Time.Minute, u.Time.Second,
                          tzinfo=dt.UTC)
    # the camera's clock was read somewhere inside [before, after]: no assumption on how long the read took
    offset = dt.timedelta(seconds=spec.clock.offset_seconds)
    assert before + offset - dt.timedelta(seconds=2) <= cam_now <= after + offset + dt.timedelta(seconds=2)

    # users and network
    assert {u.Username: u.UserLevel for u in r["devicemgmt:GetUsers"]} == {
        n: u.level.value for n, u in spec.auth.users.items()}
    iface = r["devicemgmt:GetNetworkInterfaces"][0]
    assert iface.Info.HwAddress == spec.mac
    assert iface.IPv4.Config.Manual[0].Address == spec.address
    gateway = r["devicemgmt:GetNetworkDefaultGateway"]  # an empty NetworkGateway element parses as None
    assert (list(gateway.IPv4Address) if gateway is not None else []) == spec.network.gateway
    assert [d.IPv4Address for d in r["devicemgmt:GetDNS"].DNSManual] == spec.network.dns.servers
    assert [n.DNSname or n.IPv4Address for n in r["devicemgmt:GetNTP"].NTPManual] == spec.network.ntp.servers
    protocols = {p.Name: (p.Enabled, list(p.Port)) for p in r["devicemgmt:GetNetworkProtocols"]}
    want = {n.value: spec.network.protocol(n) for n in NetworkProtocolName}
    if rc.tls_port is not None:  # the lab reports where HTTPS really listens (an ephemeral port in tests)
        want["HTTPS"] = (True, [rc.tls_port])
    assert protocols == want
    assert r["devicemgmt:GetZeroConfiguration"].Enabled is spec.network.zero_configuration.enabled
    assert r["devicemgmt:GetDiscoveryMode"] == spec.network.discovery_mode.value
    assert r["devicemgmt:GetIPAddressFilter"].Type == spec.network.ip_filter.type.value
    ddns = r["devicemgmt:GetDynamicDNS"]
    assert ddns.Type == (spec.dynamic_dns.type.value if spec.dynamic_dns else "NoUpdate")
    assert ddns.Name == (spec.dynamic_dns.name if spec.dynamic_dns else None)

    # media (Media1): profiles, encoders, audio in profiles, OSD
    profiles = r["media:GetProfiles"]
    assert [p.token for p in profiles] == [p.token for p in spec.media.profiles]
    for got, want in zip(profiles, spec.media.profiles, strict=True):
        enc = got.VideoEncoderConfiguration
        assert (enc.Encoding, enc.Resolution.Width, enc.Resolution.Height, enc.RateControl.FrameRateLimit) == (
            want.video.encoding.value, want.video.width, want.video.height, want.video.fps)
        assert (got.AudioEncoderConfiguration is not None) is (want.audio is not None)
        if want.audio:
            assert got.AudioEncoderConfiguration.Encoding == want.audio.encoding.value
            assert got.AudioSourceConfiguration.SourceToken == want.audio.source
    assert [a.token for a in r["media:GetAudioSources"]] == [a.token for a in spec.media.audio_sources]
    assert [a.token for a in r["media:GetAudioOutputs"]] == [a.token for a in spec.media.audio_outputs]
    assert [o.TextString.Type for o in r["media:GetOSDs"]] == [o.text_type.value for o in spec.media.osd]
    rtsp_port = rc.rtsp.port if rc.rtsp else 554  # the lab's RTSP listener when it runs
    assert r["media:GetStreamUri"].Uri.startswith(f"rtsp://{rc.address}:{rtsp_port}/")

    # PTZ: nodes, presets, tours with auto-start
    if spec.ptz is not None:
        assert [n.token for n in r["ptz:GetNodes"]] == [n.token for n in spec.ptz.nodes]
        assert [(p.token, p.Name) for p in r["ptz:GetPresets"]] == [(p.token, p.name) for p in spec.ptz.presets]
        tours = r["ptz:GetPresetTours"]
        assert [(t.token, t.AutoStart, t.Status.State) for t in tours] == [
            (t.token, t.auto_start, t.status.value) for t in spec.ptz.tours]
        assert [s.PresetDetail.PresetToken for s in tours[0].TourSpot] == spec.ptz.tours[0].presets
        assert r["ptz:GetConfigurations"][0].NodeToken == spec.ptz.nodes[0].token

    # recording: MaximumRetentionTime, jobs and mode, stored span
    if spec.recording is not None:
        recs = r["recording:GetRecordings"]
        assert [(x.RecordingToken, _seconds(x.Configuration.MaximumRetentionTime)) for x in recs] == [
            (x.token, duration_seconds(x.max_retention)) for x in spec.recording.recordings]
        jobs = r["recording:GetRecordingJobs"]
        assert [(j.JobToken, j.JobConfiguration.RecordingToken, j.JobConfiguration.Mode,
                 j.JobConfiguration.Source[0].SourceToken.Token) for j in jobs] == [
            (j.token, j.recording, j.mode.value, j.source or spec.media.profiles[0].token)
            for j in spec.recording.jobs]
        summary = r["search:GetRecordingSummary"]
        assert summary.NumberRecordings == len(spec.recording.recordings)
        span = (summary.DataUntil - summary.DataFrom).total_seconds()
        history = (duration_seconds(spec.recording.stored_history) if spec.recording.stored_history else
                   duration_seconds(spec.recording.recordings[0].max_retention) or 90 * 86400)
        assert span == pytest.approx(history, abs=2)

    # analytics: modules and rules with their QName types
    if spec.analytics is not None:
        # zeep keeps QName attributes as text; the prefixes are declared in the reply (see test_raw_soap)
        modules = r["analytics:GetAnalyticsModules"]
        assert [(m.Name, m.Type) for m in modules] == [(m.name, m.type) for m in spec.analytics.modules]
        rules = r["analytics:GetRules"]
        assert [(x.Name, x.Type) for x in rules] == [(x.name, x.type) for x in spec.analytics.rules]
        supported = r["analytics:GetSupportedRules"].RuleDescription
        assert [d.Name for d in supported] == spec.analytics.supported_rules
        described = r["analytics:GetSupportedAnalyticsModules"].AnalyticsModuleDescription
        assert [d.Name for d in described] == spec.analytics.supported_modules

    # deviceio and events answer too
    assert [v.token for v in r["deviceio:GetVideoSources"]] == spec.media.video_sources
    assert r["events:GetServiceCapabilities"].WSPullPointSupport is True


async def test_anonymous_operations_through_the_real_client(demo) -> None:
    """office-workplace answers GetDeviceInformation and GetProfiles without credentials, but not GetUsers."""
    import zeep.exceptions

    rc = demo.camera("office-workplace")
    async with Client(rc) as client:
        device = await client.service("devicemgmt")
        media = await client.service("media")
        info = await device.authless_GetDeviceInformation()
        assert info.Model == rc.spec.identity.model
        assert len(await media.authless_GetProfiles()) == len(rc.spec.media.profiles)
        with pytest.raises(zeep.exceptions.Fault, match="not Authorized"):
            await device.authless_GetUsers()
    anonymous = [r for r in rc.requests if not r.authenticated]
    assert {r.operation for r in anonymous} >= {"tds:GetDeviceInformation", "trt:GetProfiles", "tds:GetUsers"}


async def test_digest_only_camera_rejects_the_library_without_digest(demo) -> None:
    """bank-vault speaks HTTP Digest only: WS-UsernameToken alone gets 401 (a zeep Fault)."""
    import zeep.exceptions

    rc = demo.camera("bank-vault")
    cam = ONVIFCamera(rc.address, rc.port, "auditor", "demo-pass")
    try:
        await cam.update_xaddrs()  # GetServices is PRE_AUTH
        device = await cam.create_devicemgmt_service()
        with pytest.raises((zeep.exceptions.Fault, zeep.exceptions.TransportError)):
            await device.GetDeviceInformation()
    finally:
        await cam.close()
    assert rc.requests[-1].operation == "tds:GetDeviceInformation" and not rc.requests[-1].authenticated


async def test_vendor_extension_parses_strictly() -> None:
    """The auto-tracking vendor element sits in a lax Extension: strict zeep still accepts it."""
    from lab import parse_fleet, run_fleet

    fleet = parse_fleet("cameras:\n  - name: tracker\n    address: 127.0.0.1\n"
                        "    auth: {users: {auditor: {password: demo-pass, level: Administrator}}}\n"
                        "    ptz: {nodes: [{token: N1, auto_tracking: true}]}\n")
    async with run_fleet(fleet, port_override=0) as running, Client(running.cameras[0]) as client:
        ptz = await client.service("ptz")
        config = (await ptz.GetConfigurations())[0]
        assert config.NodeToken == "N1" and config.Extension is not None
