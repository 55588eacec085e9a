"""Authentication as ONVIF cameras do it: WS-UsernameToken digest and HTTP Digest (RFC 7616).

WS-UsernameToken: PasswordDigest = Base64(SHA-1(nonce + created + password)); the
Created time is checked against the *camera's* clock (real time + its offset), so
a scanner that does not compensate for clock skew is rejected, like on a real
device. HTTP Digest: stateless server nonces (timestamp + HMAC), qop=auth, MD5 or
SHA-256.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from lab.model import Auth, AuthScheme
from lab.soap import UsernameToken

_SECRET = os.urandom(16)
NONCE_LIFETIME_S = 300
_PARAM_RE = re.compile(r'(\w+)\s*=\s*("((?:[^"\\]|\\.)*)"|[^,\s]+)')


@dataclass(frozen=True, slots=True)
class AuthResult:
    ok: bool
    username: str | None = None
    scheme: AuthScheme | None = None
    stale: bool = False  # HTTP Digest nonce expired (the client may retry)
    reason: str = ""


def parse_created(value: str) -> datetime | None:
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def check_username_token(token: UsernameToken, auth: Auth, camera_now: datetime) -> AuthResult:
    user = auth.users.get(token.username)
    if user is None:
        return AuthResult(False, reason="unknown user")
    if token.password_type == "digest":
        if not token.nonce or not token.created:
            return AuthResult(False, reason="digest without nonce/created")
        created = parse_created(token.created)
        if created is None:
            return AuthResult(False, reason="bad Created")
        if abs((created - camera_now).total_seconds()) > auth.created_tolerance_seconds:
            return AuthResult(False, reason="Created too far from the camera clock")
        try:
            nonce = base64.b64decode(token.nonce, validate=True)
        except ValueError:
            return AuthResult(False, reason="bad nonce")
        expected = base64.b64encode(hashlib.sha1(nonce + token.created.encode() + user.password.encode()).digest())
        ok = hmac.compare_digest(expected, token.password.encode())
    else:
        ok = hmac.compare_digest(user.password.encode(), token.password.encode())
    return AuthResult(ok, token.username if ok else None, AuthScheme.WS_USERNAMETOKEN,
                      reason="" if ok else "wrong password")


def new_nonce(key: str) -> str:
    stamp = f"{int(time.time()):x}.{os.urandom(6).hex()}"
    mac = hmac.new(_SECRET, f"{stamp}:{key}".encode(), hashlib.sha256).hexdigest()[:24]
    return base64.b64encode(f"{stamp}:{mac}".encode()).decode()


def _nonce_state(nonce: str, key: str) -> str:
    """'ok', 'stale' or 'bad'."""
    try:
        stamp, mac = base64.b64decode(nonce, validate=True).decode().split(":", 1)
        issued = int(stamp.split(".", 1)[0], 16)
    except (ValueError, UnicodeDecodeError):
        return "bad"
    expected = hmac.new(_SECRET, f"{stamp}:{key}".encode(), hashlib.sha256).hexdigest()[:24]
    if not hmac.compare_digest(expected, mac):
        return "bad"
    return "stale" if time.time() - issued > NONCE_LIFETIME_S else "ok"


def challenge(realm: str, key: str, *, stale: bool = False, algorithm: str = "MD5", qop: bool = True) -> str:
    qop_part = 'qop="auth", ' if qop else ""
    value = (f'Digest realm="{realm}", {qop_part}algorithm={algorithm}, nonce="{new_nonce(key)}", '
             f'opaque="{hashlib.md5(key.encode()).hexdigest()}"')
    return value + (", stale=true" if stale else "")


def parse_digest_header(header: str) -> dict[str, str] | None:
    if not header.lower().startswith("digest "):
        return None
    params: dict[str, str] = {}
    for m in _PARAM_RE.finditer(header[7:]):
        params[m.group(1).lower()] = m.group(3) if m.group(3) is not None else m.group(2)
    return params


URL_MISMATCH = "The url does not match the nonce url."


def check_http_digest(header: str, method: str, auth: Auth, key: str, path: str | None = None, *,
                      algorithm: str | None = None, uri_form: str = "any", qop_offered: bool = True) -> AuthResult:
    """Check an Authorization header; `algorithm` (e.g. "SHA-256") is then the only one accepted,
    `uri_form` "absolute" or "path" the only digest-uri form accepted (else any)."""
    params = parse_digest_header(header)
    if params is None:
        return AuthResult(False, reason="not a Digest header")
    username, nonce, response = params.get("username"), params.get("nonce"), params.get("response")
    if not username or not nonce or not response:
        return AuthResult(False, reason="incomplete Digest header")
    uri = params.get("uri", "")
    if (uri_form == "absolute" and "://" not in uri) or (uri_form == "path" and "://" in uri):
        return AuthResult(False, reason=URL_MISMATCH)
    if "://" in uri:  # absolute form: keep the path
        uri = "/" + uri.split("://", 1)[1].partition("/")[2]
    if path is not None and uri != path:
        return AuthResult(False, reason="uri does not match the request")
    if params.get("realm") != auth.realm:
        return AuthResult(False, reason="wrong realm")
    state = _nonce_state(nonce, key)
    if state == "bad":
        return AuthResult(False, reason="unknown nonce")
    user = auth.users.get(username)
    if user is None:
        return AuthResult(False, reason="unknown user")
    sent = params.get("algorithm", "MD5").upper()
    if algorithm is not None and sent != algorithm.upper():
        return AuthResult(False, reason=f"algorithm {sent} where {algorithm} was asked for")
    hasher = {"MD5": hashlib.md5, "SHA-256": hashlib.sha256}.get(sent.removesuffix("-SESS"))
    if hasher is None:
        return AuthResult(False, reason=f"unsupported algorithm {sent}")

    def h(text: str) -> str:
        return hasher(text.encode()).hexdigest()

    ha1 = h(f"{username}:{auth.realm}:{user.password}")
    if sent.endswith("-SESS"):
        ha1 = h(f"{ha1}:{nonce}:{params.get('cnonce', '')}")
    ha2 = h(f"{method}:{params.get('uri', '')}")
    qop = params.get("qop")
    if qop is not None and not qop_offered:
        return AuthResult(False, reason=f"qop={qop} where none was offered")
    if qop == "auth":
        expected = h(f"{ha1}:{nonce}:{params.get('nc', '')}:{params.get('cnonce', '')}:auth:{ha2}")
    elif qop is None:
        expected = h(f"{ha1}:{nonce}:{ha2}")
    else:
        return AuthResult(False, reason=f"unsupported qop {qop}")
    if not hmac.compare_digest(expected, response.lower()):
        return AuthResult(False, reason="wrong password")
    if state == "stale":
        return AuthResult(False, stale=True, reason="stale nonce")
    return AuthResult(True, username, AuthScheme.HTTP_DIGEST)
