"""RTSP authentication: which schemes a 401 offers, and the Digest answer (RFC 2617 / RFC 7826 appendix).

Only Digest is ever answered. Basic would put the password on the wire readable by anyone on the
path, so the probe records that a camera offers it and never sends it over plain RTSP.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass

_PARAM = re.compile(r'([A-Za-z][A-Za-z0-9_-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))')


@dataclass(frozen=True, slots=True)
class Challenge:
    scheme: str  # lower case: "basic", "digest", or whatever else the server names
    params: dict[str, str]


def parse_challenges(headers: list[str]) -> list[Challenge]:
    """Every challenge in the WWW-Authenticate headers (cameras send one header per scheme)."""
    found: list[Challenge] = []
    for header in headers:
        # one header may also carry several challenges: split before each "Scheme " token that starts one
        for part in re.split(r",\s*(?=(?:Basic|Digest|Bearer|Negotiate)\b)", header.strip(), flags=re.I):
            scheme, _, rest = part.strip().partition(" ")
            if not scheme:
                continue
            params = {m[1].lower(): (m[2] if m[2] is not None else m[3]) for m in _PARAM.finditer(rest)}
            found.append(Challenge(scheme.lower(), params))
    return found


def digest_authorization(challenge: Challenge, method: str, uri: str, username: str, password: str) -> str:
    """The Authorization header answering a Digest challenge (MD5, qop=auth when offered)."""
    p = challenge.params
    realm, nonce = p.get("realm", ""), p.get("nonce", "")
    algorithm = p.get("algorithm", "MD5")
    hash_name = "sha256" if algorithm.upper().startswith("SHA-256") else "md5"

    def h(text: str) -> str:
        return hashlib.new(hash_name, text.encode()).hexdigest()

    ha1 = h(f"{username}:{realm}:{password}")
    if algorithm.upper().endswith("-SESS"):
        cnonce_sess = os.urandom(8).hex()
        ha1 = h(f"{ha1}:{nonce}:{cnonce_sess}")
    ha2 = h(f"{method}:{uri}")
    fields = [f'username="{_quote(username)}"', f'realm="{_quote(realm)}"', f'nonce="{_quote(nonce)}"',
              f'uri="{_quote(uri)}"']
    qops = [q.strip() for q in p.get("qop", "").split(",") if q.strip()]
    if "auth" in qops:
        cnonce, nc = os.urandom(8).hex(), "00000001"
        response = h(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}")
        fields += ["qop=auth", f"nc={nc}", f'cnonce="{cnonce}"']
    else:
        response = h(f"{ha1}:{nonce}:{ha2}")
    fields.append(f'response="{response}"')
    if "algorithm" in p:
        fields.append(f"algorithm={algorithm}")
    if "opaque" in p:
        fields.append(f'opaque="{_quote(p["opaque"])}"')
    return "Digest " + ", ".join(fields)


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')
