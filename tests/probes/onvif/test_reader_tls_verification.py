"""The reader with the site's CA bundle: lab cameras over real sockets get `tls.verification` (verified,
self-signed, wrong name, expired at the lab's clock, no HTTPS, HTTPS on the side of a plain-HTTP read), one
extra connection per HTTPS port; without a bundle every camera says "not requested", never "verified", and
reads succeed exactly as before."""

from __future__ import annotations

import pytest
import pytest_asyncio

from lab import parse_fleet, run_fleet
from probes import factvalues as fv
from probes.discovery.model import DiscoveredDevice
from probes.facts import DeviceFacts, FactStatus
from probes.onvif import CaBundle, CredentialPlan, OnvifReader
from probes.onvif.capture import Capture, capture_device

pytestmark = pytest.mark.asyncio(loop_scope="module")

FLEET = parse_fleet("""
version: 1
defaults:
  port: 0
  auth: {users: {auditor: {password: demo-pass, level: Administrator}}}
cameras:
  - {name: signed, address: 127.0.122.1, tls: {enabled: true, plain_http: false, port: 0, self_signed: false}}
  - {name: self-signed, address: 127.0.122.2, tls: {enabled: true, plain_http: false, port: 0}}
  - {name: wrong-name, address: 127.0.122.3,
     tls: {enabled: true, plain_http: false, port: 0, self_signed: false, names: [cam-17.example, 127.0.122.99]}}
  - {name: expired, address: 127.0.122.4,
     tls: {enabled: true, plain_http: false, port: 0, self_signed: false, expired: true}}
  # ONVIF over plain HTTP, HTTPS served beside it: the port GetNetworkProtocols names is verified
  - {name: side-https, address: 127.0.122.5, tls: {enabled: true, port: 0, self_signed: false}}
  - {name: no-https, address: 127.0.122.6, network: {protocols: {HTTPS: {enabled: false}}}}
""", "tls-verification-test.yaml")


class Run:
    def __init__(self) -> None:
        self.verified: dict[str, DeviceFacts] = {}
        self.unverified: dict[str, DeviceFacts] = {}
        self.tls_ports: dict[str, int | None] = {}
        self.capture: Capture | None = None


async def read(running: object, bundle: CaBundle | None) -> dict[str, DeviceFacts]:
    cams = running.cameras  # type: ignore[attr-defined]
    by_key = {DiscoveredDevice(addresses=[c.address], xaddrs=c.xaddrs).key: c.name for c in cams}
    out: dict[str, DeviceFacts] = {}
    async with OnvifReader(username="auditor", password="demo-pass", request_timeout_s=3, device_deadline_s=20,
                           ca_bundle=bundle) as reader:
        async for sheet in reader.read_all([DiscoveredDevice(addresses=[c.address], xaddrs=c.xaddrs)
                                            for c in cams]):
            out[by_key[sheet.device_id]] = sheet
    return out


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def run() -> Run:
    out = Run()
    async with run_fleet(FLEET, port_override=0) as running:
        assert running.ca_pem is not None and b"PRIVATE" not in running.ca_pem
        out.unverified = await read(running, None)
        out.verified = await read(running, CaBundle.from_pem(running.ca_pem, "lab-ca.pem"))
        out.tls_ports = {c.name: c.tls_port for c in running.cameras}
        signed = running.camera("signed")  # `camaudit capture --ca-bundle`: read as a scan would
        out.capture = await capture_device(DiscoveredDevice(addresses=[signed.address], xaddrs=signed.xaddrs),
                                           credentials=CredentialPlan.single("auditor", "demo-pass"),
                                           ca_bundle=CaBundle.from_pem(running.ca_pem, "lab-ca.pem"))
    return out


def verification(sheet: DeviceFacts) -> fv.tls.TlsVerification:
    value = sheet.value(fv.tls.VERIFICATION)
    assert isinstance(value, fv.tls.TlsVerification)
    return value


async def test_without_a_bundle_nothing_is_verified_and_reads_are_unchanged(run: Run) -> None:
    for name, sheet in run.unverified.items():
        assert sheet.errors == [], name
        fact = sheet.facts["tls.verification"]
        assert fact.ok and fact.source == "tls-verify"
        value = verification(sheet)
        assert (value.requested, value.verified, value.endpoints) == (False, None, ())
        assert value.reason is not None and "no CA bundle given" in value.reason
    for name in ("signed", "self-signed", "wrong-name", "expired"):  # HTTPS-only: read over TLS, unverified
        assert run.unverified[name].value("auth.credentials_accepted") is True


async def test_ca_signed_camera_verifies_for_its_address(run: Run) -> None:
    value = verification(run.verified["signed"])
    assert (value.requested, value.verified, value.reason, value.bundle) == (True, True, None, "lab-ca.pem")
    (endpoint,) = value.endpoints
    assert (endpoint.host, endpoint.port, endpoint.verified) == ("127.0.122.1", run.tls_ports["signed"], True)
    assert endpoint.issuer == "CN=camaudit lab CA,O=camaudit lab"
    assert run.verified["signed"].value("auth.credentials_accepted") is True


@pytest.mark.parametrize(("name", "reason"), [
    ("self-signed", "self-signed"),
    ("wrong-name", "name mismatch: certificate is for cam-17.example, 127.0.122.99"),
    ("expired", "expired on "),
])
async def test_each_failure_has_its_reason(run: Run, name: str, reason: str) -> None:
    sheet = run.verified[name]
    value = verification(sheet)
    assert (value.requested, value.verified) == (True, False)
    assert value.reason is not None and value.reason.startswith(reason)
    (endpoint,) = value.endpoints
    assert endpoint.verified is False and endpoint.reason == value.reason and endpoint.subject
    evidence = sheet.facts["tls.verification"].evidence
    assert evidence is not None and "lab-ca.pem" in evidence.excerpt and reason in evidence.excerpt
    assert sheet.errors == [] and sheet.value("auth.credentials_accepted") is True  # the read is unharmed


async def test_expired_is_judged_at_the_scanner_clock(run: Run) -> None:
    value = verification(run.verified["expired"])
    cert = run.verified["expired"].value(fv.tls.CERTIFICATE)
    assert value.reason == f"expired on {cert.not_after[:10]}" and cert.expired is True


async def test_https_beside_a_plain_http_read_is_verified(run: Run) -> None:
    value = verification(run.verified["side-https"])
    assert value.verified is True and [e.port for e in value.endpoints] == [run.tls_ports["side-https"]]


async def test_no_https_means_nothing_to_verify(run: Run) -> None:
    fact = run.verified["no-https"].facts["tls.verification"]
    assert fact.status is FactStatus.UNSUPPORTED and "no certificate to verify" in (fact.reason or "")


async def test_capture_verifies_too_and_archives_no_certificate(run: Run) -> None:
    assert run.capture is not None
    assert verification(run.capture.facts).verified is True
    archive = run.capture.archive.model_dump_json()
    assert "BEGIN CERTIFICATE" not in archive and "tls-verify" not in archive  # the verifying handshake is not archived
