"""Real-camera quirks (issue 20): the request forms, Digest variants and lockouts real firmware has.

Unlike `misbehave` (broken replies), a quirk is behaviour a working camera really has and a
client must cope with; each is a `MisbehaviourMode` so fleet files name them the same way.
docs/facts.md lists every quirk with the public issue it comes from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypedDict
from xml.sax.saxutils import escape

from aiohttp import web

from lab.model import Camera, MisbehaviourMode
from lab.soap import NS, SOAP11_ENV, Envelope, SoapFault, SoapRequest

SOAP11_CT = "text/xml; charset=utf-8"
LOCKED_PAGE = "<html><body><h1>403 Forbidden</h1><p>IP address locked.</p></body></html>"
HTML_401_PAGE = ("<!DOCTYPE html><html><head><title>401 Unauthorized</title></head><body>"
                 "<h1>401 Unauthorized</h1><p>Authentication required.</p></body></html>")
DISABLED_PAGE = "<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>"


@dataclass
class QuirkState:
    """What a quirky camera remembers between requests (per client address)."""

    failures: dict[str, int] = field(default_factory=dict)  # client -> failed logins (lockout)
    time_asked: set[str] = field(default_factory=set)  # clients that sent an anonymous GetSystemDateAndTime
    used_nonces: set[str] = field(default_factory=set)  # digest_stale_nonce: nonces already answered once


def has(cam: Camera, mode: MisbehaviourMode) -> bool:
    return cam.misbehaves(mode) is not None


def request_form_refusal(cam: Camera, content_type: str, req: SoapRequest) -> web.Response | None:
    """The reply of a camera that refuses the request's form (SOAP version, action=, mustUnderstand)."""
    if has(cam, MisbehaviourMode.SOAP11_ONLY) and not req.soap11:
        return web.Response(status=500, body=soap11_fault("SOAP-ENV:VersionMismatch", "SOAP 1.2 is not supported; "
                                                          "use SOAP 1.1"), headers={"Content-Type": SOAP11_CT})
    with_action = "action=" in content_type.replace(" ", "").lower()
    if has(cam, MisbehaviourMode.ACTION_REQUIRED) and not req.soap11 and not with_action:
        return web.Response(status=400, text="400 Bad Request: missing action parameter in Content-Type",
                            content_type="text/plain")
    if has(cam, MisbehaviourMode.ACTION_REFUSED) and with_action:
        return web.Response(status=415, text="")
    if has(cam, MisbehaviourMode.MUST_UNDERSTAND_REJECTED) and req.must_understand:
        env = Envelope()
        env.fault(SoapFault("MustUnderstand", (), "Header wsse:Security was not understood"))
        return web.Response(status=500, body=env.to_bytes(), headers={"Content-Type": "application/soap+xml"})
    return None


def soap11_fault(code: str, reason: str) -> bytes:
    """A SOAP 1.1 fault (faultcode is a QName such as SOAP-ENV:Client or ter:NotAuthorized)."""
    return (f'<?xml version="1.0" encoding="UTF-8"?><SOAP-ENV:Envelope xmlns:SOAP-ENV="{SOAP11_ENV}" '
            f'xmlns:ter="{NS["ter"]}"><SOAP-ENV:Body>'
            f"<SOAP-ENV:Fault><faultcode>{escape(code)}</faultcode><faultstring>{escape(reason)}</faultstring>"
            "</SOAP-ENV:Fault></SOAP-ENV:Body></SOAP-ENV:Envelope>").encode()


def as_soap11(body: bytes) -> bytes:
    """A SOAP 1.2 reply rewritten as SOAP 1.1 (what a 1.1-only camera sends)."""
    return body.replace(NS["env"].encode(), SOAP11_ENV.encode())


def digest_variant(cam: Camera) -> dict[str, object]:
    """Keyword arguments of lab.auth.challenge / check_http_digest for this camera's Digest quirks."""
    algorithm = "SHA-256" if has(cam, MisbehaviourMode.DIGEST_SHA256) else \
        "MD5-sess" if has(cam, MisbehaviourMode.DIGEST_MD5_SESS) else None
    uri_form = "absolute" if has(cam, MisbehaviourMode.DIGEST_URI_ABSOLUTE) else \
        "path" if has(cam, MisbehaviourMode.DIGEST_URI_PATH_ONLY) else "any"
    return {"algorithm": algorithm, "uri_form": uri_form, "qop": not has(cam, MisbehaviourMode.DIGEST_NO_QOP)}


def lockout_reason(cam: Camera, state: QuirkState, client: str) -> str:
    """The NotAuthorized reason after one more failure, counting it (Hikvision-style wording)."""
    item = cam.misbehaves(MisbehaviourMode.LOCKOUT)
    assert item is not None
    state.failures[client] = state.failures.get(client, 0) + 1
    left = max(0, item.attempts - state.failures[client])
    return f"Sender not Authorized. Invalid username or password! You still have {left} attempt(s)."


def locked(cam: Camera, state: QuirkState, client: str) -> bool:
    item = cam.misbehaves(MisbehaviourMode.LOCKOUT)
    return item is not None and state.failures.get(client, 0) >= item.attempts


class XaddrOverride(TypedDict, total=False):
    """The `Ctx` fields a NAT or loopback quirk sets."""

    xaddr_host: str
    xaddr_port: int


def xaddr_override(cam: Camera) -> XaddrOverride:
    """Ctx fields for cameras whose service XAddrs name another host (behind NAT, or loopback)."""
    if has(cam, MisbehaviourMode.XADDRS_NAT):
        return {"xaddr_host": "192.168.77.10", "xaddr_port": 80}
    if has(cam, MisbehaviourMode.XADDRS_LOOPBACK):
        return {"xaddr_host": "127.0.0.1"}
    return {}
