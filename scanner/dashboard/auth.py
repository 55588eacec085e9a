"""Who may see the dashboard: users with a scrypt password hash in a file, or a trusted reverse-proxy header.

Password file: one `user:scrypt$n$r$p$salt$hash` line per user (salt and hash base64), made by
`camaudit serve --hash-password USER` (reads the password from stdin). Lines starting with `#` are comments.
A proxy header (`--auth-header X-Remote-User`) is trusted as is: the proxy must set it and strip any copy
sent by the client, and the dashboard must only be reachable through the proxy (docs/deployment.md).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from probes.errors import ConfigError

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
SESSION_SECONDS = 8 * 3600


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${b64(salt).decode()}${b64(digest).decode()}"


def verify_password(password: str, encoded: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = encoded.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(password.encode("utf-8"), salt=base64.b64decode(salt), n=int(n), r=int(r),
                                p=int(p), dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def load_password_file(path: Path) -> dict[str, str]:
    """user -> encoded hash; ConfigError naming the file and line for anything else."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the password file: {exc}", path=str(path), field="--password-file") from None
    users: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        user, sep, encoded = line.partition(":")
        if not sep or not user or not encoded.startswith("scrypt$") or encoded.count("$") != 5:
            raise ConfigError("expected user:scrypt$n$r$p$salt$hash (camaudit serve --hash-password USER)",
                              path=str(path), line=number, field="--password-file")
        users[user] = encoded
    if not users:
        raise ConfigError("the password file names no user", path=str(path), field="--password-file")
    return users


@dataclass
class Sessions:
    """Login sessions in memory (a restart logs everyone out): random tokens with an expiry."""

    ttl: float = SESSION_SECONDS

    def __post_init__(self) -> None:
        self._tokens: dict[str, tuple[str, float]] = {}

    def open(self, user: str) -> str:
        token = secrets.token_urlsafe(32)
        self._tokens[token] = (user, time.monotonic() + self.ttl)
        return token

    def user(self, token: str | None) -> str | None:
        if not token:
            return None
        entry = self._tokens.get(token)
        if entry is None or entry[1] < time.monotonic():
            self._tokens.pop(token, None)
            return None
        return entry[0]

    def close(self, token: str | None) -> None:
        if token:
            self._tokens.pop(token, None)
