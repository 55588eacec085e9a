"""A deliberately small, independent SOAP client for the lab tests (curl-like raw requests).

It builds envelopes by hand and parses replies with a hardened lxml parser, so the
lab is checked against the wire format rather than against camaudit's readers.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import aiohttp
from lxml import etree

from probes import clock

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
PATHS = {"tds": "device_service", "trt": "media_service", "tr2": "media2_service", "tptz": "ptz_service",
         "timg": "imaging_service", "trc": "recording_service", "tse": "search_service",
         "tan": "analytics_service", "tth": "thermal_service", "tup": "uplink_service", "tev": "event_service",
         "tmd": "deviceio_service", "tsc": "schedule_service"}
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def ws_security(user: str, password: str, *, skew_s: float = 0.0) -> str:
    """A WS-UsernameToken PasswordDigest header, its Created shifted by skew_s seconds."""
    nonce = os.urandom(16)
    created = (clock.now() + timedelta(seconds=skew_s)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    digest = base64.b64encode(hashlib.sha1(nonce + created.encode() + password.encode()).digest()).decode()
    return (f'<wsse:Security xmlns:wsse="{WSSE}" xmlns:wsu="{WSU}"><wsse:UsernameToken>'
            f"<wsse:Username>{user}</wsse:Username>"
            f'<wsse:Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0'
            f'#PasswordDigest">{digest}</wsse:Password>'
            f"<wsse:Nonce>{base64.b64encode(nonce).decode()}</wsse:Nonce>"
            f"<wsu:Created>{created}</wsu:Created></wsse:UsernameToken></wsse:Security>")


def envelope(prefix: str, operation: str, args: str = "", header: str = "") -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="{NS["env"]}" xmlns:tt="{NS["tt"]}">'
            f"<s:Header>{header}</s:Header><s:Body><{operation} xmlns=\"{NS[prefix]}\">{args}</{operation}>"
            f"</s:Body></s:Envelope>").encode()


@dataclass
class Reply:
    status: int
    headers: Any
    body: bytes

    @property
    def xml(self) -> Any:
        return etree.fromstring(self.body, PARSER)

    def find(self, path: str, namespaces: dict[str, str] = NS) -> Any:
        return self.xml.find(path, namespaces)

    def findall(self, path: str, namespaces: dict[str, str] = NS) -> list[Any]:
        return self.xml.findall(path, namespaces)

    def text(self, path: str) -> str | None:
        return self.xml.findtext(path, namespaces=NS)

    @property
    def fault_codes(self) -> list[str]:
        """[code, subcode, ...] values of a SOAP fault ('env:Sender', 'ter:NotAuthorized', ...)."""
        return [v.text for v in self.xml.iter(f"{{{NS['env']}}}Value")]


def url(cam: Any, prefix: str, scheme: str | None = None) -> str:
    """The service URL; https (on the camera's TLS port) for an HTTPS-only camera or when asked."""
    tls_port = getattr(cam, "tls_port", None)
    if scheme is None:
        scheme = "https" if tls_port is not None and not cam.spec.tls.plain_http else "http"
    port = tls_port if scheme == "https" else cam.port
    return f"{scheme}://{cam.address}:{port}/onvif/{PATHS[prefix]}"


async def soap(session: aiohttp.ClientSession, cam: Any, prefix: str, operation: str, args: str = "", *,
               user: str | None = "auditor", password: str = "demo-pass", skew_s: float | None = None,
               path_prefix: str | None = None, scheme: str | None = None, **kwargs: Any) -> Reply:
    """POST one operation; WS-UsernameToken unless user is None. skew_s defaults to the camera's clock offset."""
    header = ""
    if user is not None:
        offset = cam.spec.clock.offset_seconds if skew_s is None else skew_s
        header = ws_security(user, password, skew_s=offset)
    if (scheme == "https" or url(cam, prefix).startswith("https")) and "ssl" not in kwargs:
        kwargs["ssl"] = False  # lab certificates are self-signed
    async with session.post(url(cam, path_prefix or prefix, scheme), data=envelope(prefix, operation, args, header),
                            headers={"Content-Type": "application/soap+xml; charset=utf-8"}, **kwargs) as resp:
        return Reply(resp.status, resp.headers, await resp.read())
