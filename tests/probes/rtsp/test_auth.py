"""WWW-Authenticate parsing and the Digest answer (checked against the lab's own, independent verifier)."""

from __future__ import annotations

import hashlib

from probes.rtsp._auth import digest_authorization, parse_challenges


def test_one_header_per_scheme_and_several_in_one_header() -> None:
    split = parse_challenges(['Digest realm="IP Camera(C1234)", nonce="abc", stale="FALSE"', 'Basic realm="x"'])
    joined = parse_challenges(['Digest realm="LIVE555 Streaming Media", nonce="4a5b", Basic realm="y"'])
    assert [(c.scheme, c.params.get("realm")) for c in split] == [("digest", "IP Camera(C1234)"), ("basic", "x")]
    assert [c.scheme for c in joined] == ["digest", "basic"]
    assert joined[0].params["nonce"] == "4a5b"


def test_digest_without_qop_is_rfc_2069_as_live555_expects() -> None:
    [challenge] = parse_challenges(['Digest realm="LIVE555 Streaming Media", nonce="435a79a4baaee7fe"'])
    header = digest_authorization(challenge, "DESCRIBE", "rtsp://192.0.2.48:554/h264Preview_01_main", "moon", "pw")
    ha1 = hashlib.md5(b"moon:LIVE555 Streaming Media:pw").hexdigest()
    ha2 = hashlib.md5(b"DESCRIBE:rtsp://192.0.2.48:554/h264Preview_01_main").hexdigest()
    assert f'response="{hashlib.md5(f"{ha1}:435a79a4baaee7fe:{ha2}".encode()).hexdigest()}"' in header
    assert "qop" not in header


def test_digest_with_qop_is_accepted_by_the_lab_verifier() -> None:
    from lab.auth import challenge, check_http_digest
    from lab.model import Auth

    auth = Auth.model_validate({"users": {"admin": {"password": "s3cret", "level": "Administrator"}}})
    [parsed] = parse_challenges([challenge(auth.realm, "rtsp:cam")])
    header = digest_authorization(parsed, "DESCRIBE", "rtsp://127.0.0.1:554/onvif/stream/p1", "admin", "s3cret")
    assert check_http_digest(header, "DESCRIBE", auth, "rtsp:cam").ok
    wrong = digest_authorization(parsed, "DESCRIBE", "rtsp://127.0.0.1:554/onvif/stream/p1", "admin", "nope")
    assert not check_http_digest(wrong, "DESCRIBE", auth, "rtsp:cam").ok
