"""WS-Discovery parsing: real messages from the lab's own (independent) writer, and hostile datagrams."""

from __future__ import annotations

import logging
import socket

import pytest

from lab.responders import ResponderCamera, bye, hello, probe_matches
from probes.discovery._udp import source_address
from probes.discovery._wsd import (
    MAX_DATAGRAM,
    TYPE_DEVICE,
    WSD_ERRORS,
    WsdError,
    WsdKind,
    build_probe,
    normalize_uuid,
    parse_message,
    parse_onvif_scopes,
    parse_or_none,
)
from probes.discovery._wsd_probe import HelloListener, xaddr_host
from probes.discovery._xml import HostileXml
from probes.discovery.model import DiscoveredDevice
from probes.scope import Scope

CAM = ResponderCamera(
    endpoint_uuid="3FA85F64-5717-4562-B3FC-2C963F66AFA6", address="127.0.0.1",
    xaddrs=["http://192.0.2.20/onvif/device_service", "http://[fd00::20]/onvif/device_service"],
    scopes=["onvif://www.onvif.org/name/Lobby%20West", "onvif://www.onvif.org/hardware/P3245-LVE",
            "onvif://www.onvif.org/location/country/cz", "onvif://www.onvif.org/Profile/Streaming",
            "onvif://www.onvif.org/Profile/T"],
    types=["dn:NetworkVideoTransmitter", "tds:Device", "{http://example.com/vendor}Encoder"],
    discoverable=True, name="lobby", manufacturer="Axis", model="P3245-LVE", serial="ACCC8E000001",
    mac="ac:cc:8e:00:00:01", hostname="axis-accc8e000001", http_port=80, metadata_version=7)


def test_probe_matches_from_the_lab_writer() -> None:
    message = parse_message(probe_matches(CAM, "urn:uuid:1234", instance_id=1, message_number=2))
    assert message.kind is WsdKind.PROBE_MATCHES
    assert message.relates_to == "urn:uuid:1234"
    (endpoint,) = message.endpoints
    assert endpoint.endpoint_uuid == "3fa85f64-5717-4562-b3fc-2c963f66afa6"
    assert endpoint.types == ("dn:NetworkVideoTransmitter", "tds:Device", "{http://example.com/vendor}Encoder")
    assert endpoint.xaddrs == tuple(CAM.xaddrs)
    assert endpoint.scopes == tuple(CAM.scopes)
    assert endpoint.metadata_version == 7


def test_hello_and_bye() -> None:
    h = parse_message(hello(CAM, instance_id=1, message_number=1))
    b = parse_message(bye(CAM, instance_id=1, message_number=2))
    assert (h.kind, b.kind) == (WsdKind.HELLO, WsdKind.BYE)
    assert h.endpoints[0].xaddrs == tuple(CAM.xaddrs)
    assert b.endpoints[0].endpoint_uuid == h.endpoints[0].endpoint_uuid
    assert b.endpoints[0].xaddrs == ()


def test_onvif_scopes_give_name_hardware_location_profiles() -> None:
    info = parse_onvif_scopes(CAM.scopes + ["http://example.com/not/onvif", "onvif://www.onvif.org/name"])
    assert (info.name, info.hardware, info.location) == ("Lobby West", "P3245-LVE", "country/cz")
    assert info.profiles == ("Streaming", "T")
    assert info.manufacturer is None


@pytest.mark.parametrize(("raw", "expected"), [
    ("urn:uuid:3FA85F64-5717-4562-B3FC-2C963F66AFA6", "3fa85f64-5717-4562-b3fc-2c963f66afa6"),
    ("uuid:3fa85f64571745 62b3fc2c963f66afa6".replace(" ", ""), "3fa85f64-5717-4562-b3fc-2c963f66afa6"),
    ("urn:vendor:Cam-7", "urn:vendor:cam-7"),
])
def test_normalize_uuid(raw: str, expected: str) -> None:
    assert normalize_uuid(raw) == expected


def test_build_probe_is_a_probe_for_the_given_type() -> None:
    from lxml import etree

    root = etree.fromstring(build_probe("urn:uuid:abc", (TYPE_DEVICE,)))
    types = root.find(".//{http://schemas.xmlsoap.org/ws/2005/04/discovery}Types")
    prefix, local = types.text.split(":")
    assert (types.nsmap[prefix], local) == TYPE_DEVICE
    assert root.findtext(".//{http://schemas.xmlsoap.org/ws/2004/08/addressing}MessageID") == "urn:uuid:abc"


GOOD = probe_matches(CAM, "urn:uuid:1", instance_id=1, message_number=1)
BILLION_LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                  b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
                  b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
                  b"<lolz>&lol3;</lolz>")
XXE = (b'<?xml version="1.0"?><!DOCTYPE e [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
       + GOOD.split(b"?>", 1)[1].replace(b"<wsd:MetadataVersion>1", b"<wsd:MetadataVersion>&x;1"))
UTF16_DOCTYPE = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>'.encode("utf-16")
SOAP11 = GOOD.replace(b"http://www.w3.org/2003/05/soap-envelope", b"http://schemas.xmlsoap.org/soap/envelope/")
OLD_WSD = GOOD.replace(b"http://schemas.xmlsoap.org/ws/2005/04/discovery",
                       b"http://docs.oasis-open.org/ws-dd/ns/discovery/2009/01")
NO_ADDRESS = GOOD.replace(b"<wsa:Address>urn:uuid:", b"<wsa:Other>urn:uuid:").replace(
    b"</wsa:Address>", b"</wsa:Other>")


@pytest.mark.parametrize(("data", "error"), [
    (BILLION_LAUGHS, HostileXml),
    (XXE, HostileXml),
    (UTF16_DOCTYPE, HostileXml),
    (GOOD[: len(GOOD) // 2], Exception),  # truncated
    (b"\x00\xff" * 100, Exception),
    (b"", Exception),
    (GOOD.replace(b"</wsd:ProbeMatches>", b"</wsd:ProbeMatches>" + b" " * MAX_DATAGRAM), WsdError),
    (SOAP11, WsdError),
    (OLD_WSD, WsdError),
    (NO_ADDRESS, WsdError),
    (GOOD.replace(b"/ProbeMatches</wsa:Action>", b"/Probe</wsa:Action>"), WsdError),
    (b'<?xml version="1.0"?><a/>', WsdError),
], ids=["billion-laughs", "xxe", "utf16-doctype", "truncated", "binary", "empty", "huge", "soap11",
        "wrong-wsd-namespace", "no-endpoint-address", "not-a-match", "not-soap"])
def test_hostile_or_foreign_datagrams_raise_a_named_error(data: bytes, error: type[Exception]) -> None:
    with pytest.raises(WSD_ERRORS) as info:
        parse_message(data)
    assert isinstance(info.value, error)


@pytest.mark.parametrize("after", [b"\x00", b"\x00\x00\x00", b"\r\n\x00", b"\x00\r\n"])
def test_a_c_string_terminator_after_the_envelope_is_not_content(after: bytes) -> None:
    """C firmware that counts a string's NUL in the datagram's length: the ProbeMatch is still heard."""
    message = parse_message(GOOD + after)
    assert message.kind is WsdKind.PROBE_MATCHES and message.endpoints[0].xaddrs == tuple(CAM.xaddrs)


def test_blank_lines_before_the_xml_declaration_are_not_content() -> None:
    message = parse_message(b"\r\n  " + GOOD)
    assert message.kind is WsdKind.PROBE_MATCHES and message.endpoints[0].endpoint_uuid == normalize_uuid(CAM.urn)


@pytest.mark.parametrize("data", [GOOD + b"\x00<x/>", GOOD.replace(b"</wsa:To>", b"\x00</wsa:To>") + b"\x00",
                                  UTF16_DOCTYPE + b"\x00\x00"], ids=["content-after-nul", "nul-inside", "utf16"])
def test_nul_bytes_that_are_not_a_terminator_are_still_refused(data: bytes) -> None:
    with pytest.raises(WSD_ERRORS):
        parse_message(data)


def test_parse_or_none_drops_with_a_debug_log(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="probes.discovery._wsd"):
        assert parse_or_none(BILLION_LAUGHS, "192.0.2.66") is None
    assert "192.0.2.66" in caplog.text
    assert parse_or_none(GOOD, "192.0.2.66") is not None


def test_unknown_prefix_kept_verbatim_and_long_lists_capped() -> None:
    many = GOOD.replace(b"<wsd:Scopes>", b"<wsd:Scopes>" + b"onvif://www.onvif.org/x/y " * 200)
    endpoint = parse_message(many).endpoints[0]
    assert len(endpoint.scopes) == 64
    odd = GOOD.replace(b"dn:NetworkVideoTransmitter", b"zz:Thing")
    assert "zz:Thing" in parse_message(odd).endpoints[0].types


@pytest.mark.parametrize(("xaddr", "source", "expected"), [
    ("http://192.0.2.10/onvif/device_service", "192.0.2.10", "192.0.2.10"),
    ("http://[2001:db8::10]:8000/onvif/device_service", "2001:db8::10", "2001:db8::10"),
    ("http://[fe80::1]/onvif/device_service", "fe80::2%eth1", "fe80::1%eth1"),  # zone of the interface heard on
    ("http://[fe80::1%25eth0]/onvif/device_service", "fe80::2%eth1", "fe80::1%eth0"),  # a zone sent is kept
    ("http://[fe80::1]/onvif/device_service", "192.0.2.10", "fe80::1"),  # no zone known: unreachable, as sent
    ("http://[zz::1]/onvif/device_service", "192.0.2.10", None),
    ("http://[fe80::1/onvif", "192.0.2.10", None),
])
def test_xaddr_host_keeps_or_adds_the_ipv6_zone(xaddr: str, source: str, expected: str | None) -> None:
    assert xaddr_host(xaddr, source) == expected


def test_a_link_local_sender_keeps_its_zone() -> None:
    assert source_address(("fe80::1", 3702, 0, socket.if_nametoindex("lo"))) == "fe80::1%lo"
    assert source_address(("2001:db8::1", 3702, 0, 0)) == "2001:db8::1"
    assert source_address(("192.0.2.1", 3702)) == "192.0.2.1"


def test_a_listener_with_on_announce_hands_records_over_and_keeps_none() -> None:
    """`camaudit watch` listens for hours between scans: the records go to its callback, not into a list that a
    chatty or hostile sender could grow without bound; without a callback (discovery's window) they are kept."""
    scope = Scope.parse(["127.0.0.0/24"])
    heard: list[DiscoveredDevice] = []
    told = HelloListener(scope, [], on_announce=heard.append)
    kept = HelloListener(scope, [])
    for n in range(1, 4):
        for listener in (told, kept):
            listener._on_datagram(hello(CAM, instance_id=1, message_number=n), "127.0.0.1")
            listener._on_datagram(bye(CAM, instance_id=1, message_number=n), "127.0.0.1")
    assert [d.bye for d in heard] == [False, True] * 3 and told.devices == []
    assert [d.bye for d in kept.devices] == [False, True] * 3
