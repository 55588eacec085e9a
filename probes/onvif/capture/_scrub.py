"""Credentials out of a captured exchange, at once: no secret outlives the request that carried it.

Removed always (also with --keep-identifiers): the Authorization header's user name, nonce, cnonce
and response; the nonce and opaque of every challenge (replaced by placeholders a client can still
answer, so the archive replays); Authentication-Info and cookies; the WS-UsernameToken (user name,
PasswordDigest, Nonce, Created) in requests and in replies that echo it; device-stored secrets in
replies (the reader's own `redact`); and, as a last net, every literal occurrence of a password we
hold and of base64(user:password).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from datetime import datetime

from probes.onvif._exchange import Exchange
from probes.onvif._soap import redact
from probes.onvif.capture._archive import ArchivedExchange

REMOVED = "(removed)"
_TOKEN_FIELD = re.compile(
    rb"(<(?:[\w.-]+:)?(?:Username|Password|Nonce|Created)\b[^>]*>)([^<]*)(</)")
_SECURITY = re.compile(rb"<(?:[\w.-]+:)?Security\b.*?</(?:[\w.-]+:)?Security>", re.DOTALL)
_AUTH_PARAM = re.compile(r'(\b[\w-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^,\s]*)')
_SECRET_PARAMS = frozenset({"username", "nonce", "cnonce", "response", "opaque", "nextnonce", "rspauth"})
_DROPPED_HEADERS = frozenset({"cookie", "set-cookie", "proxy-authorization"})


class Scrubber:
    """Turns raw exchanges into archived ones without credentials; placeholders stay consistent."""

    def __init__(self, secrets: Iterable[tuple[str, str]]) -> None:
        literals: set[bytes] = set()
        for username, password in secrets:
            if password:
                literals.add(password.encode())
                literals.add(base64.b64encode(f"{username}:{password}".encode()))
        self._literals = sorted(literals, key=len, reverse=True)
        self._placeholders: dict[str, str] = {}
        self._started: datetime | None = None
        self._seq = 0

    def scrub(self, ex: Exchange) -> ArchivedExchange:
        self._started = self._started or ex.sent_at
        self._seq += 1
        reply = self._body(ex.reply_body)
        try:
            reply_text, b64 = reply.decode("utf-8"), False
        except UnicodeDecodeError:
            reply_text, b64 = base64.b64encode(reply).decode(), True
        return ArchivedExchange(
            seq=self._seq, operation=ex.operation, method=ex.method, url=ex.url,
            sent_offset_ms=round((ex.sent_at - self._started).total_seconds() * 1000, 1),
            elapsed_ms=round(ex.elapsed_ms, 1), status=ex.status,
            request_headers=self._headers(ex.request_headers),
            request_body=self._body(ex.request_body).decode("utf-8", errors="replace"),
            reply_headers=self._headers(ex.reply_headers), reply_body=reply_text, reply_body_base64=b64,
            error=self.scrub_text(ex.error) if ex.error else None)

    def _headers(self, headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
        out = []
        for name, value in headers:
            low = name.lower()
            if low in _DROPPED_HEADERS:
                continue
            if low in ("authorization", "www-authenticate", "authentication-info"):
                value = self._auth_header(value)
            out.append((name, self.scrub_text(value)))
        return out

    def _auth_header(self, value: str) -> str:
        scheme, _, params = value.strip().partition(" ")
        if scheme.lower() not in ("digest",) and not _AUTH_PARAM.search(params):
            return f"{scheme} {REMOVED}" if params else scheme  # Basic/Bearer: the whole credential goes

        def one(m: re.Match[str]) -> str:
            key = m.group(1).lower()
            if key not in _SECRET_PARAMS:
                return m.group(0)
            quoted = m.group(2).startswith('"')
            placeholder = REMOVED if key in ("username", "response", "cnonce", "rspauth") else \
                self._placeholder(key, m.group(2).strip('"'))
            return f'{m.group(1)}="{placeholder}"' if quoted else f"{m.group(1)}={placeholder}"

        return f"{scheme} {_AUTH_PARAM.sub(one, params)}"

    def _placeholder(self, kind: str, secret: str) -> str:
        """A stand-in for a nonce or opaque, the same for the same value, usable by a replaying client."""
        key = f"{kind}:{secret}"
        if key not in self._placeholders:
            self._placeholders[key] = f"removed-{kind}-{len(self._placeholders) + 1}"
        return self._placeholders[key]

    def _body(self, raw: bytes) -> bytes:
        if not raw:
            return raw
        raw = _SECURITY.sub(lambda m: _TOKEN_FIELD.sub(lambda f: f.group(1) + REMOVED.encode() + f.group(3),
                                                       m.group(0)), raw)
        raw = redact(raw)
        for literal in self._literals:
            raw = raw.replace(literal, REMOVED.encode())
        return raw

    def scrub_text(self, text: str) -> str:
        return self._body(text.encode("utf-8", errors="surrogateescape")).decode("utf-8", errors="replace")
