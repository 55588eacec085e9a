"""Security checks: GDPR-SEC-1 (access_security), CZ-ACC-1 (integrity_measures), GR-PBD-1 (privacy_by_design),
GDPR-SEC-2 (tls_certificate), GDPR-SEC-3 (tls_verification)."""

from __future__ import annotations

import pytest

from profiles.findings import Result as R
from tests.profiles.factbook import ABSENT, failed, run_case

NO_HTTPS = {"network.protocols": [{"name": "HTTP", "enabled": True, "ports": [80]},
                                  {"name": "HTTPS", "enabled": False, "ports": [443]}]}
ANON = {"auth.anonymous_operations": ["GetDeviceInformation", "GetStreamUri"]}
SERVED = {"served": True, "port": 8443, "negotiated": "TLSv1.2", "cipher": "ECDHE-RSA-AES128-GCM-SHA256",
          "legacy_accepted": False, "onvif_over_https": True}
# HTTPS claimed in the settings, but the named port refused TLS (observed): not encrypted
CLAIMED_NOT_SERVED = {"tls.versions": {**SERVED, "served": False, "port": 443, "negotiated": None, "cipher": None},
                      "tls.certificate": failed("tls.certificate", "unsupported", "no TLS served")}
# the setting says off, but a TLS handshake was really observed (e.g. ONVIF read over https): encrypted
OBSERVED_DESPITE_SETTING = {**NO_HTTPS, "tls.versions": SERVED}
# HTTPS port unknown (protocols denied), device read over http: neither the handshake nor the setting is known
TRANSPORT_UNKNOWN = {"network.protocols": failed("network.protocols", "denied", "refused"),
                     "tls.versions": failed("tls.versions", "not_probed", "HTTPS port unknown")}


def _cert(**changes):
    base = {"subject": "CN=cam", "issuer": "CN=cam", "self_signed": True, "not_before": "2026-01-01T00:00:00+00:00",
            "not_after": "2027-01-01T00:00:00+00:00", "expired": False, "key_type": "rsa", "key_bits": 2048,
            "signature_hash": "sha256", "sha256": "ab" * 32}
    return {"tls.certificate": {**base, **changes}}


def _verified(verified, reason=None, **endpoint):
    """tls.verification as the reader records it with a CA bundle (one endpoint)."""
    one = {"port": 443, "host": "127.0.10.50", "verified": verified, "reason": reason,
           "subject": "CN=cam-17", "issuer": "CN=Site CA", **endpoint}
    return {"tls.verification": {"requested": True, "verified": verified, "reason": reason,
                                 "bundle": "site-ca.pem", "endpoints": [one]}}


RTSP_OK = {"anonymous_streams": [], "schemes": ["digest"], "basic_in_clear": False, "credentials_accepted": True}
RTSP_ANON = {"rtsp.auth": {**RTSP_OK, "anonymous_streams": ["rtsp://127.0.10.50:554/live"], "schemes": []}}
RTSP_BASIC = {"rtsp.auth": {**RTSP_OK, "schemes": ["basic", "digest"], "basic_in_clear": True}}
NO_RTSP_SERVER = {"rtsp.server": {"answers": False, "port": 554, "tls": False, "note": "connection refused"},
                  "rtsp.auth": failed("rtsp.auth", "unsupported", "no RTSP server answers")}

CASES = [
    ("access_security", {}, {}, {}, R.PASS, "authentication required"),
    ("access_security", RTSP_ANON, {}, {}, R.FAIL,
     "live stream readable without credentials (RTSP DESCRIBE answered for rtsp://127.0.10.50:554/live)"),
    ("access_security", RTSP_BASIC, {}, {}, R.FAIL, "RTSP offers Basic authentication over plain rtsp://"),
    ("access_security", NO_RTSP_SERVER, {}, {}, R.PASS, "authentication required for every probed operation"),
    ("access_security", {"rtsp.auth": failed("rtsp.auth", "not_probed", "no stream URI")}, {}, {}, R.UNKNOWN,
     "fact `rtsp.auth` is not_probed"),
    ("access_security", {**RTSP_ANON, "rtsp.server": failed("rtsp.server")}, {}, {}, R.FAIL,
     "live stream readable without credentials"),
    ("access_security", ANON, {}, {}, R.FAIL, "answers without credentials: GetDeviceInformation, GetStreamUri"),
    ("access_security", NO_HTTPS, {}, {}, R.FAIL, "HTTPS is not enabled"),
    ("access_security", NO_HTTPS, {}, {"require_tls": False}, R.PASS, "authentication required"),
    ("access_security", {"clock.skew_seconds": -900.0}, {}, {}, R.FAIL, "clock is -900 s off (tolerance 60 s)"),
    ("access_security", {"clock.skew_seconds": 100.0}, {}, {"max_clock_skew_s": 120}, R.PASS, "synchronised"),
    ("access_security", {"auth.anonymous_operations": failed("auth.anonymous_operations")}, {}, {}, R.UNKNOWN,
     "fact `auth.anonymous_operations` is error"),
    # a fail on what was observed wins over an unknown elsewhere
    ("access_security", {**ANON, "clock.skew_seconds": failed("clock.skew_seconds")}, {}, {}, R.FAIL,
     "answers without credentials"),
    ("integrity_measures", {}, {}, {}, R.PASS, "NTP time"),
    ("integrity_measures", {"clock.source": "Manual", "clock.skew_seconds": 600.0}, {}, {}, R.FAIL,
     "clock is set Manual instead of by NTP"),
    ("integrity_measures", {"media.osd_datetime": False}, {}, {}, R.FAIL, "no date/time overlay"),
    ("integrity_measures", {"media.osd_datetime": False}, {}, {"require_time_overlay": False}, R.PASS, "NTP"),
    ("integrity_measures", ANON, {}, {}, R.FAIL, "configuration readable without credentials"),
    ("integrity_measures", {"clock.source": failed("clock.source", "unsupported", "no such operation")}, {}, {},
     R.UNKNOWN, "fact `clock.source` is unsupported"),
    ("privacy_by_design", {}, {}, {}, R.PASS, "encrypted transport and access control"),
    ("privacy_by_design", NO_HTTPS, {}, {}, R.FAIL, "HTTPS disabled"),
    ("privacy_by_design", {}, {}, {"require_masks": True}, R.FAIL, "no privacy mask"),
    ("privacy_by_design", {"network.protocols": failed("network.protocols")}, {}, {}, R.UNKNOWN,
     "network.protocols"),
    # transport encryption: the observed handshake first, the GetNetworkProtocols setting as the fallback
    ("access_security", {"tls.versions": SERVED}, {}, {}, R.PASS, "TLS handshake observed on port 8443 (TLSv1.2)"),
    ("access_security", CLAIMED_NOT_SERVED, {}, {}, R.FAIL, "port 443 serves no TLS"),
    ("access_security", OBSERVED_DESPITE_SETTING, {}, {}, R.PASS, "HTTPS offered"),
    ("access_security", TRANSPORT_UNKNOWN, {}, {}, R.UNKNOWN, "network.protocols"),
    ("privacy_by_design", {"tls.versions": SERVED}, {}, {}, R.PASS, "encrypted transport"),
    ("privacy_by_design", CLAIMED_NOT_SERVED, {}, {}, R.FAIL,
     "no encrypted transport (HTTPS is enabled in the settings, but port 443 serves no TLS)"),
    ("privacy_by_design", TRANSPORT_UNKNOWN, {}, {}, R.UNKNOWN, "network.protocols"),
    # GDPR-SEC-2: the certificate really presented (evaluated at AT, see factbook)
    ("tls_certificate", _cert(), {}, {}, R.PASS, "certificate valid until 2027-01-01, RSA 2048-bit key, self-signed"),
    ("tls_certificate", _cert(key_type="ec", key_bits=256, self_signed=False, issuer="CN=lab CA"), {}, {}, R.PASS,
     "EC 256-bit key, issued by CN=lab CA"),
    ("tls_certificate", _cert(not_after="2026-06-01T00:00:00+00:00", expired=True), {}, {}, R.FAIL,
     "certificate expired on 2026-06-01"),
    ("tls_certificate", _cert(key_bits=1024), {}, {}, R.FAIL, "weak RSA key of 1024 bits (at least 2048 needed)"),
    ("tls_certificate", _cert(key_bits=1024), {}, {"min_rsa_bits": 1024}, R.PASS, "RSA 1024-bit key"),
    ("tls_certificate", _cert(key_type="ec", key_bits=192), {}, {}, R.FAIL, "weak EC key of 192 bits"),
    ("tls_certificate", _cert(signature_hash="sha1"), {}, {}, R.FAIL, "signed with sha1"),
    ("tls_certificate", {**_cert(), "tls.versions": {**SERVED, "legacy_accepted": True}}, {}, {}, R.FAIL,
     "TLS 1.0/1.1 still accepted"),
    ("tls_certificate", {**_cert(), "tls.versions": {**SERVED, "legacy_accepted": True}}, {},
     {"reject_legacy_tls": False}, R.PASS, "certificate valid"),
    ("tls_certificate", {**_cert(), "tls.versions": failed("tls.versions")}, {}, {}, R.UNKNOWN,
     "fact `tls.versions` is error"),
    ("tls_certificate", {**_cert(), "tls.versions": {**SERVED, "legacy_accepted": None}}, {}, {}, R.UNKNOWN,
     "could not be tested"),
    ("tls_certificate", {**_cert(key_bits=1024), "tls.versions": failed("tls.versions")}, {}, {}, R.FAIL,
     "weak RSA key"),
    ("tls_certificate", NO_HTTPS, {}, {}, R.NOT_APPLICABLE, "no TLS served"),
    ("tls_certificate", CLAIMED_NOT_SERVED, {}, {}, R.NOT_APPLICABLE, "no TLS served"),
    ("tls_certificate", {"tls.certificate": failed("tls.certificate")}, {}, {}, R.UNKNOWN,
     "fact `tls.certificate` is error"),
    ("tls_certificate", TRANSPORT_UNKNOWN, {}, {}, R.UNKNOWN, "tls.certificate"),
    # GDPR-SEC-3: only when a CA bundle was given; a failure names the reason and the certificate
    ("tls_verification", {}, {}, {}, R.NOT_APPLICABLE, "no CA bundle given"),
    ("tls_verification", _verified(True), {}, {}, R.PASS,
     "certificate verified against site-ca.pem for 127.0.10.50:443, issued by CN=Site CA"),
    ("tls_verification", _verified(False, "self-signed", issuer="CN=cam-17"), {}, {}, R.FAIL,
     "certificate not verified against site-ca.pem: port 443: self-signed (certificate CN=cam-17, issued by "
     "CN=cam-17)"),
    ("tls_verification", _verified(False, "name mismatch: certificate is for cam-17.example"), {}, {}, R.FAIL,
     "port 443: name mismatch: certificate is for cam-17.example (certificate CN=cam-17, issued by CN=Site CA)"),
    ("tls_verification", _verified(False, "expired on 2026-03-01"), {}, {}, R.FAIL, "port 443: expired on 2026-03-01"),
    ("tls_verification", {"tls.verification": failed("tls.verification", "error", "port 443: no verifying TLS "
                                                     "handshake within 5 s")}, {}, {}, R.UNKNOWN,
     "fact `tls.verification` is error from tls-verify (port 443: no verifying TLS handshake within 5 s)"),
    ("tls_verification", {"tls.verification": failed("tls.verification", "not_probed", "HTTPS port unknown")},
     {}, {}, R.UNKNOWN, "fact `tls.verification` is not_probed"),
    ("tls_verification", {"tls.verification": failed("tls.verification", "unsupported", "no TLS served")},
     {}, {}, R.NOT_APPLICABLE, "no TLS served, so no certificate to verify"),
    # one port verified, another unknown: never a pass
    ("tls_verification", {"tls.verification": {**_verified(True)["tls.verification"], "endpoints": [
        _verified(True)["tls.verification"]["endpoints"][0],
        {"port": 8443, "host": "127.0.10.50", "verified": None, "reason": "the verifying TLS handshake failed"}]}},
     {}, {}, R.UNKNOWN, "port 8443 could not be verified: the verifying TLS handshake failed"),
]


@pytest.mark.parametrize(("check_id", "facts", "fields", "params", "result", "text"), CASES)
def test_security_checks(check_id, facts, fields, params, result, text) -> None:
    run_case(check_id, facts, fields, params, result, text)


def _cert_read_on(day: str, **changes):
    """A certificate fact as the reader records it: the handshake's time is in the evidence."""
    from datetime import datetime

    from probes.facts import Evidence, Fact

    value = _cert(**changes)["tls.certificate"]
    seen = datetime.fromisoformat(day)
    return {"tls.certificate": Fact.observed(value, "tls-handshake",
                                             Evidence(operation="tls-handshake", received_at=seen))}


def test_verification_missing_from_an_older_document_is_not_applicable() -> None:
    """Scan documents written before tls.verification existed: no bundle was given, so nothing to judge."""
    run_case("tls_verification", {"tls.verification": ABSENT}, {}, {}, R.NOT_APPLICABLE,
             "did not record certificate verification")


@pytest.mark.parametrize(("read_on", "at", "changes", "result", "text"), [
    # valid when read; `--at` a year later moves the calendar, not what the device showed
    ("2026-06-01T00:00:00+00:00", "2028-01-01T10:00:00+01:00", {}, R.PASS, "certificate valid until 2027-01-01"),
    # read before the certificate became valid, judged "earlier" by --at: still the observation decides
    ("2025-12-01T00:00:00+00:00", "2026-11-24T10:00:00+01:00", {}, R.FAIL,
     "certificate not valid before 2026-01-01 (read on 2025-12-01)"),
    # expired when read, even if --at names a day inside the validity period
    ("2027-02-01T00:00:00+00:00", "2026-11-24T10:00:00+01:00", {}, R.FAIL,
     "certificate expired on 2027-01-01 (read on 2027-02-01)"),
    # issued the day before the read (as the lab's certificates are): valid, whatever day --at names
    ("2026-01-02T00:00:00+00:00", "2025-06-01T10:00:00+02:00", {}, R.PASS, "certificate valid"),
])
def test_certificate_validity_is_judged_when_read(read_on, at, changes, result, text) -> None:
    from datetime import datetime

    outcome = run_case("tls_certificate", _cert_read_on(read_on, **changes), {}, {}, result, text,
                       at=datetime.fromisoformat(at))
    assert outcome.result is result
