"""Serve a captured device again from its archive (`camaudit lab replay ARCHIVE`).

An archive (`camaudit.capture/1`, written by `camaudit capture`) holds every request the
reader sent and the device's reply. A request is answered with the archived reply whose
request matches it by operation (namespace + name), then by its parameters, then by the kind
of credentials it carries (none, WS-UsernameToken, HTTP Digest): so the 401 that asked for
Digest answers the first try and the 200 answers the retry. Several archived replies for the
same key are served in their order, the last one repeated. Credentials are never checked
(the archive has none); a request the archive cannot answer gets a SOAP fault that says so,
never a made-up "not supported". Read with `json` only: the lab imports nothing of ours.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import re
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from lxml import etree

from lab import misbehave
from lab.server import listen_socket
from lab.soap import BadRequest, Envelope, SoapFault, parse_request

REPLAY_FORMAT = "camaudit.capture/1"
TLS_HANDSHAKE = "tls:handshake"  # a recorded TLS handshake: the port is served again over TLS
MAX_REQUEST_BYTES = 1024 * 1024
NOT_IN_ARCHIVE = "camaudit replay: the capture has no reply to this request"
_HOP_HEADERS = frozenset({"content-length", "transfer-encoding", "connection", "keep-alive", "date", "server"})
_SECURITY = re.compile(rb"<(?:[\w.-]+:)?Security\b")
_DEFAULT_PORTS = {b"http": 80, b"https": 443, b"rtsp": 554}
_PORT_ELEMENT = re.compile(rb"(<(?:[\w.-]+:)?Port>\s*)(\d{1,5})(\s*</(?:[\w.-]+:)?Port>)")  # tt:NetworkProtocol


class ReplayError(ValueError):
    """The file is not a capture archive the replay can serve."""


@dataclass(slots=True)
class _Reply:
    status: int | None
    headers: list[tuple[str, str]]
    body: bytes
    error: str | None


@dataclass(frozen=True, slots=True)
class TlsOffer:
    """What a captured HTTPS port offered: enough to serve an equivalent one (new key material)."""

    port: int
    protocol: str  # "TLSv1.3"
    legacy_accepted: bool
    key_type: str  # "rsa" | "ec"
    key_bits: int
    self_signed: bool
    expired: bool
    subject_cn: str

    @classmethod
    def from_exchange(cls, ex: dict[str, Any]) -> TlsOffer:
        headers = {k.lower(): v for k, v in ex.get("reply_headers", [])}
        cert = json.loads(ex.get("reply_body") or "{}")
        port = int(ex["url"].rsplit(":", 1)[1].strip("/"))
        cn = next((part[3:] for part in str(cert.get("subject", "")).split(",") if part.startswith("CN=")), "replay")
        return cls(port, headers.get("tls-protocol", "TLSv1.3"), headers.get("tls-legacy-accepted") == "yes",
                   str(cert.get("key_type", "rsa")), int(cert.get("key_bits") or 2048),
                   bool(cert.get("self_signed", True)), bool(cert.get("expired", False)), cn)

    def server_context(self, host: str) -> ssl.SSLContext:
        """A context like the captured port's (key type and size, self-signed or not, TLS versions), with a
        certificate naming `host`, the address actually served (IPv4, or IPv6 with its zone left out)."""
        from lab.model import Camera  # the lab's own certificate factory, fed a stand-in camera
        from lab.tls import CertificateFactory

        key_type = "ec" if self.key_type == "ec" else "rsa"
        bits = self.key_bits if key_type == "rsa" else (384 if self.key_bits >= 384 else 256)
        maximum = {"TLSv1.3": "TLS1.3", "TLSv1.2": "TLS1.2", "TLSv1.1": "TLS1.1", "TLSv1": "TLS1.0"}
        cam = Camera.model_validate({  # a stand-in: its address is not used, the certificate names `host`
            "name": re.sub(r"[^A-Za-z0-9_.-]", "-", self.subject_cn)[:60] or "replay", "address": "127.0.0.1",
            "tls": {"enabled": True, "self_signed": self.self_signed, "expired": self.expired,
                    "key_type": key_type, "key_bits": bits,
                    "min_version": "TLS1.0" if self.legacy_accepted else "TLS1.2"}})
        ctx = CertificateFactory().server_context(cam, host)
        newest = maximum.get(self.protocol)
        if newest in ("TLS1.2", "TLS1.1", "TLS1.0"):
            ctx.maximum_version = {"TLS1.2": ssl.TLSVersion.TLSv1_2, "TLS1.1": ssl.TLSVersion.TLSv1_1,
                                   "TLS1.0": ssl.TLSVersion.TLSv1}[newest]
        return ctx


@dataclass
class RunningReplay:
    """What `run_replay` yields: where the captured device is served and what it was asked."""

    address: str
    port: int
    path: str
    received: list[str] = field(default_factory=list)  # "namespace#Operation", in order
    unanswered: list[str] = field(default_factory=list)  # requests the archive had no reply for
    tls_ports: list[int] = field(default_factory=list)  # HTTPS served again (new key material), ephemeral ports
    ports: dict[int, int] = field(default_factory=dict)  # captured HTTPS port -> the port it is served on now

    @property
    def captured_ports(self) -> dict[int, int]:
        """Served port -> the captured port it stands for (to compare facts with the live read's)."""
        return {served: captured for captured, served in self.ports.items()}

    @property
    def xaddr(self) -> str:
        host = f"[{self.address}]" if ":" in self.address else self.address
        return f"http://{host}:{self.port}{self.path}"


def _auth_kind(headers: Any, body: bytes) -> str:
    authorization = ""
    for name, value in headers:
        if name.lower() == "authorization":
            authorization = value
    if authorization:
        return authorization.split(" ", 1)[0].lower()
    return "ws-usernametoken" if _SECURITY.search(body) else "none"


def _request_key(body: bytes) -> tuple[str, str, tuple[tuple[str, str], ...]]:
    """(namespace, operation, parameters) of a SOAP request."""
    req = parse_request(body)
    params = tuple((etree.QName(el).localname, (el.text or "").strip())
                   for el in req.body.iter() if isinstance(el.tag, str) and el is not req.body)
    return req.namespace, req.operation, params


class ReplayDevice:
    """The archive's replies indexed by request key; serves them in archived order."""

    def __init__(self, archive: dict[str, Any]) -> None:
        if archive.get("format") != REPLAY_FORMAT:
            raise ReplayError(f"not a {REPLAY_FORMAT} archive (format: {archive.get('format')!r})")
        self.xaddr: str = archive.get("device_xaddr", "")
        first = next((ex.get("url", "") for ex in archive.get("exchanges", [])
                      if ex.get("operation") != TLS_HANDSHAKE), "")
        parts = urlsplit(first)
        self.origin = (parts.hostname or "", parts.port or 80)  # where the device was captured
        self._replies: dict[tuple[Any, ...], list[_Reply]] = {}
        self._served: dict[tuple[Any, ...], int] = {}
        self.tls: list[TlsOffer] = []  # HTTPS ports the device served when captured
        for i, ex in enumerate(archive.get("exchanges", [])):
            if ex.get("operation") == TLS_HANDSHAKE:
                if not ex.get("error"):
                    self.tls.append(TlsOffer.from_exchange(ex))
                continue
            try:
                ns, op, params = _request_key(ex["request_body"].encode())
                body = base64.b64decode(ex["reply_body"]) if ex.get("reply_body_base64") else \
                    ex["reply_body"].encode()
                reply = _Reply(ex.get("status"), [tuple(h) for h in ex.get("reply_headers", [])], body,
                               ex.get("error"))
                auth = _auth_kind(ex.get("request_headers", []), ex["request_body"].encode())
            except (KeyError, TypeError, ValueError, BadRequest) as exc:
                raise ReplayError(f"exchanges[{i}]: {exc}") from None
            self._replies.setdefault((ns, op, params, auth), []).append(reply)

    @classmethod
    def load(cls, path: Path) -> ReplayDevice:
        try:
            return cls(json.loads(path.read_text(encoding="utf-8")))
        except json.JSONDecodeError as exc:
            raise ReplayError(f"line {exc.lineno}: not JSON: {exc.msg}") from None

    def relocate(self, body: bytes, running: RunningReplay) -> bytes:
        """URLs naming the captured device's own address now name the replay's: an HTTPS port the capture
        served is replaced by the port it is served on now, the captured plain HTTP port by the replay's, so a
        device that listed its own https service is followed there again; so is a `Port` element holding a
        captured HTTPS port (GetNetworkProtocols). Other ports keep their number (RTSP is not replayed); URLs
        naming another host (NAT, 127.0.0.1) stay as captured."""
        host, origin_port = self.origin
        if not host:
            return body
        new_host = (f"[{running.address}]" if ":" in running.address else running.address).encode()
        old_host = re.escape((f"[{host}]" if ":" in host else host).encode())

        def moved(match: re.Match[bytes]) -> bytes:
            scheme, port_text = match.group(1), match.group(2)
            port = int(port_text) if port_text else _DEFAULT_PORTS.get(scheme.lower(), 0)
            if scheme.lower() == b"https" and port in running.ports:
                port = running.ports[port]
            elif port == origin_port and scheme.lower() == b"http":
                port = running.port
            elif port in running.ports:
                port = running.ports[port]
            elif not port_text:
                return scheme + b"://" + new_host
            return scheme + b"://" + new_host + b":" + str(port).encode()

        body = re.sub(rb"([A-Za-z][A-Za-z0-9+.-]*)://" + old_host + rb"(?::(\d{1,5}))?(?![\w.:-])", moved, body)

        def served(match: re.Match[bytes]) -> bytes:
            port = int(match.group(2))
            return match.group(1) + str(running.ports.get(port, port)).encode() + match.group(3)

        return _PORT_ELEMENT.sub(served, body) if running.ports else body

    def answer(self, body: bytes, headers: Any) -> _Reply | None:
        ns, op, params = _request_key(body)
        auth = _auth_kind(headers.items(), body)
        same_op = [k for k in self._replies if k[0] == ns and k[1] == op]
        if not same_op:
            return None
        for narrowed in ([k for k in same_op if k[2] == params and k[3] == auth],
                         [k for k in same_op if k[2] == params], [k for k in same_op if k[3] == auth], same_op):
            if narrowed:
                key = narrowed[0]
                break
        replies = self._replies[key]
        n = self._served.get(key, 0)
        self._served[key] = n + 1
        return replies[min(n, len(replies) - 1)]


def _fault(reason: str) -> bytes:
    env = Envelope()
    env.fault(SoapFault("Receiver", (), reason))
    return env.to_bytes()


@contextlib.asynccontextmanager
async def run_replay(archive: Path | dict[str, Any], *, host: str = "127.0.0.1",
                     port: int = 0) -> AsyncIterator[RunningReplay]:
    """Serve the archived device on host:port (0: an ephemeral port) until the block exits."""
    device = ReplayDevice.load(archive) if isinstance(archive, Path) else ReplayDevice(archive)
    path = "/" + device.xaddr.split("://", 1)[-1].partition("/")[2] if "://" in device.xaddr else "/"
    sock = listen_socket(host, port)
    running = RunningReplay(host, sock.getsockname()[1], path)
    stop = asyncio.Event()

    async def handle(request: web.Request) -> web.StreamResponse:
        raw = await request.content.read(MAX_REQUEST_BYTES + 1)
        try:
            reply = device.answer(raw, request.headers)
            ns, op, _ = _request_key(raw)
            running.received.append(f"{ns}#{op}")
        except BadRequest as exc:
            return web.Response(status=400, body=_fault(f"camaudit replay: {exc}"),
                                headers={"Content-Type": misbehave.SOAP_CT})
        if reply is None:
            running.unanswered.append(f"{ns}#{op}")
            return web.Response(status=500, body=_fault(NOT_IN_ARCHIVE), headers={"Content-Type": misbehave.SOAP_CT})
        if reply.status is None:  # the device gave no HTTP reply when captured
            if reply.error and "no complete reply" in reply.error:
                await misbehave.hold_without_reply(request, stop)
            else:
                misbehave.reset_connection(request)
            return web.Response(status=500)
        headers = [(k, v) for k, v in reply.headers if k.lower() not in _HOP_HEADERS]
        resp = web.Response(status=reply.status, body=device.relocate(reply.body, running))
        for name, value in headers:
            resp.headers.add(name, value)
        return resp

    app = web.Application(client_max_size=MAX_REQUEST_BYTES)
    app.router.add_route("*", "/{tail:.*}", handle)
    runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    try:
        await web.SockSite(runner, sock).start()
        for offer in device.tls:  # the same app over TLS, on an ephemeral port (URLs are rewritten to it)
            tls_sock = listen_socket(host, 0)
            await web.SockSite(runner, tls_sock, ssl_context=offer.server_context(host)).start()
            running.ports[offer.port] = tls_sock.getsockname()[1]
            running.tls_ports.append(running.ports[offer.port])
        yield running
    finally:
        stop.set()
        await runner.cleanup()
