"""Real device replies (captured by public projects, see tests/corpus/SOURCES.md) through our parsers.

Each expected value was read off the reply by hand. The point is to catch the
gap between the ONVIF standard our lab follows and what cameras actually send:
odd prefixes, gSOAP/Hikvision/Axis envelopes, SOAP 1.1-style faults in 1.2
envelopes, missing optional elements, vendor QNames.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from probes.errors import BadReply, SoapFault
from probes.factvalues.analytics import AnalyticsConfig
from probes.factvalues.cloud import DynamicDns
from probes.factvalues.media import MediaProfile, Osd, VideoEncoder
from probes.factvalues.network import Dns, IpFilter, NetworkInterface, NetworkProtocol, Ntp, ZeroConfiguration
from probes.factvalues.ptz import PtzNode, PtzPreset
from probes.factvalues.recording import Recording, RecordingJob, RecordingSummary
from probes.factvalues.services import OfferedService
from probes.factvalues.users import User
from probes.onvif import _parsers as P
from probes.onvif._ns import Service
from probes.onvif._records import DeviceInformation, SystemDateTime
from probes.onvif._soap import OperationUnsupported, interpret
from probes.onvif._xml import SchemaViolation
from tests.corpus.real import real_replies, real_reply


def parse(rel: str, operation: str, status: int = 200) -> Any:
    return interpret(operation, status, real_reply(rel))


def test_every_real_reply_names_its_source() -> None:
    replies = real_replies()
    assert len(replies) >= 25
    for rel, raw in replies.items():
        head = raw[:600].decode("utf-8", errors="replace")
        assert "<!-- source:" in head and ("MIT" in head or "BSD" in head or "reconstructed" in head), rel


# ------------------------------------------------------------------ device service

def test_milesight_device_information() -> None:
    assert P.device_information(parse("milesight/GetDeviceInformation.xml", "tds:GetDeviceInformation")) == \
        DeviceInformation(manufacturer="Milesight Technology Co.,Ltd.", model="MS-C8165-PE", firmware="61.8.0.3-r8",
                          serial="EM82V102329001403", hardware_id="V1.0")


def test_reply_echoing_a_security_header_still_parses() -> None:
    info = P.device_information(parse("agsh-mockup/GetDeviceInformation.xml", "tds:GetDeviceInformation"))
    assert info.firmware == "Mockup_15_14_13" and info.hardware_id == "MOCKUP"


def test_milesight_scopes_keep_empty_configurable_values() -> None:
    scopes = P.scopes(parse("milesight/GetScopes.xml", "tds:GetScopes"))
    assert len(scopes) == 10
    assert scopes[0] == "onvif://www.onvif.org/type/Network_Video_Transmitter"
    assert "onvif://www.onvif.org/location/" in scopes and "onvif://www.onvif.org/Profile/T" in scopes
    assert scopes[-1] == "onvif://www.onvif.org/Profile/Q/FactoryDefault"


def test_hikvision_get_services_with_capabilities() -> None:
    svcs = P.services(parse("hikvision/GetServices.xml", "tds:GetServices"))
    assert [s.namespace.rsplit("/", 2)[-2] for s in svcs] == [
        "device", "media", "events", "imaging", "deviceIO", "analytics"]
    assert svcs[0] == OfferedService(namespace=Service.DEVICE.namespace,
                                     xaddr="http://10.10.1.65/onvif/device_service", version="2.40")
    assert svcs[4].version == "2.21"


def test_axis_get_capabilities_shares_one_xaddr() -> None:
    svcs = P.capabilities_services(parse("axis/GetCapabilities.xml", "tds:GetCapabilities"))
    assert all(s.version is None for s in svcs)  # GetCapabilities names no versions
    by_ns = {s.namespace: s.xaddr for s in svcs}
    assert by_ns == {
        Service.DEVICE.namespace: "http://192.168.0.19/onvif/device_service",
        Service.EVENTS.namespace: "http://192.168.0.19/onvif/services",
        Service.MEDIA.namespace: "http://192.168.0.19/onvif/services",
        Service.PTZ.namespace: "http://192.168.0.19/onvif/services",
    }


@pytest.mark.parametrize("rel", ["axis/GetSystemDateAndTime.xml", "axis/GetSystemDateAndTime_NTP.xml"])
def test_axis_system_date_and_time(rel: str) -> None:
    expected = {
        "axis/GetSystemDateAndTime.xml": SystemDateTime(
            source="Manual", utc=datetime(2024, 7, 9, 19, 49, 6, tzinfo=UTC), timezone="BRT3",
            local=datetime(2024, 7, 9, 16, 49, 6)),
        "axis/GetSystemDateAndTime_NTP.xml": SystemDateTime(
            source="NTP", utc=datetime(2018, 2, 21, 16, 19, 59, tzinfo=UTC), timezone="MST7MDT,M3.2.0,M11.1.0",
            local=datetime(2018, 2, 21, 9, 19, 59)),
    }
    assert P.system_date_time(parse(rel, "tds:GetSystemDateAndTime")) == expected[rel]


def test_axis_and_hikvision_users() -> None:
    assert P.users(parse("axis/GetUsers.xml", "tds:GetUsers")) == [
        User(username="admin", level="Administrator"), User(username="root", level="Administrator")]
    assert P.users(parse("hikvision/GetUsers.xml", "tds:GetUsers")) == [User(username="admin", level="Administrator")]


def test_axis_network_interface_with_manual_linklocal_and_dhcp_addresses() -> None:
    (nic,) = P.network_interfaces(parse("axis/GetNetworkInterfaces.xml", "tds:GetNetworkInterfaces"))
    assert nic == NetworkInterface(token="eth0", name="eth0", mac="00:40:8c:fa:b7:54", enabled=True,
                                   ipv4=("10.10.1.20/16", "169.254.138.132/16", "192.168.0.19/24"), dhcp=True)


def test_axis_network_protocols_with_a_zero_port() -> None:
    protos = P.network_protocols(parse("axis/GetNetworkProtocols.xml", "tds:GetNetworkProtocols"))
    assert protos == [NetworkProtocol(name="HTTP", enabled=True, ports=(80, 0)),
                      NetworkProtocol(name="HTTPS", enabled=False, ports=(443,)),
                      NetworkProtocol(name="RTSP", enabled=True, ports=(554,))]


def test_hikvision_ntp_without_xml_declaration_uses_dns_name() -> None:
    assert P.ntp(parse("hikvision/GetNTP.xml", "tds:GetNTP")) == Ntp(from_dhcp=False, servers=("time.windows.com",))


def test_hikvision_dns_from_dhcp() -> None:
    assert P.dns(parse("hikvision/GetDNS.xml", "tds:GetDNS")) == Dns(from_dhcp=True, servers=("10.10.1.4",))


# ------------------------------------------------------------------ media

def test_hikvision_profiles_share_one_audio_encoder() -> None:
    profiles = P.media1_profiles(parse("hikvision/GetProfiles.xml", "trt:GetProfiles"))
    assert [p.token for p in profiles] == ["Profile_1", "Profile_2"]
    assert profiles[0] == MediaProfile(token="Profile_1", name="mainStream", video_source="VideoSource_1",
                                       video_encoder="VideoEncoderToken_1", audio_source="AudioSourceConfigToken",
                                       audio_encoder="MainAudioEncoderToken", ptz="PTZToken",
                                       analytics="VideoAnalyticsToken")
    assert profiles[1].audio_encoder == "MainAudioEncoderToken" and profiles[1].analytics is None


def test_recorder_profile_without_video_encoder() -> None:
    profiles = P.media1_profiles(parse("recorder-multichannel/GetProfiles.xml", "trt:GetProfiles"))
    assert len(profiles) == 2
    assert profiles[0].video_encoder == "00000" and profiles[0].audio_encoder == "00000"
    assert profiles[1].video_encoder is None and profiles[1].audio_encoder == "00001"
    assert profiles[1].name == "MediaProfile_Channel1_SubStream1"


def test_hikvision_video_encoders_with_float_quality() -> None:
    profiles = P.media1_profiles(parse("hikvision/GetProfiles.xml", "trt:GetProfiles"))
    encs = P.video_encoders(parse("hikvision/GetVideoEncoderConfigurations.xml", "trt:GetVideoEncoderConfigurations"),
                            Service.MEDIA.namespace, profiles)
    assert encs == [
        VideoEncoder(token="VideoEncoderToken_1", encoding="H264", width=1280, height=720, fps=10.0,
                     bitrate_kbps=2048, profiles=("Profile_1",)),
        VideoEncoder(token="VideoEncoderToken_2", encoding="H264", width=352, height=240, fps=30.0,
                     bitrate_kbps=512, profiles=("Profile_2",)),
    ]


def test_gsoap_video_encoder() -> None:
    (enc,) = P.video_encoders(parse("agsh-mockup/GetVideoEncoderConfigurations.xml",
                                    "trt:GetVideoEncoderConfigurations"), Service.MEDIA.namespace, None)
    assert (enc.token, enc.width, enc.height, enc.fps, enc.bitrate_kbps) == ("main", 1920, 1080, 5.0, 512)


def test_audio_encoder_configuration_without_encoding_is_a_schema_violation() -> None:
    el = parse("agsh-mockup/GetAudioEncoderConfigurations_empty_config.xml", "trt:GetAudioEncoderConfigurations")
    with pytest.raises(SchemaViolation, match="Encoding"):
        P.audio_encoders(el, Service.MEDIA.namespace, None)


# ------------------------------------------------------------------ recording, search, analytics

def test_axis_recordings_with_empty_source_id() -> None:
    recs = P.recordings(parse("axis/GetRecordings.xml", "trc:GetRecordings"))
    assert len(recs) == 2
    assert recs[0] == Recording(token="SD_DISK_20200422_123501_A2388AB3", source=None, source_address=None,
                                max_retention_seconds=3600, max_retention="PT1H", content="beta cam 1",
                                tracks=("Video", "Audio", "Metadata"))
    assert recs[1].tracks == ("Video",)


def test_axis_recording_jobs() -> None:
    assert P.recording_jobs(parse("axis/GetRecordingJobs.xml", "trc:GetRecordingJobs")) == [
        RecordingJob(token="SD_DISK_20241120_211729_9C896594", recording="SD_DISK_20241120_211729_9C896594",
                     mode="Active", schedule=None)]


def test_recording_summary_from_the_epoch() -> None:
    assert P.recording_summary(parse("gsoap-device/GetRecordingSummary.xml", "tse:GetRecordingSummary")) == \
        RecordingSummary(data_from="1970-01-01T00:00:00Z", data_until="2024-12-13T08:08:49Z", recordings=8)


def test_hikvision_analytics_modules_keep_vendor_qname() -> None:
    mods = P.analytics_modules(parse("hikvision/GetAnalyticsModules.xml", "tan:GetAnalyticsModules"))
    assert mods == [AnalyticsConfig(name="MyCellMotionModule", type="tt:CellMotionEngine"),
                    AnalyticsConfig(name="MyLineDetectorModule", type="tt:LineDetectorEngine"),
                    AnalyticsConfig(name="MyFieldDetectorModule", type="tt:FieldDetectorEngine"),
                    AnalyticsConfig(name="MyTamperDetecModule", type="hikxsd:TamperEngine")]


def test_reply_with_wsa_action_header_is_accepted() -> None:
    el = parse("hikvision/events_GetServiceCapabilities.xml", "tev:GetServiceCapabilities")
    assert el.tag == f"{{{Service.EVENTS.namespace}}}GetServiceCapabilitiesResponse"


# ------------------------------------------------------------------ faults and broken replies

def test_axis_audio_fault_is_unsupported() -> None:
    with pytest.raises(OperationUnsupported, match="ActionNotSupported/AudioNotSupported: No audio support"):
        parse("axis/fault_audio_not_supported.xml", "trt:GetAudioSources", status=500)


def test_hikvision_soap11_style_fault_in_a_soap12_envelope_keeps_its_reason() -> None:
    with pytest.raises(SoapFault, match="Sender: the xml format error") as info:
        parse("hikvision/fault_soap11_children_in_soap12.xml", "trt:GetProfiles", status=400)
    assert info.value.code == "Sender"
    assert not isinstance(info.value, OperationUnsupported)


@pytest.mark.parametrize("rel", ["agsh-mockup/GetNetworkDefaultGateway_undeclared_prefix.xml",
                                 "agsh-mockup/fault_curly_quotes_declaration.xml"])
def test_malformed_real_replies_are_errors_with_a_reason(rel: str) -> None:
    with pytest.raises(BadReply, match="not well-formed XML: .+"):
        parse(rel, "tds:GetNetworkDefaultGateway")


# ------------------------------------------------------------------ encodings seen on real firmware

def test_utf8_bom_before_the_declaration_is_accepted() -> None:
    raw = b"\xef\xbb\xbf" + real_reply("hikvision/GetUsers.xml")
    assert P.users(interpret("tds:GetUsers", 200, raw)) == [User(username="admin", level="Administrator")]


def test_gbk_bytes_in_a_utf8_reply_become_visible_replacement_characters() -> None:
    # home-assistant/core#89620 (VIKVIZ firmware): "Input is not proper UTF-8 ... Bytes: 0xCE 0xC4".
    raw = real_reply("hikvision/GetUsers.xml").replace(b">admin<", b">\xce\xc4admin<")
    (user,) = P.users(interpret("tds:GetUsers", 200, raw))
    assert user.username == "\ufffd\ufffdadmin"


def test_declared_latin1_is_decoded_as_latin1_not_repaired() -> None:
    raw = real_reply("hikvision/GetUsers.xml").replace(b'encoding="UTF-8"', b'encoding="ISO-8859-1"')
    (user,) = P.users(interpret("tds:GetUsers", 200, raw.replace(b">admin<", b">caf\xe9<")))
    assert user.username == "caf\u00e9"


def test_invalid_bytes_under_another_declared_encoding_stay_an_error() -> None:
    raw = real_reply("hikvision/GetUsers.xml").replace(b'encoding="UTF-8"', b'encoding="UTF-16"')
    with pytest.raises(BadReply):
        interpret("tds:GetUsers", 200, raw)


def test_hikvision_security_capabilities_counts_are_not_booleans() -> None:
    # The device service's Capabilities as the camera embeds them in GetServices(IncludeCapability), wrapped
    # into the GetServiceCapabilities response shape they share (tds:DeviceServiceCapabilities).
    svc = parse("hikvision/GetServices.xml", "tds:GetServices")
    tds = Service.DEVICE.namespace
    caps = svc.find(f"{{{tds}}}Service/{{{tds}}}Capabilities/{{{tds}}}Capabilities")
    from lxml import etree
    resp = etree.Element(f"{{{tds}}}GetServiceCapabilitiesResponse")
    resp.append(caps)
    sec = P.security_capabilities(resp)
    assert sec.username_token is True and sec.http_digest is True
    assert sec.tls1_0 is False and sec.tls1_2 is False and sec.x509_token is False
    assert sec.supported_eap_methods == 0  # an IntList, not "false"
    assert "supported_eapmethods" not in sec.other  # the attribute lands in the field the model names


# ----------------------------------------------------------- "this operation does not exist", as firmware says it

@pytest.mark.parametrize(("rel", "operation", "status"), [
    ("reconstructed/gsoap_fault_method_not_implemented.xml", "tds:GetStorageConfigurations", 400),
    ("reconstructed/soap11_fault_client_not_implemented.xml", "trt:GetServiceCapabilities", 500),
])
def test_gsoap_method_not_implemented_is_unsupported(rel: str, operation: str, status: int) -> None:
    with pytest.raises(OperationUnsupported, match="not implemented: method name or namespace not recognized"):
        parse(rel, operation, status=status)


@pytest.mark.parametrize("reason", ["Optional Action Not Implemented", "The requested action is not supported",
                                    "no such operation"])
def test_unsupported_reason_texts(reason: str) -> None:
    raw = real_reply("reconstructed/gsoap_fault_method_not_implemented.xml").replace(
        b"Method 'tds:GetStorageConfigurations' not implemented: method name or namespace not recognized",
        reason.encode())
    with pytest.raises(OperationUnsupported):
        interpret("tds:GetStorageConfigurations", 400, raw)


@pytest.mark.parametrize("reason", ["the xml format error", "Invalid profile token", "Internal error",
                                    "Resolution not supported by the encoder"])
def test_other_faults_are_not_mistaken_for_unsupported(reason: str) -> None:
    raw = real_reply("reconstructed/gsoap_fault_method_not_implemented.xml").replace(
        b"Method 'tds:GetStorageConfigurations' not implemented: method name or namespace not recognized",
        reason.encode())
    with pytest.raises(SoapFault) as info:
        interpret("tds:GetStorageConfigurations", 400, raw)
    assert not isinstance(info.value, OperationUnsupported)


def test_service_not_supported_subcode_is_unsupported() -> None:
    raw = real_reply("axis/fault_audio_not_supported.xml").replace(
        b"ter:ActionNotSupported", b"ter:InvalidArgVal").replace(b"ter:AudioNotSupported", b"ter:ServiceNotSupported")
    with pytest.raises(OperationUnsupported, match="InvalidArgVal/ServiceNotSupported"):
        interpret("trt:GetAudioSources", 400, raw)


# ------------------------------------------------------------------ Media2

def test_media2_axis_style_profile() -> None:
    (p,) = P.media2_profiles(parse("reconstructed/tr2_GetProfiles_axis_style.xml", "tr2:GetProfiles"))
    assert p == MediaProfile(token="profile_1_h264", name="profile_1 h264", video_source="0",
                             video_encoder="default_1_h264")


def test_media2_profile_with_tt_name_is_read_and_without_name_is_an_error() -> None:
    el = parse("reconstructed/tr2_GetProfiles_tt_name_simulator.xml", "tr2:GetProfiles")
    (p,) = P.media2_profiles(el)
    assert (p.token, p.name, p.video_encoder, p.video_source) == (
        "media_profile_main", "MainProfile", "vec_main", "video_source_0")
    raw = real_reply("reconstructed/tr2_GetProfiles_tt_name_simulator.xml").replace(
        b"<tt:Name>MainProfile</tt:Name>", b"")
    with pytest.raises(SchemaViolation, match="tr2:Name"):
        P.media2_profiles(interpret("tr2:GetProfiles", 200, raw))


@pytest.mark.parametrize(("value", "seconds"), [
    ("PT0S", 0), ("P7D", 604800), ("PT168H", 604800), ("P0Y0M7DT0H0M0S", 604800), ("PT0H0M0S", 0),
    ("PT86400.000S", 86400), ("P1W", 604800), ("P30D", 2592000)])
def test_retention_spellings_seen_on_devices(value: str, seconds: int) -> None:
    raw = real_reply("axis/GetRecordings.xml").replace(b"PT1H", value.encode())
    recs = P.recordings(interpret("trc:GetRecordings", 200, raw))
    assert [r.max_retention_seconds for r in recs] == [seconds, seconds]


@pytest.mark.parametrize("value", ["168:00:00", "7", "pt1h", "P1DT", ""])
def test_non_duration_retention_is_an_error(value: str) -> None:
    raw = real_reply("axis/GetRecordings.xml").replace(b"PT1H", value.encode())
    with pytest.raises(SchemaViolation, match="MaximumRetentionTime"):
        P.recordings(interpret("trc:GetRecordings", 200, raw))


# ------------------------------------------------------------------ more device settings (Axis, Hikvision)

def test_hikvision_and_axis_scopes_decode_to_names() -> None:
    from probes.discovery._wsd import parse_onvif_scopes
    hik = P.scopes(parse("hikvision/GetScopes.xml", "tds:GetScopes"))
    axis = P.scopes(parse("axis/GetScopes.xml", "tds:GetScopes"))
    assert len(hik) == 6 and len(axis) == 6
    assert parse_onvif_scopes(hik).name == "HIKVISION DS-2CD2012-I"
    assert parse_onvif_scopes(hik).profiles == ("Streaming", "G")
    info = parse_onvif_scopes(axis)
    assert (info.name, info.hardware, info.location) == ("AXIS Q6045-E", "Q6045-E", None)


def test_hikvision_dynamic_dns_client_updates_without_a_name() -> None:
    # Factory default: DDNS mode "ClientUpdates" but no name configured. The empty name is reported as
    # missing (null), the mode as the device states it; docs/facts.md explains how checks should read it.
    assert P.dynamic_dns(parse("hikvision/GetDynamicDNS.xml", "tds:GetDynamicDNS")) == DynamicDns(
        type="ClientUpdates", name=None)


def test_hikvision_deny_filter_without_addresses() -> None:
    assert P.ip_filter(parse("hikvision/GetIPAddressFilter.xml", "tds:GetIPAddressFilter")) == IpFilter(
        type="Deny", prefixes=())


def test_hikvision_hostname_and_axis_dns_and_zeroconf() -> None:
    assert P.hostname(parse("hikvision/GetHostname.xml", "tds:GetHostname")) == "localhost"
    assert P.dns(parse("axis/GetDNS.xml", "tds:GetDNS")) == Dns(from_dhcp=True, servers=("192.168.0.1",),
                                                                search_domains=("hitronhub.home",))
    assert P.zero_configuration(parse("axis/GetZeroConfiguration.xml", "tds:GetZeroConfiguration")) == \
        ZeroConfiguration(enabled=True, addresses=("169.254.138.132",))


def test_axis_ptz_node_without_name_and_presets() -> None:
    assert P.ptz_nodes(parse("axis/GetNodes.xml", "tptz:GetNodes")) == [PtzNode(token="1", name=None, fixed_home=None)]
    assert P.ptz_presets(parse("axis/GetPresets.xml", "tptz:GetPresets")) == [
        PtzPreset(token="22", name="Living Room"), PtzPreset(token="21", name="Window"),
        PtzPreset(token="20", name="Kitchen")]


def test_hikvision_get_capabilities_with_vendor_extension() -> None:
    svcs = P.capabilities_services(parse("hikvision/GetCapabilities.xml", "tds:GetCapabilities"))
    assert {s.namespace: s.xaddr for s in svcs} == {
        Service.ANALYTICS.namespace: "http://10.10.1.65/onvif/Analytics",
        Service.DEVICE.namespace: "http://10.10.1.65/onvif/device_service",
        Service.EVENTS.namespace: "http://10.10.1.65/onvif/Events",
        Service.MEDIA.namespace: "http://10.10.1.65/onvif/Media",
    }


def test_hikvision_supported_analytics_modules() -> None:
    assert P.supported_analytics_modules(parse("hikvision/GetSupportedAnalyticsModules.xml",
                                               "tan:GetSupportedAnalyticsModules")) == [
        "tt:CellMotionEngine", "tt:LineDetectorEngine", "tt:FieldDetectorEngine", "hikxsd:TamperEngine"]


# ------------------------------------------------------------------ every file, through its parser

_TRT, _TR2 = Service.MEDIA.namespace, Service.MEDIA2.namespace
_PARSER_OF: dict[str, tuple[str, Any]] = {  # file stem (before "_") -> operation, parser
    "GetDeviceInformation": ("tds:GetDeviceInformation", P.device_information),
    "GetScopes": ("tds:GetScopes", P.scopes), "GetServices": ("tds:GetServices", P.services),
    "GetCapabilities": ("tds:GetCapabilities", P.capabilities_services),
    "GetSystemDateAndTime": ("tds:GetSystemDateAndTime", P.system_date_time),
    "GetUsers": ("tds:GetUsers", P.users), "GetNetworkInterfaces": ("tds:GetNetworkInterfaces",
                                                                    P.network_interfaces),
    "GetNetworkProtocols": ("tds:GetNetworkProtocols", P.network_protocols), "GetDNS": ("tds:GetDNS", P.dns),
    "GetNTP": ("tds:GetNTP", P.ntp), "GetHostname": ("tds:GetHostname", P.hostname),
    "GetDynamicDNS": ("tds:GetDynamicDNS", P.dynamic_dns),
    "GetIPAddressFilter": ("tds:GetIPAddressFilter", P.ip_filter),
    "GetZeroConfiguration": ("tds:GetZeroConfiguration", P.zero_configuration),
    "GetProfiles": ("trt:GetProfiles", P.media1_profiles),
    "tr2": ("tr2:GetProfiles", P.media2_profiles),
    "GetVideoEncoderConfigurations": ("trt:GetVideoEncoderConfigurations",
                                      lambda el: P.video_encoders(el, _TRT, None)),
    "GetAudioEncoderConfigurations": ("trt:GetAudioEncoderConfigurations",
                                      lambda el: P.audio_encoders(el, _TRT, None)),
    "GetNodes": ("tptz:GetNodes", P.ptz_nodes), "GetPresets": ("tptz:GetPresets", P.ptz_presets),
    "GetRecordings": ("trc:GetRecordings", P.recordings), "GetRecordingJobs": ("trc:GetRecordingJobs",
                                                                              P.recording_jobs),
    "GetRecordingSummary": ("tse:GetRecordingSummary", P.recording_summary),
    "GetAnalyticsModules": ("tan:GetAnalyticsModules", P.analytics_modules),
    "GetSupportedAnalyticsModules": ("tan:GetSupportedAnalyticsModules", P.supported_analytics_modules),
    "events": ("tev:GetServiceCapabilities", lambda el: el.tag),
    "GetNetworkDefaultGateway": ("tds:GetNetworkDefaultGateway", P.gateway),
    "GetOSDs": ("trt:GetOSDs", lambda el: P.osds(el, _TRT)),
    "GetStreamUri": ("trt:GetStreamUri", P.media1_stream_uri),
}
# Files that must NOT yield a value, and the error each must raise instead.
_MUST_FAIL: dict[str, type[Exception]] = {
    "agsh-mockup/GetAudioEncoderConfigurations_empty_config.xml": SchemaViolation,
    "agsh-mockup/GetNetworkDefaultGateway_undeclared_prefix.xml": BadReply,
    "agsh-mockup/fault_curly_quotes_declaration.xml": BadReply,
}


@pytest.mark.parametrize("rel", sorted(rel for rel in real_replies() if "fault" not in Path(rel).name))
def test_every_real_reply_goes_through_its_parser(rel: str) -> None:
    operation, parser = _PARSER_OF[Path(rel).stem.split("_")[0]]
    if rel in _MUST_FAIL:
        with pytest.raises(_MUST_FAIL[rel]):
            parser(parse(rel, operation))
        return
    value = parser(parse(rel, operation))
    assert value is not None and value != "", rel  # every capture here carries data
    assert not isinstance(value, list | tuple) or value, rel


def test_hikvision_media1_stream_uri() -> None:
    """trt:MediaUri/tt:Uri of a real Media1 reply, the escaped & of its query restored."""
    assert P.media1_stream_uri(parse("hikvision/GetStreamUri.xml", "trt:GetStreamUri")) == \
        "rtsp://10.10.1.60:80/Streaming/Channels/1?transportmode=unicast&profile=Profile_1"


def test_hikvision_osds() -> None:
    assert P.osds(parse("hikvision/GetOSDs.xml", "trt:GetOSDs"), Service.MEDIA.namespace) == [
        Osd(token="OsdToken_101", type="Text", text_type="DateAndTime", text=None),
        Osd(token="OsdToken_100", type="Text", text_type="Plain", text="Camera 01")]
