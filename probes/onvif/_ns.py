"""ONVIF namespace URIs and the prefixes we use for operation names.

Replies are matched by namespace URI + local name, never by the prefix the device
chose: devices use odd prefixes (ns1:, SOAP-ENV:, none at all).
"""

from __future__ import annotations

from enum import StrEnum

SOAP_ENV = "http://www.w3.org/2003/05/soap-envelope"  # SOAP 1.2 (ONVIF Core 5.1)
SOAP11_ENV = "http://schemas.xmlsoap.org/soap/envelope/"  # some devices still fault in SOAP 1.1
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
PASSWORD_DIGEST = ("http://docs.oasis-open.org/wss/2004/01/"
                   "oasis-200401-wss-username-token-profile-1.0#PasswordDigest")
NONCE_BASE64 = ("http://docs.oasis-open.org/wss/2004/01/"
                "oasis-200401-wss-soap-message-security-1.0#Base64Binary")
WSA = "http://www.w3.org/2005/08/addressing"
TT = "http://www.onvif.org/ver10/schema"
TER = "http://www.onvif.org/ver10/error"


class Service(StrEnum):
    """ONVIF services we read, by the prefix used in operation names ("tds:GetUsers")."""

    DEVICE = "tds"
    MEDIA = "trt"
    MEDIA2 = "tr2"
    PTZ = "tptz"
    RECORDING = "trc"
    SEARCH = "tse"
    ANALYTICS = "tan"
    EVENTS = "tev"
    THERMAL = "tth"
    UPLINK = "tup"
    SCHEDULE = "tsc"

    @property
    def namespace(self) -> str:
        return SERVICE_NAMESPACES[self]


SERVICE_NAMESPACES: dict[Service, str] = {
    Service.DEVICE: "http://www.onvif.org/ver10/device/wsdl",
    Service.MEDIA: "http://www.onvif.org/ver10/media/wsdl",
    Service.MEDIA2: "http://www.onvif.org/ver20/media/wsdl",
    Service.PTZ: "http://www.onvif.org/ver20/ptz/wsdl",
    Service.RECORDING: "http://www.onvif.org/ver10/recording/wsdl",
    Service.SEARCH: "http://www.onvif.org/ver10/search/wsdl",
    Service.ANALYTICS: "http://www.onvif.org/ver20/analytics/wsdl",
    Service.EVENTS: "http://www.onvif.org/ver10/events/wsdl",
    Service.THERMAL: "http://www.onvif.org/ver10/thermal/wsdl",
    Service.UPLINK: "http://www.onvif.org/ver10/uplink/wsdl",
    Service.SCHEDULE: "http://www.onvif.org/ver10/schedule/wsdl",
}
SERVICE_BY_NAMESPACE: dict[str, Service] = {ns: svc for svc, ns in SERVICE_NAMESPACES.items()}

# Canonical prefixes used when we render a QName found in a reply (e.g. an analytics rule type).
KNOWN_PREFIXES: dict[str, str] = {
    TT: "tt",
    TER: "ter",
    **{ns: svc.value for svc, ns in SERVICE_NAMESPACES.items()},
}


def q(namespace: str, local: str) -> str:
    """Clark notation, as lxml uses for tags: {namespace}local."""
    return f"{{{namespace}}}{local}"
