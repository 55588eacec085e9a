"""Moving SOAP bytes to one device: caps, timeouts, auth negotiation, circuit breaking.

One `DeviceChannel` per device, on the reader's shared aiohttp session. It never
sends to another host than the device address it was created for, never follows
redirects, reads at most `max_reply_bytes` per reply (enforced while streaming),
and bounds each request by `request_timeout_s`.

HTTPS: certificates are not verified (cameras use self-signed ones); what the
device presents is recorded as `tls.*` facts by `_tls`. With the site's CA bundle
(`ca_bundle`), `trust` verifies it in a separate handshake (`tls.verification`). When a device offers
both http and https XAddrs, the reader uses https (see `services/addresses.py`).

Auth (ONVIF Core 5.9.4): WS-UsernameToken PasswordDigest first (Created shifted
by the device clock offset); a 401 with a Digest challenge switches to HTTP
Digest, answering that challenge. The first authenticated request runs alone so the scheme is settled
before anything else is sent. With several credential sets (`credentials`), the
sets whose selector matches the device are tried in that negotiation, most specific
first, each with at most one failed attempt per scheme and never more than the
plan's per-device cap of failed attempts. A WS-UsernameToken request answered by
an HTTP Digest challenge counts as a failed attempt (the device may count it), and
later sets go straight to Digest. After that, remaining requests go out without
credentials (which is not a login attempt), so accounts never lock.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from urllib.parse import urlsplit, urlunsplit

import aiohttp
from yarl import URL

from probes import clock
from probes.errors import AuthRejected, BadReply, DeviceError, Unreachable
from probes.facts import Evidence
from probes.factvalues.tls import TlsCertificate
from probes.onvif._allowlist import require_read_only
from probes.onvif._digest import Challenge, DigestSession, choose, parse_challenges
from probes.onvif._exchange import Exchange, ExchangeSink
from probes.onvif._http_errors import device_error
from probes.onvif._soap import (
    SOAP12,
    Dialect,
    Params,
    UsernameToken,
    build_envelope,
    dialect_hint,
    interpret,
    request_headers,
)
from probes.onvif._xml import Element
from probes.onvif.credentials import CredentialPlan, CredentialSet, DeviceHints
from probes.onvif.trust import CaBundle

log = logging.getLogger(__name__)

_CHUNK = 65536
_FIXED_HEADERS = {"Accept-Encoding": "identity", "Connection": "keep-alive"}


@functools.lru_cache(maxsize=1024)
def _headers(operation: str, dialect: Dialect) -> Mapping[str, str]:
    """The request headers of an operation in a dialect, built once (read-only: copied to add to them)."""
    return MappingProxyType({**request_headers(operation, dialect), **_FIXED_HEADERS})


_URL_MISMATCH = re.compile(rb"ur[il]\s+does\s+not\s+match", re.IGNORECASE)
_ATTEMPTS_LEFT = re.compile(r"(?:still have|remaining|left)\D{0,20}(\d+)\s*(?:attempt|tr(?:y|ies)|time)"
                            r"|(\d+)\s*(?:attempt|tr(?:y|ies)|time)s?(?:\(s\))?\s*(?:left|remaining)", re.IGNORECASE)
LOCKOUT_MARGIN = 1  # stop when a device says this many attempts (or fewer) remain before it locks


def attempts_left(message: str) -> int | None:
    """N of a refusal that counts down ("You still have 2 attempt(s)", "3 tries left"), else None."""
    m = _ATTEMPTS_LEFT.search(message)
    return int(m.group(1) or m.group(2)) if m else None


TLS_HANDSHAKE = "tls:handshake"  # the operation name of a recorded TLS handshake (captures only)
TIMEOUTS_BEFORE_SKIP = 2  # a service URL that timed out this often is dead: skip it rather than wait again


class AuthScheme(StrEnum):
    WS_USERNAME_TOKEN = "ws-usernametoken"
    HTTP_DIGEST = "http-digest"


@dataclass(slots=True)
class Reply:
    """A successful reply: the <OpResponse> element and what is needed for evidence."""

    operation: str
    element: Element
    raw: bytes
    received_at: datetime
    sent_at: datetime
    authenticated: AuthScheme | None
    evidence: Evidence | None = None  # computed once, shared by every fact from this reply


def attach(exc: DeviceError, raw: bytes | None, received_at: datetime | None) -> DeviceError:
    """Keep the raw reply on the error so the failed fact still carries evidence."""
    exc.raw = raw  # type: ignore[attr-defined]
    exc.received_at = received_at  # type: ignore[attr-defined]
    return exc


@dataclass(slots=True)
class AuthState:
    scheme: AuthScheme | None = None
    accepted: list[AuthScheme] = field(default_factory=list)
    failed: dict[AuthScheme, str] = field(default_factory=dict)  # scheme -> reason of its one failed attempt
    gave_up: str | None = None  # set when credentials are unusable: later calls go without credentials
    gave_up_at: str | None = None  # the operation where that happened
    credential_set: str | None = None  # name of the set the device accepted (never its secret)
    attempts: list[tuple[str, AuthScheme, str]] = field(default_factory=list)  # refused: (set, scheme, why)
    capped: bool = False  # the per-device cap of failed attempts (or the device's countdown) stopped the negotiation
    device_countdown: int | None = None  # "you still have N attempts" said by the device when we stopped
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class DeviceChannel:
    """Sends allowlisted SOAP requests to one device and interprets the replies."""

    def __init__(self, http: aiohttp.ClientSession, address: str, *, plan: CredentialPlan | None,
                 hints: DeviceHints | None = None, request_timeout_s: float, max_reply_bytes: int,
                 per_device_concurrency: int, recorder: ExchangeSink | None = None,
                 ca_bundle: CaBundle | None = None) -> None:
        self._http = http
        self.ca_bundle = ca_bundle  # the site's CAs: tls.verification (probes/onvif/trust.py); None: not asked
        self.address = address
        self._plan = plan or CredentialPlan()
        self.hints = hints or DeviceHints(addresses=(address,))  # DeviceRead adds what anonymous replies tell
        self._chosen: list[CredentialSet] | None = None  # fixed when the negotiation starts
        self._token: UsernameToken | None = None
        self._username: str | None = None
        self._password: str | None = None
        self._timeout = request_timeout_s
        self._cap = max_reply_bytes
        self._sem = asyncio.Semaphore(per_device_concurrency)
        self._digest: dict[tuple[str, str], DigestSession] = {}  # (credential set, origin) -> session
        self._dead: dict[str, str] = {}  # url -> reason it is not asked again
        self._timeouts: dict[str, int] = {}  # url -> requests that timed out
        self.clock_offset_s = 0.0
        self.auth = AuthState()
        self._current = ""
        self.sent: list[str] = []  # operations sent, in order (for tests and debugging)
        self.recorder = recorder
        self.dialect = SOAP12  # settled by the first replies (SOAP 1.1-only firmware and the like)
        self._dialects_tried: set[Dialect] = {SOAP12}  # `camaudit capture`: every hop, handed over as it completes
        self._parsed_urls: dict[str, URL] = {}  # yarl's own cache holds 128 URLs: a scan uses thousands

    def candidates(self) -> list[CredentialSet]:
        """The credential sets this device may be offered, most specific first (fixed once negotiating)."""
        if self._chosen is not None:
            return self._chosen
        return self._plan.select(self.hints)

    @property
    def has_sets(self) -> bool:
        """Whether the site has any credential set at all (to tell "none configured" from "none applies")."""
        return bool(self._plan.sets)

    def _use(self, cred: CredentialSet) -> None:
        self._username, self._password = cred.username, cred.password.get_secret_value()
        self._token = UsernameToken(self._username, self._password)
        self._current = cred.name

    @property
    def request_timeout_s(self) -> float:
        return self._timeout

    @property
    def has_credentials(self) -> bool:
        return bool(self.candidates())

    def rewrite(self, xaddr: str, reached: str | None = None) -> str:
        """The service URL on the address we reached the device at; never another host.

        Devices behind NAT or with several interfaces report XAddrs with another host
        (and the port as seen from inside). Then we keep the path but use the scheme and
        port of `reached`, the device URL that answered us. An XAddr on the device's own
        address keeps its port.
        """
        parts = urlsplit(xaddr.strip())
        if parts.scheme not in ("http", "https"):
            raise BadReply(f"service address {xaddr!r} is not an http(s) URL")
        scheme, port = parts.scheme, parts.port
        if parts.hostname != self.address and reached is not None:
            via = urlsplit(reached)
            scheme, port = via.scheme, via.port
        host = f"[{self.address}]" if ":" in self.address else self.address
        netloc = f"{host}:{port}" if port else host
        return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))

    async def call(self, url: str, operation: str, params: Params = (), *, auth: bool = True) -> Reply:
        """Send one read operation and return its response element, or raise a DeviceError."""
        require_read_only(operation)  # allowlist check before anything else happens
        if url in self._dead:
            raise Unreachable(self._dead[url], operation=operation)
        if not auth or not self.has_credentials:
            return await self._send(url, operation, params, None)
        if self.auth.scheme is None and not self.auth.gave_up:
            async with self.auth.lock:  # settle the scheme with one request at a time
                if self.auth.scheme is None and not self.auth.gave_up:
                    return await self._negotiate(url, operation, params)
        if self.auth.gave_up:
            try:
                return await self._send(url, operation, params, None)
            except AuthRejected as exc:
                raise self.refused_unsigned(exc) from None
        return await self._send(url, operation, params, self.auth.scheme)

    def refused_unsigned(self, exc: AuthRejected) -> DeviceError:
        """The refusal of a request sent without credentials: after our credentials were refused, it says so."""
        if self.auth.gave_up is None:
            return exc
        return attach(AuthRejected(f"{exc} (our credentials were refused at {self.auth.gave_up_at}, so none were "
                                   "sent)", operation=exc.operation), getattr(exc, "raw", None),
                      getattr(exc, "received_at", None))

    async def _negotiate(self, url: str, operation: str, params: Params) -> Reply:
        """Try the applicable sets, most specific first, until one is accepted or the failure cap is reached."""
        self._chosen = self.candidates()
        digest_only = False  # the device answered WS-UsernameToken with a Digest challenge: skip it from now on
        failures = 0
        last: AuthRejected | None = None
        for cred in self._chosen:
            self._use(cred)
            schemes = [AuthScheme.HTTP_DIGEST] if digest_only else [AuthScheme.WS_USERNAME_TOKEN,
                                                                    AuthScheme.HTTP_DIGEST]
            for scheme in schemes:
                if failures >= self._plan.max_failures:
                    self.auth.capped = True
                    break
                try:
                    reply = await self._send(url, operation, params, scheme)
                except _DigestChallenge as exc:
                    # the device may count this refusal towards its lockout: so do we; later sets skip WS-UT
                    digest_only = True
                    if exc.challenge is not None:  # the Digest attempt answers it rather than asking for another
                        self._digest_session(url).update(exc.challenge)
                    failures += 1
                    self.auth.attempts.append((cred.name, scheme, str(exc)))
                    if self._countdown_stops(str(exc)):
                        break
                    continue
                except AuthRejected as exc:
                    failures += 1
                    last = exc
                    self.auth.failed.setdefault(scheme, str(exc))
                    self.auth.attempts.append((cred.name, scheme, str(exc)))
                    self._countdown_stops(str(exc))
                    break  # a refused set is not tried again with another scheme the device did not ask for
                self._settle(scheme)
                self.auth.credential_set = cred.name
                return reply
            if self.auth.capped:
                break
        tried = ", ".join(f"{name!r} ({scheme})" for name, scheme, _ in self.auth.attempts)
        untried = [c.name for c in self._chosen if c.name not in {a[0] for a in self.auth.attempts}]
        why = f"credentials rejected at {operation}: {tried or 'none accepted'}"
        if self.auth.device_countdown is not None:
            why += (f"; stopped because the device said only {self.auth.device_countdown} attempt(s) remain "
                    "before it locks" + (f", not tried: {', '.join(repr(n) for n in untried)}" if untried else ""))
        elif self.auth.capped and untried:
            why += (f"; stopped at the cap of {self._plan.max_failures} failed attempts per device, "
                    f"not tried: {', '.join(repr(n) for n in untried)}")
        if self.auth.attempts:
            why += ("; on many cameras ONVIF users are separate from the web interface's users, and ONVIF "
                    "authentication may need to be switched on")
        if last is not None:
            why += f" (last: {last})"
        self.auth.gave_up, self.auth.gave_up_at = why, operation
        if last is not None:
            try:
                raise last  # the device's own refusal, with its raw reply as evidence
            finally:
                last = None  # its traceback holds this frame: no cycle keeping the read alive (issue 23)
        raise AuthRejected(why, operation=operation)

    def _countdown_stops(self, refusal: str) -> bool:
        """Whether the device's refusal counts down to a lockout so far that we stop trying (then noted)."""
        left = attempts_left(refusal)
        if left is None or left > LOCKOUT_MARGIN:
            return False
        self.auth.capped, self.auth.device_countdown = True, left
        return True

    def _settle(self, scheme: AuthScheme) -> None:
        self.auth.scheme = scheme
        if scheme not in self.auth.accepted:
            self.auth.accepted.append(scheme)

    async def _send(self, url: str, operation: str, params: Params, scheme: AuthScheme | None) -> Reply:
        async with self._sem:
            sent_at = clock.now()
            header_fresh = True  # the first attempt's Created is sent_at; a retry in another dialect reads the clock
            self.sent.append(operation)
            for _ in range(4):  # at most: action= dropped, SOAP 1.1, mustUnderstand dropped
                dialect = self.dialect
                header = None
                if scheme is AuthScheme.WS_USERNAME_TOKEN and self._token is not None:
                    created = sent_at if header_fresh else clock.now()  # fresh for every request sent
                    header_fresh = False
                    header = self._token.header(self.clock_offset_s, created=created,
                                                must_understand=dialect.must_understand)
                body = build_envelope(operation, params, header, dialect)
                if scheme is AuthScheme.HTTP_DIGEST:
                    status, raw, challenges = await self._post_digest(url, operation, body, dialect)
                else:
                    status, raw, challenges = await self._post(url, operation, body, dialect=dialect)
                if self.dialect != dialect:
                    continue  # another request settled the dialect meanwhile: ask again in it
                hint = dialect_hint(status, raw, dialect, had_security=header is not None)
                if hint is None or hint in self._dialects_tried:
                    break
                log.info("%s: %s refused %s; trying %s", self.address, operation, dialect.describe, hint.describe)
                self._dialects_tried.add(hint)
                self.dialect = hint
            received_at = clock.now()
        if status == 401:
            raise attach(self._refusal(operation, scheme, challenges, raw), raw, received_at)
        try:
            element = interpret(operation, status, raw)
        except DeviceError as exc:
            raise attach(exc, raw, received_at) from None
        return Reply(operation, element, raw, received_at, sent_at, scheme)

    def _refusal(self, operation: str, scheme: AuthScheme | None, challenges: list[str],
                 raw: bytes = b"") -> AuthRejected:
        """The error for an HTTP 401, naming what the device asked for (and what its SOAP fault said)."""
        said = ""
        if raw.strip():
            try:
                interpret(operation, 401, raw)
            except AuthRejected as exc:  # a SOAP fault inside the 401: its reason may count down to a lockout
                said = f" ({str(exc).split(': ', 1)[-1]})"
            except DeviceError:
                pass
        return self._refusal_reason(operation, scheme, challenges, said)

    def _refusal_reason(self, operation: str, scheme: AuthScheme | None, challenges: list[str],
                        said: str) -> AuthRejected:
        digest = parse_challenges(challenges)
        challenge = challenges[0].split(" ", 1)[0].lower() if challenges else ""
        if digest:
            challenge = "digest"
        if scheme is AuthScheme.WS_USERNAME_TOKEN and digest and AuthScheme.HTTP_DIGEST not in self.auth.failed:
            refusal = _DigestChallenge(f"HTTP 401: refused, with an HTTP Digest challenge{said}", operation=operation)
            refusal.challenge = choose(digest)
            return refusal
        why = {"digest": "HTTP Digest", "basic": "HTTP Basic (not sent: cleartext)"}.get(challenge, "HTTP auth")
        if scheme is None:
            return AuthRejected(f"HTTP 401: the device requires {why}; sent without credentials", operation=operation)
        if scheme is AuthScheme.HTTP_DIGEST:
            usable = choose(digest)
            if digest and usable is None:
                offered = "; ".join(c.describe for c in digest)
                return AuthRejected(f"HTTP 401: the device asks for HTTP Digest {offered}, which camaudit does not "
                                    "implement (no credentials were sent)", operation=operation)
            return AuthRejected(f"HTTP 401: HTTP Digest credentials refused{said}", operation=operation)
        return AuthRejected(f"HTTP 401: WS-UsernameToken refused; the device asks for {why}{said}",
                            operation=operation)

    def _digest_session(self, url: str) -> DigestSession:
        """The Digest state of the current credential set at the origin of `url` (one nonce count per origin)."""
        key = (self._current, "/".join(url.split("/", 3)[:3]))
        session = self._digest.get(key)
        if session is None:
            session = self._digest[key] = DigestSession(self._username or "", self._password or "")
        return session

    async def _post_digest(self, url: str, operation: str, body: bytes,
                           dialect: Dialect = SOAP12) -> tuple[int, bytes, list[str]]:
        """POST with HTTP Digest: answer the device's challenge (once, or again when it says the nonce is stale).

        A 401 to a request without an answer, or with an answer to a nonce the device now calls stale,
        is not a refused login; only a refused answer to a fresh challenge is. Firmware that compares
        the digest URI with the absolute URL says so in its 401 ("url does not match"): then the same
        answer is sent once more with the absolute URI, never a second guess of the password.
        """
        session = self._digest_session(url)
        answered = session.challenge is not None and choose([session.challenge]) is not None
        authorization = session.authorization("POST", url) if answered else None
        status, raw, challenges = await self._post(url, operation, body, authorization, dialect)
        for _ in range(2):
            if status != 401:
                break
            challenge = choose(parse_challenges(challenges))
            if challenge is None:
                break  # Basic only, or a Digest variant we cannot answer: nothing is sent
            retry = authorization is None or challenge.stale
            if not retry and not session.absolute_uri and _URL_MISMATCH.search(raw[:2048]):
                session.absolute_uri = retry = True
            if not retry:
                break
            session.update(challenge)
            authorization = session.authorization("POST", url)
            status, raw, challenges = await self._post(url, operation, body, authorization, dialect)
        return status, raw, challenges

    async def _post(self, url: str, operation: str, body: bytes, authorization: str | None = None,
                    dialect: Dialect = SOAP12) -> tuple[int, bytes, list[str]]:
        headers = _headers(operation, dialect)
        if authorization is not None:
            headers = {**headers, "Authorization": authorization}
        record = None
        if self.recorder is not None:
            record = Exchange(operation, "POST", url, list(headers.items()), body, clock.now())
        started = time.perf_counter()
        try:
            status, raw, challenges = await self._exchange(url, operation, body, headers, record)
        except DeviceError as exc:
            if record is not None and self.recorder is not None:
                record.error, record.elapsed_ms = str(exc), (time.perf_counter() - started) * 1000
                record.reply_body = getattr(exc, "raw", None) or b""
                self.recorder(record)
            raise
        if record is not None and self.recorder is not None:
            record.status, record.reply_body = status, raw
            record.elapsed_ms = (time.perf_counter() - started) * 1000
            self.recorder(record)
        return status, raw, challenges

    async def _exchange(self, url: str, operation: str, body: bytes, headers: Mapping[str, str],
                        record: Exchange | None) -> tuple[int, bytes, list[str]]:
        target: URL | str | None = self._parsed_urls.get(url)
        if target is None:
            try:
                target = self._parsed_urls[url] = URL(url)
            except ValueError:
                target = url  # aiohttp refuses it as an invalid URL (a ClientError), as it always did
        try:
            async with asyncio.timeout(self._timeout):
                async with self._http.post(target, data=body, headers=headers, allow_redirects=False) as resp:
                    if record is not None:
                        record.status = resp.status
                        record.reply_headers = [(k, v) for k, v in resp.headers.items()]
                    raw = await self._read_capped(resp, operation)
                    if resp.status != 401:
                        return resp.status, raw, []
                    # every challenge, in the device's order (Digest preferred over Basic when both are offered)
                    challenges = resp.headers.getall("WWW-Authenticate", [])
                    challenges.sort(key=lambda c: not c.lower().startswith("digest"))
                    return resp.status, raw, challenges
        except (TimeoutError, aiohttp.ClientError) as exc:
            error = device_error(exc, operation=operation, url=url, timeout=self._timeout)
            if isinstance(exc, TimeoutError):
                self._timeouts[url] = self._timeouts.get(url, 0) + 1
                if self._timeouts[url] >= TIMEOUTS_BEFORE_SKIP:
                    self._dead[url] = (f"{url} did not answer {self._timeouts[url]} earlier requests within "
                                       f"{self._timeout:g} s; not asked again")
            elif isinstance(exc, aiohttp.ClientConnectorError):
                self._dead[url] = str(error)
        # raised after the handler, so that it holds no context (whose tracebacks hold this frame), and
        # without a local naming it: no cycle keeps the channel until a full collection (issue 23)
        try:
            raise error
        finally:
            del error

    def record_tls(self, port: int, at: datetime, *, protocol: str | None = None, cipher: str | None = None,
                   legacy_accepted: bool | None = None, certificate: TlsCertificate | None = None,
                   error: str | None = None) -> None:
        """Hand a TLS handshake (not HTTP) to the recorder, so a capture can replay what HTTPS offered."""
        if self.recorder is None:
            return
        host = f"[{self.address}]" if ":" in self.address else self.address
        headers = [] if error else [("TLS-Protocol", protocol or ""), ("TLS-Cipher", cipher or ""),
                                    ("TLS-Legacy-Accepted", "unknown" if legacy_accepted is None
                                                             else "yes" if legacy_accepted else "no")]
        # no fingerprint of key material
        public = certificate.model_dump(mode="json", exclude={"sha256"}) if certificate is not None else {}
        self.recorder(Exchange(TLS_HANDSHAKE, "TLS", f"https://{host}:{port}/", [], b"", at, 0.0, None, headers,
                               json.dumps(public, sort_keys=True).encode() if public else b"", error))

    async def _read_capped(self, resp: aiohttp.ClientResponse, operation: str) -> bytes:
        """The body, never more than the cap: an oversized reply is cut and reported, not buffered."""
        declared = resp.content_length
        if declared is not None and declared <= self._cap:
            return await resp.read()  # the parser stops at Content-Length: one read, no chunk loop
        buf = bytearray()
        async for chunk in resp.content.iter_chunked(_CHUNK):
            buf += chunk
            if len(buf) > self._cap:
                resp.close()  # drop the connection rather than drain a huge body
                raw = bytes(buf[: self._cap])
                raise attach(BadReply(f"reply larger than the {self._cap}-byte cap; cut off after "
                                      f"{self._cap} bytes" + (f" (declared {declared})" if declared else ""),
                                      operation=operation), raw, clock.now())
        return bytes(buf)


class _DigestChallenge(AuthRejected):
    """Internal: a WS-UsernameToken request was answered 401 with a Digest challenge (kept, when usable)."""

    challenge: Challenge | None = None
