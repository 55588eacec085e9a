"""WS-Discovery ProbeMatches as real firmware writes them (see real/*: a gSOAP capture kept by agsh/onvif,
and two structure-only reconstructions of replies quoted in issue threads), plus the Probe we send."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from probes.discovery._wsd import (
    NS_WSD,
    PROBE_TYPES,
    TYPE_DEVICE,
    TYPE_NVT,
    WsdKind,
    build_probe,
    canonical_message_id,
    parse_message,
    parse_onvif_scopes,
)

REAL = Path(__file__).parent / "real"


def load(rel: str) -> bytes:
    return (REAL / rel).read_bytes()


def test_every_fixture_names_its_source() -> None:
    files = sorted(REAL.rglob("*.xml"))
    assert len(files) == 3
    for f in files:
        assert b"<!-- source:" in f.read_bytes()[:700], f


def test_gsoap_probe_match_that_echoes_our_message_id() -> None:
    raw = load("agsh-mockup/ProbeMatches.xml").replace(b"SERVICE_URI", b"http://192.0.2.10:8000/onvif/device_service")
    msg = parse_message(raw)
    assert msg.kind is WsdKind.PROBE_MATCHES
    assert msg.relates_to == msg.message_id == "urn:uuid:01234567-dead-beef-baad-abcdeffedcba"
    (ep,) = msg.endpoints
    assert ep.endpoint_uuid == "c9790c3a-701b-464d-a189-0060351c8ada"
    assert ep.types == ("dn:NetworkVideoTransmitter", "tds:Device")
    assert ep.xaddrs == ("http://192.0.2.10:8000/onvif/device_service",)
    assert ep.metadata_version == 1 and len(ep.scopes) == 7
    info = parse_onvif_scopes(ep.scopes)
    assert (info.name, info.hardware, info.location, info.profiles) == ("PREDATOR", "HD_PREDATOR", None,
                                                                       ("Streaming",))


def test_hikvision_nvr_probe_match_with_crlf_and_uuid_spelling() -> None:
    msg = parse_message(load("reconstructed/hikvision-nvr_ProbeMatches.xml"))
    # RelatesTo came back as "uuid:<UPPER>": it still relates to our "urn:uuid:<lower>" Probe.
    assert msg.relates_to == "urn:uuid:5f0b3c7a-1d2e-4f60-8a9b-0c1d2e3f4a5b"
    (ep,) = msg.endpoints
    assert ep.endpoint_uuid == "4a2b9e10-55c3-11b2-8000-a41437c0ffee"
    assert ep.xaddrs == ("http://192.0.2.26/onvif/device_service",
                         "http://[fe80::a614:37ff:fec0:ffee]/onvif/device_service")
    assert ep.metadata_version == 10
    info = parse_onvif_scopes(ep.scopes)
    assert info.name == "HIKVISION IDS-7816NX" and info.hardware == "IDS-7816NX"
    assert info.location == "city/hangzhou" and info.profiles == ("Streaming", "G", "T")


def test_unv_probe_match_with_tns_prefix() -> None:
    msg = parse_message(load("reconstructed/unv_ProbeMatches_tns_prefix.xml"))
    (ep,) = msg.endpoints
    assert ep.types == ("dn:NetworkVideoTransmitter",)  # tdn: resolved by namespace, rendered canonically
    assert ep.xaddrs == ("http://198.51.100.3:80/onvif/device_service",)
    assert parse_onvif_scopes(ep.scopes).hardware == "IPC2122LB-SF28-A"


@pytest.mark.parametrize(("raw", "expected"), [
    ("urn:uuid:5f0b3c7a-1d2e-4f60-8a9b-0c1d2e3f4a5b", "urn:uuid:5f0b3c7a-1d2e-4f60-8a9b-0c1d2e3f4a5b"),
    ("uuid:5F0B3C7A-1D2E-4F60-8A9B-0C1D2E3F4A5B", "urn:uuid:5f0b3c7a-1d2e-4f60-8a9b-0c1d2e3f4a5b"),
    (" URN:UUID:5f0b3c7a-1d2e-4f60-8a9b-0c1d2e3f4a5b\n", "urn:uuid:5f0b3c7a-1d2e-4f60-8a9b-0c1d2e3f4a5b"),
    ("uuid:not-a-uuid", "uuid:not-a-uuid"),
    ("http://example.invalid/msg/1", "http://example.invalid/msg/1"),
])
def test_canonical_message_id(raw: str, expected: str) -> None:
    assert canonical_message_id(raw) == expected


@pytest.mark.parametrize(("types", "text"), [((TYPE_NVT,), "dn:NetworkVideoTransmitter"),
                                            ((TYPE_DEVICE,), "tds:Device")])
def test_probe_uses_conventional_prefixes_declared_on_types(types: tuple, text: str) -> None:
    raw = build_probe("urn:uuid:0f0e0d0c-0b0a-4909-8807-060504030201", types)
    types_el = etree.fromstring(raw).find(f".//{{{NS_WSD}}}Types")
    assert types_el.text == text
    prefix = text.split(":")[0]
    assert f'<d:Types xmlns:{prefix}="{types[0][0]}">'.encode() in raw  # declared on Types itself
    assert types_el.nsmap[prefix] == types[0][0]


def test_probe_types_cover_both_onvif_device_types() -> None:
    assert set(PROBE_TYPES) == {TYPE_NVT, TYPE_DEVICE}


def test_ssdp_reply_with_bare_lf_line_endings() -> None:
    from probes.discovery._ssdp import parse_reply
    reply = parse_reply(b"HTTP/1.1 200 OK\nCACHE-CONTROL: max-age=1800\nST: upnp:rootdevice\n"
                        b"USN: uuid: 1a6c9157-162a-4787-b5cf-4b91be2cc454::upnp:rootdevice\n"
                        b"Location: http://192.0.2.40:49152/rootDesc.xml\nSERVER: Linux/3.0 UPnP/1.0 IPC/1\n\n")
    assert reply.location == "http://192.0.2.40:49152/rootDesc.xml"
    assert reply.udn == "1a6c9157-162a-4787-b5cf-4b91be2cc454"


def test_upnp_description_without_namespace_is_read_and_foreign_namespace_is_not() -> None:
    from probes.discovery._ssdp import SsdpError, parse_description
    doc = (b'<?xml version="1.0"?><root><specVersion><major>1</major><minor>0</minor></specVersion><device>'
           b"<friendlyName>IPC</friendlyName><manufacturer>Acme</manufacturer><modelName>C1</modelName>"
           b"<UDN>uuid:1a6c9157-162a-4787-b5cf-4b91be2cc454</UDN></device></root>")
    dev = parse_description(doc)
    assert (dev.friendly_name, dev.manufacturer, dev.model) == ("IPC", "Acme", "C1")
    with pytest.raises(SsdpError):
        parse_description(doc.replace(b"<root>", b'<root xmlns="urn:example:other">'))
