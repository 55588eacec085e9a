"""Run a whole fleet of virtual ONVIF cameras in one process and one event loop.

One aiohttp application serves every camera; each camera gets its own listening
socket (address:port), and the handler tells cameras apart by the socket the
request arrived on. Every operation a camera receives is recorded (service
prefix + operation name, with the authentication outcome), so tests can prove
that a scan only ever read.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from pydantic import ValidationError

from lab import clock, misbehave, quirks
from lab.auth import (
    URL_MISMATCH,
    AuthResult,
    challenge,
    check_http_digest,
    check_username_token,
    parse_digest_header,
)
from lab.model import (
    PRE_AUTH_OPERATIONS,
    AuthScheme,
    Camera,
    DiscoveryMode,
    Fleet,
    MisbehaviourMode,
    Service,
    TlsAdvertise,
    UserLevel,
)
from lab.services import ADMIN_OPERATIONS, OPERATIONS, Ctx, response_prefix
from lab.soap import (
    SERVICE_BY_NS,
    SERVICE_BY_PATH,
    SERVICE_INFO,
    BadRequest,
    Envelope,
    SoapFault,
    SoapRequest,
    action_not_supported,
    not_authorized,
    parse_request,
)

log = logging.getLogger(__name__)

SOAP_CT = misbehave.SOAP_CT
MAX_REQUEST_BYTES = 1024 * 1024


@dataclass(frozen=True, slots=True)
class ReceivedRequest:
    """One request a camera received."""

    operation: str  # "<service prefix>:<operation>", e.g. "tds:GetDeviceInformation"
    authenticated: bool
    username: str | None
    scheme: str | None  # "ws-usernametoken" | "http-digest" | None
    at: datetime
    tls: bool = False  # arrived on the camera's HTTPS listener
    presented: str | None = None  # username the request carried (WS-UsernameToken or Digest), accepted or not
    stale: bool = False  # an HTTP Digest answer to a nonce the camera had retired (not a wrong password)

    @property
    def failed_login(self) -> bool:
        """Credentials were presented and refused: what a real camera counts towards its lockout."""
        return self.presented is not None and not self.authenticated and not self.stale


@dataclass
class RunningCamera:
    """A camera of a running fleet: where it listens and what it was asked."""

    spec: Camera
    address: str
    port: int  # the plain HTTP port; for an HTTPS-only camera (tls.plain_http: false) the HTTPS port
    requests: list[ReceivedRequest] = field(default_factory=list)
    tls_port: int | None = None  # where HTTPS is served (tls.enabled)
    quirks: quirks.QuirkState = field(default_factory=quirks.QuirkState)
    rtsp: Any = None  # lab.rtsp.RtspEndpoint when rtsp.enabled (its `requests` record OPTIONS/DESCRIBE ...)

    @property
    def received(self) -> list[str]:
        """Operations received, in order ("tds:GetDeviceInformation", ...)."""
        return [r.operation for r in self.requests]

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def plain_http(self) -> bool:
        return self.tls_port is None or self.spec.tls.plain_http

    @property
    def xaddr(self) -> str:
        """The device service URL the camera advertises (https when `tls.advertise` says so)."""
        return self.xaddrs[-1] if self.spec.tls.advertised is TlsAdvertise.HTTPS else self.xaddrs[0]

    @property
    def xaddrs(self) -> list[str]:
        """Every device service URL the camera advertises (WS-Discovery XAddrs), http first."""
        return [self.service_url(Service.DEVICE, s) for s in _schemes(self.spec, self.tls_port)]

    @property
    def http_xaddr(self) -> str | None:
        return self.service_url(Service.DEVICE, "http") if self.plain_http else None

    @property
    def https_xaddr(self) -> str | None:
        return self.service_url(Service.DEVICE, "https") if self.tls_port is not None else None

    def service_url(self, service: Service, scheme: str) -> str:
        port = self.tls_port if scheme == "https" else self.port
        return f"{scheme}://{self.address}:{port}{SERVICE_INFO[service][1]}"

    def service_xaddr(self, service: Service) -> str:
        return self.service_url(service, "https" if self.spec.tls.advertised is TlsAdvertise.HTTPS else "http")

    def clear(self) -> None:
        self.requests.clear()


@dataclass
class RunningFleet:
    """What `run_fleet` yields."""

    fleet: Fleet
    cameras: list[RunningCamera]
    start_seconds: float = 0.0
    responders: Any = None  # lab.responders.LabResponders when discovery=True
    ca_pem: bytes | None = None  # the lab CA's certificate (PEM) when a camera serves TLS: a scan's CA bundle

    def camera(self, name: str) -> RunningCamera:
        for cam in self.cameras:
            if cam.spec.name == name:
                return cam
        raise KeyError(name)

    def received(self) -> dict[str, list[str]]:
        return {cam.name: cam.received for cam in self.cameras}


def _schemes(cam: Camera, tls_port: int | None) -> list[str]:
    """URL schemes a camera advertises, http first."""
    if tls_port is None:
        return ["http"]
    return {TlsAdvertise.HTTP: ["http"], TlsAdvertise.HTTPS: ["https"],
            TlsAdvertise.BOTH: ["http", "https"]}[cam.tls.advertised]


class _LabApp:
    """The request handler shared by every camera socket."""

    def __init__(self, reply_delay_s: float) -> None:
        self.by_socket: dict[tuple[str, int], RunningCamera] = {}
        self.tls_sockets: set[tuple[str, int]] = set()
        self.reply_delay_s = reply_delay_s
        self.stop = asyncio.Event()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        transport = request.transport
        sockname = transport.get_extra_info("sockname") if transport else None
        rc = self.by_socket.get((sockname[0], sockname[1])) if sockname else None
        if rc is None or sockname is None:
            return web.Response(status=404, text="no camera here")
        over_tls = (sockname[0], sockname[1]) in self.tls_sockets
        client = request.remote or "?"
        if rc.spec.misbehaves(MisbehaviourMode.ONVIF_DISABLED):
            rc.requests.append(ReceivedRequest("?:onvif-disabled", False, None, None, clock.now(), over_tls))
            return web.Response(status=404, text=quirks.DISABLED_PAGE, content_type="text/html")
        if quirks.locked(rc.spec, rc.quirks, client):
            rc.requests.append(ReceivedRequest("?:locked-out", False, None, None, clock.now(), over_tls))
            return web.Response(status=403, text=quirks.LOCKED_PAGE, content_type="text/html")
        path_service = SERVICE_BY_PATH.get(request.path)
        if path_service is None:
            return web.Response(status=404, text="Not Found")
        if request.method != "POST":
            return web.Response(status=405, text="Method Not Allowed", headers={"Allow": "POST"})
        raw = await request.content.read(MAX_REQUEST_BYTES + 1)
        try:
            req = parse_request(raw)
        except BadRequest as exc:
            rc.requests.append(ReceivedRequest("?:invalid-request", False, None, None, clock.now(), over_tls))
            return self._fault(rc, SoapFault("Sender", ("ter:WellFormed",), str(exc)))
        return await self._dispatch(request, rc, path_service, req, over_tls)

    # -- the steps of one request

    async def _dispatch(self, request: web.Request, rc: RunningCamera, path_service: Service,
                        req: SoapRequest, over_tls: bool = False) -> web.StreamResponse:
        cam = rc.spec
        service = path_service
        ns_service = SERVICE_BY_NS.get(req.namespace)
        if (service, req.operation) not in OPERATIONS and ns_service and (ns_service, req.operation) in OPERATIONS:
            service = ns_service  # a client that posts everything to one XAddr
        prefix = SERVICE_INFO[service][0]
        name = f"{prefix}:{req.operation}"
        real_now = clock.now()
        refused = quirks.request_form_refusal(cam, request.headers.get("Content-Type", ""), req)
        if refused is not None:  # the request's form was refused before its credentials were looked at
            rc.requests.append(ReceivedRequest(name, False, None, None, real_now, over_tls))
            return refused
        auth = self._authenticate(request, rc, req, real_now)
        presented = _presented(request, req, rc.spec)
        rc.requests.append(ReceivedRequest(name, auth.ok, auth.username,
                                           auth.scheme.value if auth.scheme else None, real_now, over_tls,
                                           presented, auth.stale))

        def misbehaving(mode: MisbehaviourMode) -> Any:
            return cam.misbehaves(mode, prefix, req.operation)

        if misbehaving(MisbehaviourMode.CONNECTION_RESET):
            misbehave.reset_connection(request)
            return web.Response(status=500)
        if misbehaving(MisbehaviourMode.NO_REPLY):
            await misbehave.hold_without_reply(request, self.stop)
            return web.Response(status=500)
        if self.reply_delay_s > 0:
            await asyncio.sleep(self.reply_delay_s)

        if service not in cam.offered_services:
            if cam.misbehaves(MisbehaviourMode.SERVICES_LISTED_BUT_DEAD):
                return web.Response(status=404, text="Not Found")
            return self._unimplemented(rc, misbehaving, action_not_supported(f"{prefix} service"))

        needs_auth = req.operation not in PRE_AUTH_OPERATIONS and not (
            req.operation in cam.auth.anonymous_operations or name in cam.auth.anonymous_operations)
        client = request.remote or "?"
        if req.operation == "GetSystemDateAndTime" and not auth.ok:
            rc.quirks.time_asked.add(client)
        elif misbehaving(MisbehaviourMode.ONVIF_AFTER_TIME_QUERY) and client not in rc.quirks.time_asked:
            return self._fault(rc, SoapFault("Sender", ("ter:NotAuthorized",),
                                             "Time not synchronised: ask GetSystemDateAndTime first"), status=400)
        if needs_auth and misbehaving(MisbehaviourMode.AUTH_LOOP_401):
            return web.Response(status=401, headers={"WWW-Authenticate": challenge(cam.auth.realm, cam.name)},
                                text="Unauthorized")
        if needs_auth and not auth.ok:
            return self._auth_failure(rc, misbehaving, auth, request, presented)
        if needs_auth and (service, req.operation) in ADMIN_OPERATIONS:
            level = cam.auth.users[auth.username].level if auth.username else None
            if level is not UserLevel.ADMINISTRATOR:
                return self._fault(rc, not_authorized())

        handler = OPERATIONS.get((service, req.operation))
        refused = misbehaving(MisbehaviourMode.ACTION_NOT_SUPPORTED)
        if handler is None or _declared_unimplemented(cam, prefix, req.operation) or (
                refused is not None and refused.operations is not None):
            return self._unimplemented(rc, misbehaving, action_not_supported(name))

        extra_ns = cam.analytics.prefix_map() if cam.analytics else None
        env = Envelope(odd_prefixes=cam.misbehaves(MisbehaviourMode.ODD_NAMESPACE_PREFIXES) is not None,
                       extra_ns=extra_ns)
        ctx = Ctx(cam=cam, host=rc.address, port=rc.port, real_now=real_now,
                  list_all_services=cam.misbehaves(MisbehaviourMode.SERVICES_LISTED_BUT_DEAD) is not None,
                  tls_port=rc.tls_port, schemes=tuple(_schemes(cam, rc.tls_port)),
                  rtsp_port=rc.rtsp.port if rc.rtsp is not None else None,
                  **quirks.xaddr_override(cam))
        status = 200
        try:
            resp_el = env.response(response_prefix(service, req.operation), req.operation)
            handler(ctx, req, resp_el)
            if misbehaving(MisbehaviourMode.EMPTY_RESPONSE):
                misbehave.empty_response(resp_el)
            if misbehaving(MisbehaviourMode.HOLLOW_RESPONSE):
                misbehave.hollow_response(resp_el)
        except SoapFault as fault:
            env = Envelope(odd_prefixes=cam.misbehaves(MisbehaviourMode.ODD_NAMESPACE_PREFIXES) is not None)
            env.fault(fault)
            status = fault.http_status
        return await self._send(request, rc, misbehaving, env.to_bytes(), status)

    def _authenticate(self, request: web.Request, rc: RunningCamera, req: SoapRequest,
                      real_now: datetime) -> AuthResult:
        cam = rc.spec
        result = AuthResult(False)
        header = request.headers.get("Authorization", "")
        if header and AuthScheme.HTTP_DIGEST in cam.auth.schemes:
            variant = quirks.digest_variant(cam)
            result = check_http_digest(header, request.method, cam.auth, cam.name, request.path_qs,
                                       algorithm=variant["algorithm"], uri_form=variant["uri_form"],  # type: ignore[arg-type]
                                       qop_offered=bool(variant["qop"]))
            if result.ok and cam.misbehaves(MisbehaviourMode.DIGEST_STALE_NONCE):
                nonce = (parse_digest_header(header) or {}).get("nonce", "")
                if nonce in rc.quirks.used_nonces:
                    return AuthResult(False, stale=True, reason="stale nonce")
                rc.quirks.used_nonces.add(nonce)
            if result.ok:
                return result
        if req.token is not None and AuthScheme.WS_USERNAMETOKEN in cam.auth.schemes:
            camera_now = datetime.fromtimestamp(real_now.timestamp() + cam.clock.offset_seconds, UTC)
            token_result = check_username_token(req.token, cam.auth, camera_now)
            if token_result.ok or not header:
                return token_result
        return result

    def _auth_failure(self, rc: RunningCamera, misbehaving: Any, auth: AuthResult,
                      request: web.Request | None = None, presented: str | None = None) -> web.Response:
        cam = rc.spec
        digest = AuthScheme.HTTP_DIGEST in cam.auth.schemes
        variant = quirks.digest_variant(cam)
        fresh = challenge(cam.auth.realm, cam.name, stale=auth.stale, algorithm=str(variant["algorithm"] or "MD5"),
                          qop=bool(variant["qop"]))
        if misbehaving(MisbehaviourMode.LOCKOUT) and request is not None and presented and not auth.stale:
            reason = quirks.lockout_reason(cam, rc.quirks, request.remote or "?")
            resp = self._fault(rc, SoapFault("Sender", ("ter:NotAuthorized",), reason), status=401 if digest else 400)
            if digest:
                resp.headers["WWW-Authenticate"] = fresh
            return resp
        if misbehaving(MisbehaviourMode.HTML_401):
            body = quirks.HTML_401_PAGE.replace("Authentication required.", URL_MISMATCH) \
                if auth.reason == URL_MISMATCH else quirks.HTML_401_PAGE
            return web.Response(status=401, text=body, content_type="text/html",
                                headers={"WWW-Authenticate": fresh} if digest else {})
        if auth.reason == URL_MISMATCH:
            return web.Response(status=401, text=URL_MISMATCH, content_type="text/plain",
                                headers={"WWW-Authenticate": fresh})
        if misbehaving(MisbehaviourMode.AUTH_FAULT_AS_400):
            return self._fault(rc, not_authorized(), status=400)
        if misbehaving(MisbehaviourMode.AUTH_FAULT_IN_200):
            return self._fault(rc, not_authorized(), status=200)
        if misbehaving(MisbehaviourMode.AUTH_AS_401):
            headers = {"WWW-Authenticate": challenge(cam.auth.realm, cam.name)} if digest else {}
            return web.Response(status=401, headers=headers)
        if digest:
            resp = self._fault(rc, not_authorized(), status=401)
            resp.headers["WWW-Authenticate"] = fresh
            return resp
        return self._fault(rc, not_authorized(), status=400)

    def _unimplemented(self, rc: RunningCamera, misbehaving: Any, fault: SoapFault) -> web.Response:
        if misbehaving(MisbehaviourMode.EMPTY_200_FOR_UNIMPLEMENTED):
            return web.Response(status=200, body=b"", headers={"Content-Type": SOAP_CT})
        if misbehaving(MisbehaviourMode.STACKTRACE_200_FOR_UNIMPLEMENTED):
            return web.Response(status=200, text=misbehave.STACKTRACE, content_type="text/html")
        if misbehaving(MisbehaviourMode.HTTP500_FOR_UNIMPLEMENTED):
            return web.Response(status=500, text=misbehave.LIGHTTPD_500, content_type="text/html")
        return self._fault(rc, fault)

    def _fault(self, rc: RunningCamera, fault: SoapFault, status: int | None = None) -> web.Response:
        if rc.spec.misbehaves(MisbehaviourMode.SOAP11_ONLY):
            code = fault.subcodes[0] if fault.subcodes else "SOAP-ENV:" + ("Client" if fault.code == "Sender"
                                                                           else "Server")
            return web.Response(status=status or fault.http_status, body=quirks.soap11_fault(code, fault.reason),
                                headers={"Content-Type": quirks.SOAP11_CT})
        env = Envelope(odd_prefixes=rc.spec.misbehaves(MisbehaviourMode.ODD_NAMESPACE_PREFIXES) is not None)
        env.fault(fault)
        nul = b"\x00" if rc.spec.misbehaves(MisbehaviourMode.NUL_TERMINATED) else b""
        return web.Response(status=status or fault.http_status, body=env.to_bytes() + nul,
                            headers={"Content-Type": SOAP_CT})

    async def _send(self, request: web.Request, rc: RunningCamera, misbehaving: Any, body: bytes,
                    status: int) -> web.StreamResponse:
        if misbehaving(MisbehaviourMode.CAPABILITIES_FOREIGN_NAMESPACE) and b"GetCapabilitiesResponse" in body:
            body = misbehave.foreign_schema_namespace(body)
        item = misbehaving(MisbehaviourMode.ENTITY_EXPANSION)
        if item:
            body = misbehave.entity_expansion(body, item.payload)
        if misbehaving(MisbehaviourMode.MALFORMED_XML):
            body = misbehave.malformed(body)
        if misbehaving(MisbehaviourMode.TRUNCATED):
            body = misbehave.truncated(body)
        item = misbehaving(MisbehaviourMode.OVERSIZED)
        if item:
            return await misbehave.oversized(request, body, item.megabytes, status)
        item = misbehaving(MisbehaviourMode.SLOW_DRIP)
        if item:
            return await misbehave.slow_drip(request, body, item.bytes_per_second, status, self.stop)
        if misbehaving(MisbehaviourMode.NUL_TERMINATED):
            body += b"\x00"
        if misbehaving(MisbehaviourMode.SOAP11_ONLY):
            return web.Response(status=status, body=quirks.as_soap11(body), headers={"Content-Type": quirks.SOAP11_CT})
        return web.Response(status=status, body=body, headers={"Content-Type": SOAP_CT})


_UNIMPLEMENTED_MODES = (MisbehaviourMode.EMPTY_200_FOR_UNIMPLEMENTED, MisbehaviourMode.STACKTRACE_200_FOR_UNIMPLEMENTED,
                        MisbehaviourMode.HTTP500_FOR_UNIMPLEMENTED)


def _declared_unimplemented(cam: Camera, prefix: str, operation: str) -> bool:
    """A *_for_unimplemented misbehaviour that names this operation: the camera lacks it (and answers oddly)."""
    return any(item.mode in _UNIMPLEMENTED_MODES and item.operations is not None
               and item.applies_to(prefix, operation) for item in cam.misbehaviour)


def listen_socket(host: str, port: int) -> socket.socket:
    """A listening non-blocking TCP socket on host:port (IPv4 or IPv6), closed again if binding fails."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # getaddrinfo resolves an IPv6 zone ("fe80::1%eth0") into the scope id bind() needs
    sockaddr = socket.getaddrinfo(host, port, family, socket.SOCK_STREAM, 0, socket.AI_NUMERICHOST)[0][4]
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(sockaddr)
        sock.listen(128)
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


def _raise_fd_limit(sockets: int) -> None:
    """One socket per camera: lift the soft open-files limit when a big fleet needs it."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not on Linux
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = sockets + 512
    if soft != resource.RLIM_INFINITY and soft < wanted:
        new = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))


class FleetStartError(OSError):
    """A camera could not listen on its address:port (an OSError, like the bind failure behind it)."""


def _listen_or_fail(cam: Camera, host: str, port: int) -> socket.socket:
    try:
        return listen_socket(host, port)
    except OSError as exc:
        raise FleetStartError(f"camera {cam.name}: cannot listen on {host}:{port}: {exc.strerror}") from None


def _responder_cameras(running: list[RunningCamera]) -> list[Any]:
    from lab.responders import ResponderCamera  # the discovery engineer's module

    out = []
    for rc in running:
        cam = rc.spec
        out.append(ResponderCamera(
            endpoint_uuid=cam.endpoint_uuid.removeprefix("urn:uuid:"), address=rc.address, xaddrs=rc.xaddrs,
            scopes=cam.scopes,
            types=["dn:NetworkVideoTransmitter", "tds:Device"],
            discoverable=cam.network.discovery_mode is DiscoveryMode.DISCOVERABLE, name=cam.name,
            manufacturer=cam.identity.manufacturer, model=cam.identity.model, serial=cam.serial, mac=cam.mac,
            hostname=cam.hostname, http_port=rc.port, mdns=cam.network.mdns, ssdp=cam.network.ssdp,
            nul_terminated=cam.misbehaves(MisbehaviourMode.NUL_TERMINATED) is not None))
    return out


@contextlib.asynccontextmanager
async def run_fleet(fleet: Fleet, *, port_override: int | None = None, bind_host_override: str | None = None,
                    discovery: bool = False, reply_delay_s: float = 0.0,
                    multicast: bool = False) -> AsyncIterator[RunningFleet]:
    """Serve every camera of `fleet` until the block exits.

    Args:
        port_override: listen on this port instead of each camera's (0 = an ephemeral port per camera;
            tests must use 0).
        bind_host_override: listen on this address instead of each camera's (e.g. 127.0.0.1); loopback,
            private or RFC 5737 addresses only, never 0.0.0.0.
        discovery: also run the WS-Discovery/mDNS/SSDP responders (lab/responders.py) for the fleet.
        reply_delay_s: delay every reply (benchmarks of slow devices).
        multicast: let the responders use multicast (only on lo or inside network namespaces).
    """
    if bind_host_override is not None:
        try:  # the same address rules as cameras: never a wildcard or a public address
            Camera.model_validate({"name": "bind", "address": bind_host_override})
        except ValidationError:
            raise ValueError(f"bind address {bind_host_override!r}: the lab listens on loopback, private or "
                             "RFC 5737 addresses only") from None
    started = time.perf_counter()
    _raise_fd_limit(len(fleet.cameras))
    lab_app = _LabApp(reply_delay_s)
    app = web.Application(client_max_size=MAX_REQUEST_BYTES)
    app.router.add_route("*", "/{tail:.*}", lab_app.handle)
    # shutdown_timeout belongs to the runner (aiohttp >= 3.9 warns when a site gets it); never pass it to a site
    runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    running: list[RunningCamera] = []
    certificates = None
    try:
        for cam in fleet.cameras:
            host = bind_host_override or cam.address
            port = cam.port if port_override is None else port_override
            rc: RunningCamera | None = None
            if not cam.tls.enabled or cam.tls.plain_http:
                sock = _listen_or_fail(cam, host, port)
                bound_host, bound_port = sock.getsockname()[:2]
                rc = RunningCamera(spec=cam, address=bound_host, port=bound_port)
                lab_app.by_socket[(bound_host, bound_port)] = rc
                await web.SockSite(runner, sock).start()
            if cam.tls.enabled:
                if certificates is None:
                    from lab.tls import (
                        CertificateFactory,  # needs `cryptography`; only fleets with TLS use it
                    )

                    certificates = CertificateFactory()
                tls_port = cam.tls.port if port_override is None else (port_override if rc is None else 0)
                sock = _listen_or_fail(cam, host, tls_port)
                bound_host, bound_port = sock.getsockname()[:2]
                if rc is None:
                    rc = RunningCamera(spec=cam, address=bound_host, port=bound_port)
                rc.tls_port = bound_port
                lab_app.by_socket[(bound_host, bound_port)] = rc
                lab_app.tls_sockets.add((bound_host, bound_port))
                ssl_context = certificates.server_context(cam, bound_host)
                await web.SockSite(runner, sock, ssl_context=ssl_context).start()
            assert rc is not None
            if cam.rtsp.enabled:
                from lab import rtsp

                rc.rtsp = await rtsp.start(cam, host, cam.rtsp.port if port_override is None else 0,
                                           reply_delay_s=reply_delay_s)
            running.append(rc)
        result = RunningFleet(fleet=fleet, cameras=running, start_seconds=time.perf_counter() - started,
                              ca_pem=certificates.ca_pem() if certificates is not None else None)
        if discovery:
            from lab.responders import LabResponders

            async with LabResponders(_responder_cameras(running), multicast=multicast) as responders:
                result.responders = responders
                yield result
        else:
            yield result
    finally:
        lab_app.stop.set()
        for rc in running:
            if rc.rtsp is not None:
                rc.rtsp.server.close()
        await runner.cleanup()


def _presented(request: web.Request, req: SoapRequest, cam: Camera) -> str | None:
    """The username a request offered in a scheme this camera checks (one it does not implement is ignored)."""
    params = parse_digest_header(request.headers.get("Authorization", ""))
    if params and params.get("username") and AuthScheme.HTTP_DIGEST in cam.auth.schemes:
        return params["username"]
    if req.token is not None and AuthScheme.WS_USERNAMETOKEN in cam.auth.schemes:
        return req.token.username
    return None
