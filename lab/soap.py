"""SOAP 1.2 plumbing for the lab: namespaces, safe request parsing, envelopes and faults.

Replies are built with lxml elements (text and attributes are escaped by the
serializer); requests are parsed without DTDs, entities or network access.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lxml import etree

from lab.model import Service

NS = {
    "env": "http://www.w3.org/2003/05/soap-envelope",
    "ter": "http://www.onvif.org/ver10/error",
    "tt": "http://www.onvif.org/ver10/schema",
    "tds": "http://www.onvif.org/ver10/device/wsdl",
    "trt": "http://www.onvif.org/ver10/media/wsdl",
    "tr2": "http://www.onvif.org/ver20/media/wsdl",
    "tptz": "http://www.onvif.org/ver20/ptz/wsdl",
    "timg": "http://www.onvif.org/ver20/imaging/wsdl",
    "trc": "http://www.onvif.org/ver10/recording/wsdl",
    "tse": "http://www.onvif.org/ver10/search/wsdl",
    "tan": "http://www.onvif.org/ver20/analytics/wsdl",
    "tth": "http://www.onvif.org/ver10/thermal/wsdl",
    "tup": "http://www.onvif.org/ver10/uplink/wsdl",
    "tev": "http://www.onvif.org/ver10/events/wsdl",
    "tmd": "http://www.onvif.org/ver10/deviceIO/wsdl",
    "tsc": "http://www.onvif.org/ver10/schedule/wsdl",
}
SOAP11_ENV = "http://schemas.xmlsoap.org/soap/envelope/"  # only for cameras with the soap11_only quirk
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"

# service -> (prefix, URL path, ONVIF version)
SERVICE_INFO: dict[Service, tuple[str, str, tuple[int, int]]] = {
    Service.DEVICE: ("tds", "/onvif/device_service", (23, 6)),
    Service.MEDIA: ("trt", "/onvif/media_service", (21, 6)),
    Service.MEDIA2: ("tr2", "/onvif/media2_service", (23, 12)),
    Service.PTZ: ("tptz", "/onvif/ptz_service", (20, 12)),
    Service.IMAGING: ("timg", "/onvif/imaging_service", (20, 12)),
    Service.RECORDING: ("trc", "/onvif/recording_service", (21, 6)),
    Service.SEARCH: ("tse", "/onvif/search_service", (2, 42)),
    Service.ANALYTICS: ("tan", "/onvif/analytics_service", (21, 12)),
    Service.THERMAL: ("tth", "/onvif/thermal_service", (17, 6)),
    Service.UPLINK: ("tup", "/onvif/uplink_service", (23, 6)),
    Service.EVENTS: ("tev", "/onvif/event_service", (21, 12)),
    Service.DEVICEIO: ("tmd", "/onvif/deviceio_service", (19, 12)),
    Service.SCHEDULE: ("tsc", "/onvif/schedule_service", (18, 12)),
}
SERVICE_BY_NS = {NS[prefix]: svc for svc, (prefix, _, _) in SERVICE_INFO.items()}
SERVICE_BY_PATH = {path: svc for svc, (_, path, _) in SERVICE_INFO.items()}

# Unusual but legal prefixes some firmwares use (gSOAP style).
ODD_PREFIXES = {"env": "SOAP-ENV", "ter": "ns9", "tt": "ns1", "tds": "xx", "trt": "ns2", "tr2": "ns3",
                "tptz": "ns4", "timg": "ns5", "trc": "ns6", "tse": "ns7", "tan": "ns8", "tth": "xt",
                "tup": "xu", "tev": "ns10", "tmd": "ns11", "tsc": "ns12"}

MAX_REQUEST_BYTES = 1024 * 1024
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                          remove_comments=True, remove_pis=True)


class SoapFault(Exception):
    """A SOAP fault to send back: code (env:Sender/env:Receiver), ONVIF subcodes and a reason."""

    def __init__(self, code: str, subcodes: tuple[str, ...], reason: str) -> None:
        super().__init__(reason)
        self.code, self.subcodes, self.reason = code, subcodes, reason

    @property
    def http_status(self) -> int:
        return 400 if self.code == "Sender" else 500


def not_authorized() -> SoapFault:
    return SoapFault("Sender", ("ter:NotAuthorized",), "Sender not Authorized")


def action_not_supported(what: str) -> SoapFault:
    return SoapFault("Receiver", ("ter:ActionNotSupported",), f"Optional Action Not Implemented: {what}")


def invalid_arg(sub: str, reason: str) -> SoapFault:
    return SoapFault("Sender", ("ter:InvalidArgVal", f"ter:{sub}"), reason)


class BadRequest(Exception):
    """The request is not a SOAP 1.2 envelope we are willing to parse."""


@dataclass(slots=True)
class UsernameToken:
    username: str
    password: str
    password_type: str  # "digest" | "text"
    nonce: str | None
    created: str | None


@dataclass(slots=True)
class SoapRequest:
    namespace: str
    operation: str
    body: Any  # the operation element
    token: UsernameToken | None
    soap11: bool = False  # the request came in a SOAP 1.1 envelope
    must_understand: bool = False  # its wsse:Security header is marked mustUnderstand

    def arg(self, local: str) -> str | None:
        """Text of the first direct child with this local name."""
        for child in self.body:
            if isinstance(child.tag, str) and etree.QName(child).localname == local:
                return (child.text or "").strip()
        return None

    def args(self, local: str) -> list[str]:
        return [(c.text or "").strip() for c in self.body
                if isinstance(c.tag, str) and etree.QName(c).localname == local]


def parse_request(raw: bytes) -> SoapRequest:
    """Parse a SOAP request safely; refuse DTDs and oversize input."""
    if len(raw) > MAX_REQUEST_BYTES:
        raise BadRequest("request too large")
    if b"<!DOCTYPE" in raw.upper() or b"<!ENTITY" in raw.upper():
        raise BadRequest("DTDs are not accepted")
    try:
        root = etree.fromstring(raw, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise BadRequest(f"not well-formed XML: {exc}") from None
    env = NS["env"] if root.tag == f"{{{NS['env']}}}Envelope" else SOAP11_ENV
    if root.tag != f"{{{env}}}Envelope":
        raise BadRequest("not a SOAP 1.2 envelope")
    body = root.find(f"{{{env}}}Body")
    if body is None:
        raise BadRequest("no SOAP Body")
    ops = [c for c in body if isinstance(c.tag, str)]
    if not ops:
        raise BadRequest("empty SOAP Body")
    op = etree.QName(ops[0])
    security = root.find(f"{{{env}}}Header/{{{WSSE}}}Security")
    flag = security.get(f"{{{env}}}mustUnderstand") if security is not None else None
    return SoapRequest(namespace=op.namespace or "", operation=op.localname, body=ops[0],
                       token=_username_token(security), soap11=env == SOAP11_ENV,
                       must_understand=flag in ("1", "true"))


def _username_token(security: Any) -> UsernameToken | None:
    token = security.find(f"{{{WSSE}}}UsernameToken") if security is not None else None
    if token is None:
        return None
    user = token.findtext(f"{{{WSSE}}}Username") or ""
    pw_el = token.find(f"{{{WSSE}}}Password")
    password = (pw_el.text or "") if pw_el is not None else ""
    ptype = (pw_el.get("Type") or "") if pw_el is not None else ""
    return UsernameToken(username=user.strip(), password=password.strip(),
                         password_type="digest" if ptype.endswith("#PasswordDigest") else "text",
                         nonce=(token.findtext(f"{{{WSSE}}}Nonce") or "").strip() or None,
                         created=(token.findtext(f"{{{WSU}}}Created") or "").strip() or None)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}" if value != int(value) else f"{value:.1f}"
    return str(value)


def sub(parent: Any, qname: str, text: Any = None, attrs: dict[str, Any] | None = None) -> Any:
    """Append a child element named prefix:Local (canonical prefixes) with optional text and attributes."""
    prefix, local = qname.split(":", 1)
    el = etree.SubElement(parent, f"{{{NS[prefix]}}}{local}")
    if attrs:
        for key, value in attrs.items():
            if value is not None:
                el.set(key, _text(value))
    if text is not None:
        el.text = _text(text)
    return el


def qname_value(el: Any, namespace: str, local: str) -> str:
    """A QName value usable in text/attributes of `el` (uses whatever prefix the envelope declares)."""
    for prefix, uri in (el.nsmap or {}).items():
        if uri == namespace and prefix:
            return f"{prefix}:{local}"
    raise KeyError(namespace)


class Envelope:
    """A reply envelope under construction; `body` is where the response element goes."""

    def __init__(self, *, odd_prefixes: bool = False, extra_ns: dict[str, str] | None = None) -> None:
        nsmap = {(ODD_PREFIXES[p] if odd_prefixes else p): uri for p, uri in NS.items()}
        for prefix, uri in (extra_ns or {}).items():
            if prefix not in nsmap and uri not in nsmap.values():
                nsmap[prefix] = uri
        self.root = etree.Element(f"{{{NS['env']}}}Envelope", nsmap=nsmap)
        etree.SubElement(self.root, f"{{{NS['env']}}}Header")
        self.body = etree.SubElement(self.root, f"{{{NS['env']}}}Body")

    def response(self, prefix: str, operation: str) -> Any:
        return sub(self.body, f"{prefix}:{operation}Response")

    def fault(self, fault: SoapFault) -> None:
        env = NS["env"]
        f = etree.SubElement(self.body, f"{{{env}}}Fault")
        code = etree.SubElement(f, f"{{{env}}}Code")
        etree.SubElement(code, f"{{{env}}}Value").text = qname_value(self.root, env, fault.code)
        parent = code
        for subcode in fault.subcodes:
            sc = etree.SubElement(parent, f"{{{env}}}Subcode")
            prefix, local = subcode.split(":", 1)
            etree.SubElement(sc, f"{{{env}}}Value").text = qname_value(self.root, NS[prefix], local)
            parent = sc
        reason = etree.SubElement(f, f"{{{env}}}Reason")
        txt = etree.SubElement(reason, f"{{{env}}}Text")
        txt.set("{http://www.w3.org/XML/1998/namespace}lang", "en")
        txt.text = fault.reason

    def to_bytes(self) -> bytes:
        return etree.tostring(self.root, xml_declaration=True, encoding="UTF-8")
