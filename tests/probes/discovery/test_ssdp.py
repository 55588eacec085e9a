"""SSDP replies and UPnP device descriptions: the lab's own writer, and hostile input."""

from __future__ import annotations

import pytest

from lab.responders import ResponderCamera, _ssdp_reply, device_description
from probes.discovery._ssdp import SSDP_ERRORS, SsdpError, build_msearch, parse_description, parse_reply

CAM = ResponderCamera(
    endpoint_uuid="5a1b6c0e-0000-4000-8000-000000000001", address="198.51.100.7", xaddrs=[], scopes=[],
    types=["dn:NetworkVideoTransmitter"], discoverable=True, name="Gate <north> & co", manufacturer="Hanwha",
    model="XNV-8080R", serial="ZNV8080R0001", mac="00:16:6c:00:00:01", hostname="gate", http_port=80)


def test_reply_and_description_from_the_lab() -> None:
    reply = parse_reply(_ssdp_reply(CAM, "upnp:rootdevice", "http://198.51.100.7:49152/upnp/device.xml"))
    assert reply.location == "http://198.51.100.7:49152/upnp/device.xml"
    assert reply.udn == CAM.endpoint_uuid
    assert reply.st == "upnp:rootdevice"
    device = parse_description(device_description(CAM))
    assert (device.friendly_name, device.manufacturer, device.model, device.serial) == (
        "Gate <north> & co", "Hanwha", "XNV-8080R", "ZNV8080R0001")
    assert device.udn == CAM.endpoint_uuid


def test_msearch_is_well_formed() -> None:
    text = build_msearch("upnp:rootdevice", 2).decode()
    assert text.startswith("M-SEARCH * HTTP/1.1\r\n") and text.endswith("\r\n\r\n")
    assert 'MAN: "ssdp:discover"' in text and "MX: 2" in text and "HOST: 239.255.255.250:1900" in text


@pytest.mark.parametrize("data", [
    b"M-SEARCH * HTTP/1.1\r\nST: ssdp:all\r\n\r\n",  # someone else's search, not a reply
    b"HTTP/1.1 404 Not Found\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nLOCATION: file:///etc/passwd\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nLOCATION: http://x/" + b"a" * 5000 + b"\r\n\r\n",
    b"\xff\xfe\x00",
])
def test_bad_replies_are_refused(data: bytes) -> None:
    with pytest.raises(SsdpError):
        parse_reply(data)


@pytest.mark.parametrize("data", [
    b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "http://198.51.100.9/x">]><root>&x;</root>',
    device_description(CAM)[:120],
    b'<root xmlns="urn:other"><device/></root>',
    b'<root xmlns="urn:schemas-upnp-org:device-1-0"/>',
    b"<a>" + b"x" * (70 * 1024) + b"</a>",
])
def test_bad_descriptions_are_refused(data: bytes) -> None:
    with pytest.raises(SSDP_ERRORS):
        parse_description(data)
