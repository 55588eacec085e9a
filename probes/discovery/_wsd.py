"""WS-Discovery 2005/04 messages, sans-I/O: build Probes, parse ProbeMatches/Hello/Bye.

ONVIF Core section 7.3 uses WS-Discovery with SOAP 1.2 over UDP 3702, multicast
group 239.255.255.250. A Probe's Types must *all* match, so we send one Probe per
type (legacy dn:NetworkVideoTransmitter and tds:Device).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import unquote, urlsplit

from lxml import etree

from probes.discovery._xml import PARSE_ERRORS, parse_xml, text

log = logging.getLogger(__name__)

WSD_GROUP = "239.255.255.250"
WSD_GROUP6 = "ff02::c"  # the link-local scope group of WS-Discovery 1.1 section 3.1.1
WSD_PORT = 3702
MAX_DATAGRAM = 32 * 1024  # bytes; bigger WS-Discovery datagrams are dropped unparsed

NS_SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
NS_WSA = "http://schemas.xmlsoap.org/ws/2004/08/addressing"
NS_WSD = "http://schemas.xmlsoap.org/ws/2005/04/discovery"
NS_DN = "http://www.onvif.org/ver10/network/wsdl"
NS_TDS = "http://www.onvif.org/ver10/device/wsdl"
KNOWN_PREFIXES = {NS_DN: "dn", NS_TDS: "tds"}

TYPE_NVT = (NS_DN, "NetworkVideoTransmitter")  # legacy ONVIF device type
TYPE_DEVICE = (NS_TDS, "Device")  # ONVIF Core 2.x+ device type
PROBE_TYPES = (TYPE_NVT, TYPE_DEVICE)

_ACTIONS = {f"{NS_WSD}/ProbeMatches": "probe_matches", f"{NS_WSD}/Hello": "hello", f"{NS_WSD}/Bye": "bye"}
MAX_ITEMS = 64  # types/scopes/xaddrs kept per endpoint
MAX_TOKEN = 1024  # characters per scope/xaddr


class WsdKind(StrEnum):
    PROBE_MATCHES = "probe_matches"
    HELLO = "hello"
    BYE = "bye"


class WsdError(ValueError):
    """Well-formed XML that is not a WS-Discovery message we accept."""


WSD_ERRORS: tuple[type[Exception], ...] = (*PARSE_ERRORS, WsdError)


@dataclass(frozen=True)
class WsdEndpoint:
    """One endpoint from a ProbeMatch, Hello or Bye."""

    endpoint_uuid: str
    types: tuple[str, ...] = ()
    scopes: tuple[str, ...] = ()
    xaddrs: tuple[str, ...] = ()
    metadata_version: int | None = None


@dataclass(frozen=True)
class WsdMessage:
    kind: WsdKind
    message_id: str | None
    relates_to: str | None
    endpoints: tuple[WsdEndpoint, ...]


def new_message_id() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


def _probe_prefix(ns: str, i: int) -> str:
    return KNOWN_PREFIXES.get(ns, f"p{i}")


def build_probe(message_id: str, types: tuple[tuple[str, str], ...] = (TYPE_NVT,)) -> bytes:
    """A multicast/unicast Probe for `types` (namespace, local name); all listed types must match.

    Shaped like ONVIF Device Manager's Probe, the one every camera firmware is tested against: the
    conventional prefixes (dn:NetworkVideoTransmitter, tds:Device) declared on the Envelope *and* again on
    Types, because some cameras compare the type text literally or only look up prefixes on the Types
    element (openhab/openhab-addons#9022, ZoneMinder/zoneminder#1410/#1645).
    """
    decls = " ".join(f'xmlns:{_probe_prefix(ns, i)}="{ns}"' for i, (ns, _) in enumerate(types))
    names = " ".join(f"{_probe_prefix(ns, i)}:{local}" for i, (ns, local) in enumerate(types))
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<s:Envelope xmlns:s="{NS_SOAP12}" xmlns:a="{NS_WSA}" xmlns:d="{NS_WSD}" {decls}>'
        "<s:Header>"
        f"<a:Action s:mustUnderstand=\"1\">{NS_WSD}/Probe</a:Action>"
        f"<a:MessageID>{message_id}</a:MessageID>"
        "<a:ReplyTo><a:Address>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:Address>"
        "</a:ReplyTo>"
        "<a:To s:mustUnderstand=\"1\">urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To>"
        "</s:Header>"
        f"<s:Body><d:Probe><d:Types {decls}>{names}</d:Types></d:Probe></s:Body>"
        "</s:Envelope>"
    ).encode()


def normalize_uuid(address: str) -> str:
    """'urn:uuid:ABC' -> 'abc'; other URIs are kept whole (lower case)."""
    value = address.strip()
    lowered = value.lower()
    for prefix in ("urn:uuid:", "uuid:"):
        if lowered.startswith(prefix):
            value = value[len(prefix):].strip()  # "uuid: 1234..." (space after the colon) is seen in the wild
            break
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return value.lower()


def canonical_message_id(value: str) -> str:
    """A uuid MessageID in the form we send ("urn:uuid:<lower-case uuid>"); anything else unchanged.

    WS-Discovery 2005/04 examples write "uuid:..." while WS-Addressing uses "urn:uuid:...", and firmware
    echoes our MessageID back in RelatesTo in either spelling (agsh/onvif#30) or upper case: all of these
    relate to the same Probe.
    """
    value = value.strip()
    lowered = value.lower()
    for prefix in ("urn:uuid:", "uuid:"):
        if lowered.startswith(prefix):
            try:
                return f"urn:uuid:{uuid.UUID(value[len(prefix):])}"
            except ValueError:
                return value
    return value


def _tokens(element: etree._Element | None) -> tuple[str, ...]:
    return tuple(t[:MAX_TOKEN] for t in text(element).split()[:MAX_ITEMS])


def _types(element: etree._Element | None) -> tuple[str, ...]:
    out = []
    for token in _tokens(element):
        prefix, _, local = token.rpartition(":")
        ns = element.nsmap.get(prefix or None) if element is not None else None
        if ns is None:
            out.append(token)  # unresolvable prefix: keep what the device said
        else:
            out.append(f"{KNOWN_PREFIXES[ns]}:{local}" if ns in KNOWN_PREFIXES else f"{{{ns}}}{local}")
    return tuple(out)


def _endpoint(element: etree._Element) -> WsdEndpoint:
    address = text(element.find(f"{{{NS_WSA}}}EndpointReference/{{{NS_WSA}}}Address"))
    if not address or len(address) > MAX_TOKEN:
        raise WsdError("endpoint without a usable EndpointReference/Address")
    version = text(element.find(f"{{{NS_WSD}}}MetadataVersion"))
    return WsdEndpoint(
        endpoint_uuid=normalize_uuid(address),
        types=_types(element.find(f"{{{NS_WSD}}}Types")),
        scopes=_tokens(element.find(f"{{{NS_WSD}}}Scopes")),
        xaddrs=_tokens(element.find(f"{{{NS_WSD}}}XAddrs")),
        metadata_version=int(version) if version.isdigit() and len(version) < 10 else None,
    )


def parse_message(data: bytes) -> WsdMessage:
    """Parse a ProbeMatches, Hello or Bye datagram; raises one of WSD_ERRORS otherwise."""
    if len(data) > MAX_DATAGRAM:
        raise WsdError(f"{len(data)} byte datagram is over the {MAX_DATAGRAM} byte limit")
    root = parse_xml(data, limit=MAX_DATAGRAM)
    if root.tag != f"{{{NS_SOAP12}}}Envelope":
        raise WsdError(f"root element {root.tag!r} is not a SOAP 1.2 Envelope")
    header = root.find(f"{{{NS_SOAP12}}}Header")
    body = root.find(f"{{{NS_SOAP12}}}Body")
    if header is None or body is None:
        raise WsdError("SOAP envelope without Header or Body")
    action = text(header.find(f"{{{NS_WSA}}}Action"))
    kind_name = _ACTIONS.get(action)
    if kind_name is None:
        raise WsdError(f"action {action[:100]!r} is not ProbeMatches/Hello/Bye")
    kind = WsdKind(kind_name)
    if kind is WsdKind.PROBE_MATCHES:
        elements = body.findall(f"{{{NS_WSD}}}ProbeMatches/{{{NS_WSD}}}ProbeMatch")[:MAX_ITEMS]
    elif kind is WsdKind.HELLO:
        elements = body.findall(f"{{{NS_WSD}}}Hello")[:1]
    else:
        elements = body.findall(f"{{{NS_WSD}}}Bye")[:1]
    if not elements:
        raise WsdError(f"{kind} message without a body element")
    return WsdMessage(
        kind=kind,
        message_id=text(header.find(f"{{{NS_WSA}}}MessageID")) or None,
        relates_to=canonical_message_id(text(header.find(f"{{{NS_WSA}}}RelatesTo"))) or None,
        endpoints=tuple(_endpoint(e) for e in elements),
    )


def parse_or_none(data: bytes, source: str) -> WsdMessage | None:
    """parse_message, but hostile or foreign datagrams are dropped with a debug log."""
    try:
        return parse_message(data)
    except WSD_ERRORS as exc:
        log.debug("dropped WS-Discovery datagram from %s: %s", source, exc)
        return None


@dataclass(frozen=True)
class ScopeInfo:
    """What the ONVIF scopes say about the device (ONVIF Core 7.3.2.2)."""

    name: str | None = None
    hardware: str | None = None
    location: str | None = None
    manufacturer: str | None = None
    profiles: tuple[str, ...] = ()


def parse_onvif_scopes(scopes: tuple[str, ...] | list[str]) -> ScopeInfo:
    found: dict[str, str] = {}
    profiles: list[str] = []
    for scope in scopes:
        parts = urlsplit(scope)
        if parts.scheme.lower() != "onvif" or parts.netloc.lower() != "www.onvif.org":
            continue
        segments = [unquote(s) for s in parts.path.split("/") if s]
        if len(segments) < 2:
            continue
        key, value = segments[0].lower(), "/".join(segments[1:]).strip()
        if key == "profile":
            profiles.append(value)
        elif key in ("name", "hardware", "location", "manufacturer", "mfr") and value:
            found.setdefault("manufacturer" if key == "mfr" else key, value[:200])
    return ScopeInfo(name=found.get("name"), hardware=found.get("hardware"), location=found.get("location"),
                     manufacturer=found.get("manufacturer"), profiles=tuple(profiles))
