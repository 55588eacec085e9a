"""SSDP (UPnP Device Architecture 1.1 section 1.3), sans-I/O: M-SEARCH, its replies, device descriptions."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from probes.discovery._wsd import normalize_uuid
from probes.discovery._xml import PARSE_ERRORS, parse_xml, text

log = logging.getLogger(__name__)

SSDP_GROUP = "239.255.255.250"
SSDP_PORT = 1900
MAX_REPLY = 4096  # bytes; an M-SEARCH reply is a handful of headers
MAX_DESCRIPTION = 64 * 1024  # bytes
NS_UPNP_DEVICE = "urn:schemas-upnp-org:device-1-0"


class SsdpError(ValueError):
    """A datagram that is not an SSDP search reply."""


SSDP_ERRORS: tuple[type[Exception], ...] = (*PARSE_ERRORS, SsdpError)


def build_msearch(st: str = "upnp:rootdevice", mx: int = 1) -> bytes:
    return (
        "M-SEARCH * HTTP/1.1\r\n"
        f"HOST: {SSDP_GROUP}:{SSDP_PORT}\r\n"
        'MAN: "ssdp:discover"\r\n'
        f"MX: {mx}\r\n"
        f"ST: {st}\r\n"
        "USER-AGENT: Linux/1 UPnP/1.1 camaudit/0.1\r\n"
        "\r\n"
    ).encode()


@dataclass(frozen=True)
class SsdpReply:
    location: str
    usn: str
    st: str
    server: str
    udn: str | None  # uuid from the USN, normalised


def parse_reply(data: bytes) -> SsdpReply:
    """Parse an M-SEARCH response; raises SsdpError."""
    if len(data) > MAX_REPLY:
        raise SsdpError(f"{len(data)} byte reply is over the {MAX_REPLY} byte limit")
    lines = data.decode("latin-1").replace("\r\n", "\n").split("\n")  # some embedded stacks send bare LF
    status = lines[0].split(None, 2)
    if len(status) < 2 or not status[0].upper().startswith("HTTP/") or status[1] != "200":
        raise SsdpError(f"not an SSDP search reply: {lines[0][:80]!r}")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        key, sep, value = line.partition(":")
        if sep:
            headers[key.strip().upper()] = value.strip()[:512]
    location = headers.get("LOCATION", "")
    if not location.lower().startswith(("http://", "https://")):
        raise SsdpError("reply without an http(s) LOCATION")
    usn = headers.get("USN", "")
    udn = normalize_uuid(usn.split("::", 1)[0]) if usn.lower().startswith("uuid:") else None
    return SsdpReply(location=location, usn=usn, st=headers.get("ST", ""), server=headers.get("SERVER", ""),
                     udn=udn)


@dataclass(frozen=True)
class UpnpDevice:
    friendly_name: str | None
    manufacturer: str | None
    model: str | None
    serial: str | None
    udn: str | None
    presentation_url: str | None


def parse_description(data: bytes) -> UpnpDevice:
    """Parse a UPnP device description; raises one of SSDP_ERRORS."""
    root = parse_xml(data, limit=MAX_DESCRIPTION)
    # Some camera firmware omits xmlns="urn:schemas-upnp-org:device-1-0" on <root>; the elements are the
    # same, so an un-namespaced <root> is read the same way (any other namespace is refused).
    ns = f"{{{NS_UPNP_DEVICE}}}" if root.tag == f"{{{NS_UPNP_DEVICE}}}root" else "" if root.tag == "root" else None
    if ns is None:
        raise SsdpError(f"root element {root.tag!r} is not a UPnP device description")
    device = root.find(f"{ns}device")
    if device is None:
        raise SsdpError("description without a device element")

    def field(name: str) -> str | None:
        return text(device.find(f"{ns}{name}"))[:200] or None

    udn = field("UDN")
    return UpnpDevice(friendly_name=field("friendlyName"), manufacturer=field("manufacturer"),
                      model=field("modelName") or field("modelNumber"), serial=field("serialNumber"),
                      udn=normalize_uuid(udn) if udn else None, presentation_url=field("presentationURL"))
