"""Parsers and reply classification, from captured/constructed replies (sans I/O).

Replies use odd prefixes (SOAP-ENV, ns1, a/b/c, default namespaces) on purpose:
parsing must go by namespace URI and local name only.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from probes.errors import AuthRejected, BadReply
from probes.factvalues.analytics import AnalyticsConfig
from probes.factvalues.cloud import EventBroker, Uplink
from probes.factvalues.media import MediaProfile, VideoEncoder
from probes.factvalues.recording import StorageTarget
from probes.onvif import _parsers as P
from probes.onvif._records import DeviceInformation
from probes.onvif._soap import OperationUnsupported, evidence, interpret
from probes.onvif._xml import SchemaViolation, local

REPLIES = Path(__file__).parent / "replies"


def reply(name: str) -> bytes:
    return (REPLIES / name).read_bytes()


def test_device_information_with_odd_prefixes() -> None:
    el = interpret("tds:GetDeviceInformation", 200, reply("GetDeviceInformation.xml"))
    assert P.device_information(el) == DeviceInformation(manufacturer="AXIS", model="P3245-LVE",
                                                         firmware="10.12.114", serial="ACCC8E1A2B11",
                                                         hardware_id="7D4")


def test_missing_required_element_is_a_schema_violation() -> None:
    raw = reply("GetDeviceInformation.xml").replace(b"<ns1:HardwareId>7D4</ns1:HardwareId>", b"")
    el = interpret("tds:GetDeviceInformation", 200, raw)
    with pytest.raises(SchemaViolation, match="HardwareId"):
        P.device_information(el)


def test_wrong_namespace_is_not_accepted_by_prefix() -> None:
    # Same prefix "ns1", but bound to the media namespace: the response element does not match.
    raw = reply("GetDeviceInformation.xml").replace(b"ver10/device/wsdl", b"ver10/media/wsdl")
    with pytest.raises(SchemaViolation, match="GetDeviceInformationResponse"):
        interpret("tds:GetDeviceInformation", 200, raw)


def test_system_date_and_time() -> None:
    el = interpret("tds:GetSystemDateAndTime", 200, reply("GetSystemDateAndTime.xml"))
    value = P.system_date_time(el)
    assert value.source == "Manual"
    assert value.utc is not None and value.utc.isoformat() == "2026-11-23T10:20:30+00:00"
    assert value.timezone is not None and value.timezone.startswith("CET-1")


def test_media2_profiles_in_default_namespace() -> None:
    el = interpret("tr2:GetProfiles", 200, reply("tr2_GetProfiles.xml"))
    profiles = P.media2_profiles(el)
    assert profiles[0] == MediaProfile(token="Profile_1", name="mainStream", video_source="VideoSource_1",
                                       video_encoder="VEC_1", audio_source="ASC_1", audio_encoder="AEC_1",
                                       ptz="PTZConf_1", analytics="VideoAnalytics_1")
    assert profiles[1].audio_encoder is None and profiles[1].video_encoder == "VEC_2"


def test_width_not_an_integer_is_an_error_not_an_empty_value() -> None:
    el = interpret("tr2:GetVideoEncoderConfigurations", 200, reply("tr2_GetVideoEncoderConfigurations_bad_width.xml"))
    with pytest.raises(SchemaViolation, match="Width is not an integer: 'wide'"):
        P.video_encoders(el, P.TR2, None)


def test_video_encoder_ok_and_profiles_joined() -> None:
    raw = reply("tr2_GetVideoEncoderConfigurations_bad_width.xml").replace(b">wide<", b">1920<")
    el = interpret("tr2:GetVideoEncoderConfigurations", 200, raw)
    profiles = [MediaProfile(token="Profile_1", name="main", video_encoder="VEC_1"),
                MediaProfile(token="Profile_9", name="other", video_encoder="X")]
    assert P.video_encoders(el, P.TR2, profiles) == [
        VideoEncoder(token="VEC_1", encoding="H264", width=1920, height=1080, fps=25.0, bitrate_kbps=4096,
                     profiles=("Profile_1",))]


def test_recordings_retention_and_tracks() -> None:
    el = interpret("trc:GetRecordings", 200, reply("trc_GetRecordings.xml"))
    recs = P.recordings(el)
    assert recs[0].max_retention_seconds == 7 * 86400
    assert recs[0].tracks == ("Video", "Audio") and recs[0].source == "Profile_1"
    assert recs[1].max_retention_seconds == 0 and recs[1].unlimited  # PT0S = unlimited


@pytest.mark.parametrize(("text", "seconds"), [("P7D", 604800), ("PT72H", 259200), ("P60D", 5184000),
                                                ("PT0S", 0), ("P1Y", 31536000), ("PT1H30M", 5400),
                                                ("P1DT0.5S", 86400)])
def test_duration(text: str, seconds: int) -> None:
    assert P.duration_seconds(text, "x") == seconds


@pytest.mark.parametrize("text", ["", "P", "PT", "7D", "P-7D", "-P7D", "P7DT", "forever"])
def test_bad_duration(text: str) -> None:
    with pytest.raises(SchemaViolation):
        P.duration_seconds(text, "MaximumRetentionTime")


def test_rule_types_resolved_through_device_prefixes() -> None:
    el = interpret("tan:GetRules", 200, reply("tan_GetRules.xml"))
    rules = P.analytics_rules(el)
    assert rules == [AnalyticsConfig(name=name, type=kind) for name, kind in (
        ("faces", "tt:FaceRecognition"), ("plates", "tt:LicensePlateRecognition"), ("vendor", "hik:FaceCompareRule"))]
    from probes.onvif.services.analytics import biometric_types
    assert biometric_types(None, rules) == ["hik:FaceCompareRule", "tt:FaceRecognition"]


def test_storage_targets() -> None:
    el = interpret("tds:GetStorageConfigurations", 200, reply("GetStorageConfigurations.xml"))
    assert P.storage_configurations(el) == [
        StorageTarget(token="SD_1", type="LocalStorage", uri="/mnt/sd", local=True),
        StorageTarget(token="S3_1", type="ObjectStorageS3", uri="https://s3.eu-central-1.amazonaws.com/bucket",
                      local=False)]


def test_uplinks_and_brokers() -> None:
    el = interpret("tup:GetUplinks", 200, reply("GetUplinks.xml"))
    assert P.uplinks(el) == [Uplink(remote_address="wss://cloud.vendor.example:443", status="Connected",
                                    user_level="Operator")]
    el = interpret("tev:GetEventBrokers", 200, reply("GetEventBrokers.xml"))
    assert P.event_brokers(el) == [EventBroker(address="mqtts://broker.vendor.example:8883",
                                               topic_prefix="cams/door", status="Connected")]


def test_evidence_redacts_device_secrets_but_hashes_raw() -> None:
    import hashlib
    raw = reply("GetEventBrokers.xml")
    ev = evidence("tev:GetEventBrokers", raw, None)
    assert "hunter2" not in ev.excerpt and "<tev:Password>***</tev:Password>" in ev.excerpt
    assert ev.excerpt.startswith("<tev:GetEventBrokersResponse")  # starts at the Body, not the envelope
    assert ev.sha256 == hashlib.sha256(raw).hexdigest()
    ev2 = evidence("tds:GetStorageConfigurations", reply("GetStorageConfigurations.xml"), None)
    assert "s3cr3t" not in ev2.excerpt


def test_services_keep_reported_xaddrs() -> None:
    el = interpret("tds:GetServices", 200, reply("GetServices.xml"))
    found = P.services(el)
    assert [s.version for s in found] == ["2.60", "2.60", "1.0"]
    assert found[1].xaddr == "http://10.9.9.9:8080/onvif/media2"


# ---------------------------------------------------------------- reply classification

def test_action_not_supported_is_unsupported() -> None:
    with pytest.raises(OperationUnsupported, match="ActionNotSupported"):
        interpret("trt:GetOSDs", 500, reply("fault_action_not_supported.xml"))


@pytest.mark.parametrize("status", [400, 200, 500])
def test_not_authorized_fault_in_any_status_is_auth(status: int) -> None:
    with pytest.raises(AuthRejected, match="NotAuthorized"):
        interpret("tds:GetUsers", status, reply("fault_not_authorized.xml"))


def test_empty_200_is_a_bad_reply() -> None:
    with pytest.raises(BadReply, match="empty HTTP 200"):
        interpret("trt:GetOSDs", 200, b"")


def test_stack_trace_in_200_is_a_bad_reply() -> None:
    with pytest.raises(BadReply, match="not well-formed"):
        interpret("trt:GetOSDs", 200, reply("stacktrace.txt"))


def test_http_500_without_fault() -> None:
    with pytest.raises(BadReply, match="HTTP 500"):
        interpret("trt:GetOSDs", 500, b"<html><body>Internal Server Error</body></html>")


LIGHTTPD_500 = (b'<?xml version="1.0" encoding="iso-8859-1"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 '
                b'Transitional//EN"\n "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n<html><head>'
                b"<title>500 Internal Server Error</title></head><body><h1>500</h1></body></html>")


def test_an_html_error_page_is_named_as_such_not_as_an_entity_risk() -> None:
    with pytest.raises(BadReply, match=r"HTTP 500: reply is an HTML page \(500 Internal Server Error\)"):
        interpret("tds:GetNTP", 500, LIGHTTPD_500)


def test_an_html_doctype_carrying_entities_is_still_refused() -> None:
    raw = LIGHTTPD_500.replace(b'.dtd">', b'.dtd" [<!ENTITY a "aaaa">]>')
    with pytest.raises(BadReply, match="entity expansion risk"):
        interpret("tds:GetNTP", 500, raw)


def test_entity_expansion_refused() -> None:
    with pytest.raises(BadReply, match="DOCTYPE"):
        interpret("tds:GetDeviceInformation", 200, reply("billion_laughs.xml"))


def test_doctype_hidden_in_utf16_refused() -> None:
    raw = reply("billion_laughs.xml").decode().replace('<?xml version="1.0"?>', "").encode("utf-16")
    with pytest.raises(BadReply):
        interpret("tds:GetDeviceInformation", 200, raw)


@pytest.mark.parametrize("before", [b"\n", b"\r\n", b"  \r\n\t"])
def test_blank_lines_before_the_xml_declaration_are_tolerated(before: bytes) -> None:
    """CGI firmware may print a newline before "<?xml": lxml refuses a declaration that is not first."""
    raw = reply("GetDeviceInformation.xml")
    assert raw.startswith(b"<?xml")
    element = interpret("tds:GetDeviceInformation", 200, before + raw)
    assert element is not None and local(element) == "GetDeviceInformationResponse"


def test_a_doctype_after_blank_lines_is_still_refused() -> None:
    with pytest.raises(BadReply, match="DOCTYPE"):
        interpret("tds:GetDeviceInformation", 200, b"\r\n" + reply("billion_laughs.xml"))


@pytest.mark.parametrize("after", [b"\x00", b"\n\x00", b"\x00\x00\r\n"])
def test_a_c_string_terminator_after_the_envelope_is_not_content(after: bytes) -> None:
    """Firmware that counts a C string's NUL in Content-Length: lxml calls the NUL extra content."""
    element = interpret("tds:GetDeviceInformation", 200, reply("GetDeviceInformation.xml") + after)
    assert element is not None and local(element) == "GetDeviceInformationResponse"


@pytest.mark.parametrize("raw", [
    reply("GetDeviceInformation.xml") + b"\x00<x/>",  # content after the NUL
    reply("GetDeviceInformation.xml").replace(b"</ns1:Model>", b"\x00</ns1:Model>") + b"\x00",  # a NUL inside
    reply("billion_laughs.xml") + b"\x00",  # the DOCTYPE is still refused
    reply("billion_laughs.xml").decode().replace('<?xml version="1.0"?>', "").encode("utf-16-le") + b"\x00\x00",
])
def test_nul_bytes_that_are_not_a_terminator_still_fail_the_reply(raw: bytes) -> None:
    with pytest.raises(BadReply):
        interpret("tds:GetDeviceInformation", 200, raw)


def test_truncated_xml() -> None:
    raw = reply("GetDeviceInformation.xml")
    with pytest.raises(BadReply, match="not well-formed"):
        interpret("tds:GetDeviceInformation", 200, raw[: len(raw) // 2])
