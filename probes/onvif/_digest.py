"""HTTP Digest (RFC 7616, RFC 2617, RFC 2069) for the client side, sans I/O: read a challenge, answer it.

Our own rather than aiohttp's middleware so that every hop (the 401 and the answer to it) leaves
through the channel, where it is counted towards the lockout cap and can be captured, and so the
variants cameras use are explicit: MD5, MD5-sess, SHA-256, SHA-256-sess; qop=auth or no qop at all
(old RFC 2069 firmware); the digest URI as the request path (RFC 7616) or as the absolute URL (what
some firmware compares with: "The url does not match the nonce url"); stale nonces.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

_PARAM = re.compile(r'([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))')
_HASHES: dict[str, Callable[[bytes], hashlib._Hash]] = {
    "MD5": hashlib.md5, "SHA-256": hashlib.sha256, "SHA-512-256": lambda b: hashlib.new("sha512_256", b)}
SUPPORTED = tuple(_HASHES) + tuple(f"{name}-SESS" for name in _HASHES)


class DigestUnsupported(ValueError):
    """The challenge asks for something we do not implement (an unknown algorithm or qop)."""


@dataclass(frozen=True, slots=True)
class Challenge:
    """One `WWW-Authenticate: Digest ...` challenge."""

    realm: str
    nonce: str
    algorithm: str = "MD5"  # as the device spelled it, e.g. "SHA-256", "MD5-sess"
    qop: tuple[str, ...] = ()  # offered qop values; empty: RFC 2069 style
    opaque: str | None = None
    stale: bool = False
    userhash: bool = False

    @property
    def describe(self) -> str:
        """What the device asked for, for facts and error messages (never the nonce)."""
        qop = f"qop={','.join(self.qop)}" if self.qop else "no qop"
        return f"{self.algorithm}, {qop}" + (", stale nonce" if self.stale else "")


def parse_challenges(headers: list[str]) -> list[Challenge]:
    """Every Digest challenge among WWW-Authenticate header values, in the device's order."""
    out = []
    for value in headers:
        scheme, _, rest = value.strip().partition(" ")
        if scheme.lower() != "digest":
            continue
        params = {m.group(1).lower(): m.group(2) if m.group(2) is not None else m.group(3)
                  for m in _PARAM.finditer(rest)}
        if "nonce" not in params:
            continue
        qop = tuple(q.strip().lower() for q in (params.get("qop") or "").split(",") if q.strip())
        out.append(Challenge(realm=params.get("realm", ""), nonce=params["nonce"],
                             algorithm=params.get("algorithm") or "MD5", qop=qop,
                             opaque=params.get("opaque"), stale=(params.get("stale") or "").lower() == "true",
                             userhash=(params.get("userhash") or "").lower() == "true"))
    return out


def choose(challenges: list[Challenge]) -> Challenge | None:
    """The strongest challenge we can answer (SHA-256 before MD5, as RFC 7616 asks), else None."""
    usable = [c for c in challenges if c.algorithm.upper() in SUPPORTED and (not c.qop or "auth" in c.qop)]
    rank = {name: i for i, name in enumerate(("SHA-512-256", "SHA-256", "MD5"))}
    usable.sort(key=lambda c: rank.get(c.algorithm.upper().removesuffix("-SESS"), 9))
    return usable[0] if usable else None


class DigestSession:
    """The answer to one device's current challenge; counts nonce uses (nc) as RFC 7616 requires."""

    def __init__(self, username: str, password: str) -> None:
        self._username = username
        self._password = password
        self.challenge: Challenge | None = None
        self._nc = 0
        self._ha1: tuple[tuple[str, str], str] | None = None  # (realm, algorithm) -> H(user:realm:password)
        self.absolute_uri = False  # send the URI as scheme://host/path (firmware that insists on it)

    def update(self, challenge: Challenge) -> None:
        if self.challenge is None or challenge.nonce != self.challenge.nonce:
            self._nc = 0
        self.challenge = challenge

    def authorization(self, method: str, url: str, *, cnonce: str | None = None) -> str:
        """The Authorization header for `method url` under the current challenge."""
        ch = self.challenge
        if ch is None:
            raise ValueError("no Digest challenge yet")
        algorithm = ch.algorithm.upper()
        base = algorithm.removesuffix("-SESS")
        if base not in _HASHES or (ch.qop and "auth" not in ch.qop):
            raise DigestUnsupported(f"HTTP Digest {ch.describe} is not supported")
        hasher = _HASHES[base]

        def h(text: str) -> str:
            return hasher(text.encode()).hexdigest()

        parts = urlsplit(url)
        uri = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        if self.absolute_uri:
            uri = f"{parts.scheme}://{parts.netloc}{uri}"
        self._nc += 1
        nc = f"{self._nc:08x}"
        cnonce = cnonce or os.urandom(8).hex()
        if self._ha1 is None or self._ha1[0] != (ch.realm, base):  # the same for every request to one realm
            self._ha1 = ((ch.realm, base), h(f"{self._username}:{ch.realm}:{self._password}"))
        ha1 = self._ha1[1]
        if algorithm.endswith("-SESS"):
            ha1 = h(f"{ha1}:{ch.nonce}:{cnonce}")
        ha2 = h(f"{method}:{uri}")
        # RFC 7616 with qop; RFC 2069 (old firmware) without
        response = h(f"{ha1}:{ch.nonce}:{nc}:{cnonce}:auth:{ha2}") if ch.qop else h(f"{ha1}:{ch.nonce}:{ha2}")
        username = h(f"{self._username}:{ch.realm}") if ch.userhash else self._username
        fields = [f'username="{username}"', f'realm="{ch.realm}"', f'nonce="{ch.nonce}"', f'uri="{uri}"',
                  f"algorithm={ch.algorithm}",
                  f'response="{response}"']
        if ch.opaque is not None:
            fields.append(f'opaque="{ch.opaque}"')
        if ch.qop:
            fields += ["qop=auth", f"nc={nc}", f'cnonce="{cnonce}"']
        if ch.userhash:
            fields.append("userhash=true")
        return "Digest " + ", ".join(fields)
