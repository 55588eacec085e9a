"""Raw SOAP over real sockets (curl-like), parsed with lxml: every service, the faults, the read-only record.

Media2, thermal, uplink, GetStorageConfigurations and GetEventBrokers have no WSDL in
onvif-zeep-async, so their replies are checked here element by element.
"""

from __future__ import annotations

import pytest

from lab.model import Service, duration_seconds
from lab.services import OPERATIONS
from tests.lab.soapclient import NS, envelope, soap, url

RAW_ONLY = {(s, op) for (s, op) in OPERATIONS if s in (Service.MEDIA2, Service.THERMAL, Service.UPLINK)} | {
    (Service.DEVICE, "GetStorageConfigurations"), (Service.EVENTS, "GetEventBrokers")}


async def test_media2_profiles_encoders_audio_osd_masks(demo, http) -> None:
    shop = demo.camera("shop-checkout")
    reply = await soap(http, shop, "tr2", "GetProfiles", "<Type>All</Type>")
    assert reply.status == 200
    profiles = reply.findall(".//tr2:GetProfilesResponse/tr2:Profiles")
    assert [p.get("token") for p in profiles] == ["Profile_1", "Profile_2"]
    main = profiles[0].find("tr2:Configurations", NS)
    assert main.findtext("tr2:VideoEncoder/tt:Encoding", namespaces=NS) == "H264"
    assert main.findtext("tr2:VideoEncoder/tt:Resolution/tt:Width", namespaces=NS) == "2688"
    assert main.findtext("tr2:AudioEncoder/tt:Encoding", namespaces=NS) == "MP4A-LATM"
    assert main.findtext("tr2:AudioSource/tt:SourceToken", namespaces=NS) == "AudioSource_1"
    assert profiles[1].find("tr2:Configurations/tr2:AudioEncoder", NS) is None

    # without Type the profiles carry no configurations (ONVIF Media2 rule)
    bare = await soap(http, shop, "tr2", "GetProfiles")
    assert bare.findall(".//tr2:Profiles/tr2:Configurations") == []
    assert len(bare.findall(".//tr2:Profiles")) == 2

    encoders = await soap(http, shop, "tr2", "GetVideoEncoderConfigurations")
    assert [c.findtext("tt:Resolution/tt:Height", namespaces=NS) for c in encoders.findall(".//tr2:Configurations")] \
        == ["1520", "576"]
    audio = await soap(http, shop, "tr2", "GetAudioEncoderConfigurations")
    assert [c.get("token") for c in audio.findall(".//tr2:Configurations")] == ["AEC_Profile_1"]
    sources = await soap(http, shop, "tr2", "GetAudioSourceConfigurations")
    assert [c.findtext("tt:SourceToken", namespaces=NS) for c in sources.findall(".//tr2:Configurations")] == [
        "AudioSource_1"]
    vsc = await soap(http, shop, "tr2", "GetVideoSourceConfigurations")
    assert vsc.find(".//tr2:Configurations/tt:Bounds", NS).get("width") == "2688"

    lobby = demo.camera("hotel-lobby")
    masks = (await soap(http, lobby, "tr2", "GetMasks")).findall(".//tr2:Masks")
    assert [(m.get("token"), m.findtext("tr2:Type", namespaces=NS), m.findtext("tr2:Enabled", namespaces=NS),
             len(m.findall("tr2:Polygon/tt:Point", NS))) for m in masks] == [("Mask_1", "Pixelated", "true", 4)]
    osds = (await soap(http, lobby, "tr2", "GetOSDs")).findall(".//tr2:OSDs")
    assert [o.findtext("tt:TextString/tt:Type", namespaces=NS) for o in osds] == ["DateAndTime"]
    assert (await soap(http, demo.camera("perimeter-ptz"), "tr2", "GetMasks")).findall(".//tr2:Masks") == []

    uri = await soap(http, lobby, "tr2", "GetStreamUri",
                     "<Protocol>RTSP</Protocol><ProfileToken>Profile_1</ProfileToken>")
    assert uri.text(".//tr2:Uri").startswith(f"rtsp://{lobby.address}:{lobby.rtsp.port}/")  # the lab RTSP listener
    snap = await soap(http, lobby, "tr2", "GetSnapshotUri", "<ProfileToken>Profile_2</ProfileToken>")
    assert snap.text(".//tr2:Uri").endswith("/Profile_2")
    caps = await soap(http, lobby, "tr2", "GetServiceCapabilities", user=None)
    assert caps.find(".//tr2:Capabilities", NS).get("Mask") == "true"


async def test_media2_carries_h265(demo, http) -> None:
    """Media1 cannot express H.265, Media2 can: an H.265 profile shows up in Media2 only."""
    from lab import parse_fleet, run_fleet

    fleet = parse_fleet("cameras:\n  - name: h265\n    address: 127.0.0.1\n"
                        "    auth: {users: {auditor: {password: demo-pass}}}\n    media:\n      profiles:\n"
                        "        - {token: P1, video: {encoding: H265, width: 3840, height: 2160}}\n")
    async with run_fleet(fleet, port_override=0) as running:
        cam = running.cameras[0]
        m2 = await soap(http, cam, "tr2", "GetVideoEncoderConfigurations")
        assert m2.text(".//tr2:Configurations/tt:Encoding") == "H265"
        m1 = await soap(http, cam, "trt", "GetVideoEncoderConfigurations")
        assert m1.findall(".//trt:Configurations") == []


async def test_thermal_radiometry(demo, http) -> None:
    cam = demo.camera("thermal-entrance")
    caps = await soap(http, cam, "tth", "GetServiceCapabilities", user=None)
    assert caps.find(".//tth:Capabilities", NS).get("Radiometry") == "true"
    configs = (await soap(http, cam, "tth", "GetConfigurations")).findall(".//tth:Configurations")
    assert [(c.get("token"), c.findtext("tth:Configuration/tth:Polarity", namespaces=NS),
             c.findtext("tth:Configuration/tth:ColorPalette/tth:Name", namespaces=NS),
             c.find("tth:Configuration/tth:ColorPalette", NS).get("Type")) for c in configs] == [
        ("VideoSource_1", "WhiteHot", "Ironbow", "Iron")]
    one = await soap(http, cam, "tth", "GetConfiguration", "<VideoSourceToken>VideoSource_1</VideoSourceToken>")
    assert one.text(".//tth:GetConfigurationResponse/tth:Configuration/tth:Polarity") == "WhiteHot"
    radio = await soap(http, cam, "tth", "GetRadiometryConfiguration",
                       "<VideoSourceToken>VideoSource_1</VideoSourceToken>")
    assert float(radio.text(".//tth:RadiometryGlobalParameters/tth:Emissivity")) == pytest.approx(0.98)
    assert float(radio.text(".//tth:RadiometryGlobalParameters/tth:DistanceToObject")) == pytest.approx(1.5)
    # a camera without the thermal service says so
    other = await soap(http, demo.camera("rogue-cam"), "tth", "GetConfigurations")
    assert other.status == 500 and other.fault_codes == ["env:Receiver", "ter:ActionNotSupported"]


async def test_uplink_storage_event_brokers_ddns(demo, http) -> None:
    cam = demo.camera("cloud-doorbell")
    uplinks = (await soap(http, cam, "tup", "GetUplinks")).findall(".//tup:Configuration")
    assert [(u.findtext("tup:RemoteAddress", namespaces=NS), u.findtext("tup:UserLevel", namespaces=NS),
             u.findtext("tup:Status", namespaces=NS)) for u in uplinks] == [
        ("wss://cloud.vendor.example:443", "Operator", "Connected")]
    assert (await soap(http, cam, "tup", "GetServiceCapabilities", user=None)).find(
        ".//tup:Capabilities", NS).get("MaxUplinks") == "2"
    storage = (await soap(http, cam, "tds", "GetStorageConfigurations")).findall(".//tds:StorageConfigurations")
    assert [(s.get("token"), s.find("tds:Data", NS).get("type"), s.findtext("tds:Data/tds:StorageUri", namespaces=NS))
            for s in storage] == [("Storage_Cloud", "ObjectStorageS3",
                                   "https://s3.eu-central-1.amazonaws.example/doorbell-clips")]
    brokers = (await soap(http, cam, "tev", "GetEventBrokers")).findall(".//tev:EventBroker")
    assert [(b.findtext("tev:Address", namespaces=NS), b.findtext("tev:Status", namespaces=NS)) for b in brokers] == [
        ("mqtts://broker.vendor.example:8883", "Connected")]
    ddns = await soap(http, cam, "tds", "GetDynamicDNS")
    assert ddns.text(".//tt:Type") == "ClientUpdates"
    recs = await soap(http, cam, "trc", "GetRecordings")
    assert recs.text(".//tt:MaximumRetentionTime") == "PT0S"  # unlimited
    summary = await soap(http, cam, "tse", "GetRecordingSummary")
    assert summary.text(".//tt:NumberRecordings") == "1"
    # a camera without uplinks has the service missing, and an empty broker list
    plain = demo.camera("hospital-waiting")
    assert (await soap(http, plain, "tup", "GetUplinks")).fault_codes[1] == "ter:ActionNotSupported"
    assert (await soap(http, plain, "tev", "GetEventBrokers")).findall(".//tev:EventBroker") == []


async def test_recording_schedule_token_and_search_information(demo, http) -> None:
    lobby = demo.camera("hotel-lobby")
    job = (await soap(http, lobby, "trc", "GetRecordingJobs")).find(".//trc:JobItem/tt:JobConfiguration", NS)
    assert job.get("ScheduleToken") == "Schedule_Night"
    schedule = (await soap(http, lobby, "tsc", "GetSchedules", "<Token>Schedule_Night</Token><Token>nope</Token>"))
    [served] = schedule.findall(".//tsc:Schedule")  # an unknown token is skipped, not a fault
    assert served.get("token") == "Schedule_Night"
    ical = served.findtext("tsc:Standard", namespaces=NS)
    assert ical.startswith("BEGIN:VCALENDAR") and "RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA,SU" in ical
    school = demo.camera("school-corridor")
    job = (await soap(http, school, "trc", "GetRecordingJobs")).find(".//trc:JobItem/tt:JobConfiguration", NS)
    assert job.get("ScheduleToken") is None and job.findtext("tt:Mode", namespaces=NS) == "Active"
    info = await soap(http, school, "tse", "GetRecordingInformation", "<RecordingToken>Recording_1</RecordingToken>")
    assert info.text(".//tt:RecordingStatus") == "Recording"
    assert [t.findtext("tt:TrackType", namespaces=NS) for t in info.findall(".//tt:Track")] == [
        "Video", "Metadata"]
    shop = await soap(http, demo.camera("shop-checkout"), "trc", "GetRecordings")
    assert "Audio" in [t.text for t in shop.findall(".//tt:Track/tt:Configuration/tt:TrackType")]
    retention = await soap(http, school, "trc", "GetRecordingConfiguration",
                           "<RecordingToken>Recording_1</RecordingToken>")
    assert duration_seconds(retention.text(".//tt:MaximumRetentionTime")) == 7 * 86400


async def test_analytics_qnames_resolve(demo, http) -> None:
    cam = demo.camera("retail-face")
    reply = await soap(http, cam, "tan", "GetRules", "<ConfigurationToken>VideoAnalytics_1</ConfigurationToken>")
    rule = reply.find(".//tan:Rule", NS)
    prefix, local = rule.get("Type").split(":")
    assert (rule.nsmap[prefix], local) == ("http://www.onvif.org/ver10/schema", "FaceRecognition")
    modules = await soap(http, cam, "tan", "GetAnalyticsModules",
                         "<ConfigurationToken>VideoAnalytics_1</ConfigurationToken>")
    module = modules.find(".//tan:AnalyticsModule", NS)
    prefix, local = module.get("Type").split(":")
    assert module.nsmap[prefix] == "http://www.hikvision.com/ver20/XMLSchema" and local == "FaceRecognitionEngine"
    wrong = await soap(http, cam, "tan", "GetRules", "<ConfigurationToken>nope</ConfigurationToken>")
    assert wrong.status == 400 and wrong.fault_codes == ["env:Sender", "ter:InvalidArgVal", "ter:NoConfig"]


async def test_media1_stream_uri_needs_a_unicast_stream_setup_in_its_wsdl_namespaces(demo, http) -> None:
    """trt:GetStreamUri takes trt:StreamSetup with tt:Stream and tt:Transport/tt:Protocol (ONVIF Media 5.15.1)."""
    cam = demo.camera("hotel-lobby")

    def setup(stream: str, protocol: str, ns: str = "tt:") -> str:
        return (f"<StreamSetup><{ns}Stream>{stream}</{ns}Stream><{ns}Transport><{ns}Protocol>{protocol}</{ns}Protocol>"
                f"</{ns}Transport></StreamSetup><ProfileToken>Profile_2</ProfileToken>")

    uri = await soap(http, cam, "trt", "GetStreamUri", setup("RTP-Unicast", "RTSP"))
    assert uri.status == 200 and uri.text(".//trt:MediaUri/tt:Uri") == (
        f"rtsp://{cam.address}:{cam.rtsp.port}/onvif/stream/Profile_2")
    for bad in (setup("RTP-Multicast", "RTSP"), setup("RTP-Unicast", "QUIC"), setup("RTP-Unicast", "RTSP", ns=""),
                "<ProfileToken>Profile_2</ProfileToken>"):
        refused = await soap(http, cam, "trt", "GetStreamUri", bad)
        assert refused.status == 400 and refused.fault_codes == ["env:Sender", "ter:InvalidArgVal",
                                                                 "ter:InvalidStreamSetup"], bad


async def test_every_raw_only_operation_answers(demo, http) -> None:
    """Each operation without a library WSDL answers 200 on a camera that offers its service."""
    args = {"GetProfiles": "<Type>All</Type>",
            "GetStreamUri": "<Protocol>RTSP</Protocol><ProfileToken>Profile_1</ProfileToken>",
            "GetSnapshotUri": "<ProfileToken>Profile_1</ProfileToken>",
            "GetConfiguration": "<VideoSourceToken>VideoSource_1</VideoSourceToken>",
            "GetRadiometryConfiguration": "<VideoSourceToken>VideoSource_1</VideoSourceToken>"}
    cameras = {Service.MEDIA2: "hotel-lobby", Service.THERMAL: "thermal-entrance", Service.UPLINK: "cloud-doorbell",
               Service.DEVICE: "cloud-doorbell", Service.EVENTS: "cloud-doorbell"}
    prefixes = {Service.MEDIA2: "tr2", Service.THERMAL: "tth", Service.UPLINK: "tup", Service.DEVICE: "tds",
                Service.EVENTS: "tev"}
    for service, op in sorted(RAW_ONLY):
        cam = demo.camera(cameras[service])
        reply = await soap(http, cam, prefixes[service], op, args.get(op, ""))
        assert reply.status == 200, (service, op, reply.body[:300])
        assert reply.find(f".//{prefixes[service]}:{op}Response") is not None


async def test_faults_and_the_read_only_record(demo, http) -> None:
    cam = demo.camera("hospital-waiting")
    # a service the camera lacks
    no_ptz = await soap(http, cam, "tptz", "GetNodes")
    assert no_ptz.status == 500 and no_ptz.fault_codes == ["env:Receiver", "ter:ActionNotSupported"]
    # an operation nobody implements, and a write: refused, but recorded
    unknown = await soap(http, cam, "tds", "GetFrobnicator")
    assert unknown.fault_codes == ["env:Receiver", "ter:ActionNotSupported"]
    write = await soap(http, cam, "tds", "SetHostname", "<Name>pwned</Name>")
    assert write.status == 500 and write.fault_codes == ["env:Receiver", "ter:ActionNotSupported"]
    reboot = await soap(http, cam, "tds", "SystemReboot")
    assert reboot.fault_codes[1] == "ter:ActionNotSupported"
    hostname = await soap(http, cam, "tds", "GetHostname")
    assert hostname.text(".//tt:Name") == "hospital-waiting"  # nothing changed
    assert cam.received == ["tptz:GetNodes", "tds:GetFrobnicator", "tds:SetHostname", "tds:SystemReboot",
                            "tds:GetHostname"]
    assert all(r.authenticated for r in cam.requests)
    # bad token
    bad = await soap(http, cam, "trt", "GetProfile", "<ProfileToken>nope</ProfileToken>")
    assert bad.status == 400 and bad.fault_codes == ["env:Sender", "ter:InvalidArgVal", "ter:NoProfile"]


async def test_hostile_or_wrong_requests(demo, http) -> None:
    cam = demo.camera("rogue-cam")
    dtd = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><s:Envelope xmlns:s="' + NS["env"].encode()
           + b'"><s:Body><GetHostname xmlns="' + NS["tds"].encode() + b'">&a;</GetHostname></s:Body></s:Envelope>')
    async with http.post(url(cam, "tds"), data=dtd) as resp:
        assert resp.status == 400
        assert b"ter:WellFormed" in await resp.read()
    async with http.post(url(cam, "tds"), data=b"<not-xml") as resp:
        assert resp.status == 400
    async with http.get(url(cam, "tds")) as resp:
        assert resp.status == 405
    admin = f"http://{cam.address}:{cam.port}/cgi-bin/admin.cgi"
    async with http.post(admin, data=envelope("tds", "GetHostname")) as resp:
        assert resp.status == 404
    assert cam.received == ["?:invalid-request", "?:invalid-request"]


async def test_posting_to_the_device_xaddr_is_tolerated(demo, http) -> None:
    """Some clients post every operation to the device service URL: the namespace decides."""
    cam = demo.camera("perimeter-ptz")
    reply = await soap(http, cam, "tptz", "GetPresets", "<ProfileToken>Profile_1</ProfileToken>", path_prefix="tds")
    assert [p.findtext("tt:Name", namespaces=NS) for p in reply.findall(".//tptz:Preset")] == [
        "Gate", "Loading bay", "North fence"]
    assert cam.received == ["tptz:GetPresets"]


async def test_device_service_listing_and_capabilities(demo, http) -> None:
    cam = demo.camera("thermal-entrance")
    services = await soap(http, cam, "tds", "GetServices", "<IncludeCapability>true</IncludeCapability>", user=None)
    listed = {s.findtext("tds:Namespace", namespaces=NS) for s in services.findall(".//tds:Service")}
    assert NS["tth"] in listed and NS["tptz"] not in listed
    thermal = [s for s in services.findall(".//tds:Service") if s.findtext("tds:Namespace", namespaces=NS) == NS["tth"]]
    assert thermal[0].find("tds:Capabilities/tth:Capabilities", NS).get("Radiometry") == "true"
    caps = await soap(http, cam, "tds", "GetCapabilities", "<Category>All</Category>", user=None)
    assert caps.text(".//tt:Media/tt:XAddr").endswith("/onvif/media_service")
    assert caps.find(".//tt:PTZ", NS) is None
    assert caps.text(".//tt:Extension/tt:Recording/tt:XAddr").endswith("/onvif/recording_service")
    gw = await soap(http, cam, "tds", "GetNetworkDefaultGateway")
    assert [g.text for g in gw.findall(".//tt:IPv4Address")] == ["127.0.10.1"]
    ntp = await soap(http, demo.camera("residential-entrance"), "tds", "GetNTP")
    assert ntp.findall(".//tt:NTPManual") == []


async def test_ptz_auto_tracking_vendor_extension(http) -> None:
    from lab import parse_fleet, run_fleet

    fleet = parse_fleet("cameras:\n  - name: tracker\n    address: 127.0.0.1\n"
                        "    auth: {users: {auditor: {password: demo-pass}}}\n"
                        "    ptz: {nodes: [{token: N1, auto_tracking: true}]}\n")
    async with run_fleet(fleet, port_override=0) as running:
        reply = await soap(http, running.cameras[0], "tptz", "GetConfigurations")
        cfg = reply.find(".//tptz:PTZConfiguration")
        assert cfg.findtext("tt:NodeToken", namespaces=NS) == "N1"
        assert cfg.findtext("tt:Extension/{urn:camaudit:lab:ptz}AutoTracking", namespaces=NS) == "true"


async def test_device_strings_are_escaped(http) -> None:
    """Fleet strings with markup and ampersands reach the client as text, never as markup."""
    from lab import parse_fleet, run_fleet

    fleet = parse_fleet("cameras:\n  - name: evil\n    address: 127.0.0.1\n"
                        "    auth: {users: {auditor: {password: demo-pass}}}\n"
                        "    identity: {manufacturer: '<script>alert(1)</script> & Co', model: \"A\\\"B'C\"}\n")
    async with run_fleet(fleet, port_override=0) as running:
        reply = await soap(http, running.cameras[0], "tds", "GetDeviceInformation")
        assert reply.text(".//tds:Manufacturer") == "<script>alert(1)</script> & Co"
        assert reply.text(".//tds:Model") == "A\"B'C"
        assert b"<script>" not in reply.body
