"""HTTP Digest answers (probes/onvif/_digest.py): what is computed once per realm stays right when the device
changes its nonce (a 401 with a fresh challenge) or its realm."""

from __future__ import annotations

import hashlib

from probes.onvif._digest import Challenge, DigestSession


def _expected(user: str, realm: str, password: str, nonce: str, nc: str, cnonce: str, uri: str,
              hasher: str = "md5") -> str:
    def h(text: str) -> str:
        return hashlib.new(hasher, text.encode()).hexdigest()
    return h(f"{h(f'{user}:{realm}:{password}')}:{nonce}:{nc}:{cnonce}:auth:{h(f'POST:{uri}')}")


def _field(header: str, name: str) -> str:
    for part in header.removeprefix("Digest ").split(", "):
        key, _, value = part.partition("=")
        if key == name:
            return value.strip('"')
    raise AssertionError(f"{name} missing in {header}")


def test_a_new_nonce_after_a_401_restarts_the_count_and_is_answered_correctly() -> None:
    session = DigestSession("auditor", "pw")
    session.update(Challenge(realm="cam", nonce="n1", qop=("auth",)))
    first = session.authorization("POST", "http://127.0.0.1/onvif/device_service", cnonce="c1")
    second = session.authorization("POST", "http://127.0.0.1/onvif/media_service", cnonce="c2")
    assert _field(second, "nc") == "00000002"
    assert _field(second, "response") == _expected("auditor", "cam", "pw", "n1", "00000002", "c2",
                                                   "/onvif/media_service")
    session.update(Challenge(realm="cam", nonce="n2", qop=("auth",), stale=True))  # the device retired n1
    third = session.authorization("POST", "http://127.0.0.1/onvif/device_service", cnonce="c3")
    assert (_field(third, "nonce"), _field(third, "nc")) == ("n2", "00000001")
    assert _field(third, "response") == _expected("auditor", "cam", "pw", "n2", "00000001", "c3",
                                                  "/onvif/device_service")
    assert _field(first, "response") != _field(third, "response")


def test_a_changed_realm_or_algorithm_is_not_answered_with_the_old_secret() -> None:
    session = DigestSession("auditor", "pw")
    session.update(Challenge(realm="cam", nonce="n1", qop=("auth",)))
    session.authorization("POST", "http://127.0.0.1/a", cnonce="c")
    session.update(Challenge(realm="other", nonce="n2", qop=("auth",)))
    moved = session.authorization("POST", "http://127.0.0.1/a", cnonce="c")
    assert _field(moved, "response") == _expected("auditor", "other", "pw", "n2", "00000001", "c", "/a")
    session.update(Challenge(realm="other", nonce="n3", qop=("auth",), algorithm="SHA-256"))
    stronger = session.authorization("POST", "http://127.0.0.1/a", cnonce="c")
    assert _field(stronger, "response") == _expected("auditor", "other", "pw", "n3", "00000001", "c", "/a",
                                                     "sha256")
