"""The ONVIF reader over HTTPS: exact reads of HTTPS-only lab cameras, tls.* facts from the real handshake,
https preferred over http, and honest statuses when no TLS is served."""

from __future__ import annotations

from datetime import datetime

import pytest
import pytest_asyncio

from lab import parse_fleet, run_fleet
from probes import clock
from probes import factvalues as fv
from probes.discovery.model import DiscoveredDevice
from probes.facts import FACT_CATALOGUE, DeviceFacts, FactStatus
from probes.factvalues.tls import TlsVersions
from probes.onvif import ONVIF_FACTS, OnvifReader
from probes.onvif.services._sheet import Sheet
from tests.probes.onvif import expected as expected_mod

pytestmark = pytest.mark.asyncio(loop_scope="module")

FLEET = parse_fleet("""
version: 1
defaults:
  port: 0
  auth: {users: {auditor: {password: demo-pass, level: Administrator}}}
  recording:
    recordings: [{token: Recording_1, max_retention: PT72H}]
    jobs: [{token: RecordingJob_1, recording: Recording_1, mode: Active, source: Profile_1}]
cameras:
  # HTTPS only, self-signed RSA 2048: read exactly, over TLS only
  - {name: https-only, address: 127.0.14.1, tls: {enabled: true, plain_http: false, port: 0}}
  # http and https advertised (GetServices lists both): the reader must use https, digest-only auth
  - {name: both, address: 127.0.14.2, auth: {schemes: [http-digest]},
     tls: {enabled: true, port: 0, advertise: both, self_signed: false, expired: true, key_type: ec, key_bits: 256}}
  # weak key, TLS 1.0 accepted, HTTPS only, NonDiscoverable (found by the TCP sweep in the discovery tests)
  - {name: weak, address: 127.0.14.3, network: {discovery_mode: NonDiscoverable},
     tls: {enabled: true, plain_http: false, port: 0, key_bits: 1024, min_version: TLS1.0}}
  # XAddrs stay http, HTTPS served on the side: the handshake is still observed
  - {name: side-https, address: 127.0.14.4, tls: {enabled: true, port: 0}}
  # GetNetworkProtocols claims HTTPS on port 1, where nothing listens (443 might on a developer machine)
  - {name: claims-https, address: 127.0.14.5, network: {protocols: {HTTPS: {enabled: true, ports: [1]}}}}
  # HTTPS disabled, plain HTTP only
  - {name: no-https, address: 127.0.14.6, network: {protocols: {HTTPS: {enabled: false}}}}
""", "tls-reader-test.yaml")


class Run:
    def __init__(self) -> None:
        self.sheets: dict[str, DeviceFacts] = {}
        self.cams: dict[str, object] = {}
        self.requests: dict[str, list[object]] = {}
        self.handed: list[object] = []  # every tls.versions value the reader handed its sheet


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def run() -> Run:
    out = Run()
    real_ok = Sheet.ok

    def watched_ok(sheet: Sheet, key: str, value: object, *args: object, **kw: object) -> None:
        if key == "tls.versions":
            out.handed.append(value)
        real_ok(sheet, key, value, *args, **kw)  # type: ignore[arg-type]

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Sheet, "ok", watched_ok)
        await _read_fleet(out)
    return out


async def _read_fleet(out: Run) -> None:
    async with run_fleet(FLEET, port_override=0) as running:
        # as discovery reports them: WS-Discovery XAddrs (both schemes for "both")
        devices = {DiscoveredDevice(addresses=[c.address], xaddrs=c.xaddrs).key: c for c in running.cameras}
        async with OnvifReader(username="auditor", password="demo-pass", request_timeout_s=3,
                               device_deadline_s=20) as reader:
            async for sheet in reader.read_all([DiscoveredDevice(addresses=[c.address], xaddrs=c.xaddrs)
                                                for c in running.cameras]):
                cam = devices[sheet.device_id]
                out.sheets[cam.name] = sheet
                out.cams[cam.name] = cam
        out.requests = {c.name: list(c.requests) for c in running.cameras}


async def test_tls_versions_is_handed_over_typed_and_stored_as_before(run: Run) -> None:
    """The reader hands the sheet the typed model (not a dict for the sheet to type), and the fact is
    byte-identical to the one a dict of the same fields becomes."""
    served = {name: s.facts["tls.versions"] for name, s in run.sheets.items() if s.facts["tls.versions"].ok}
    assert {"https-only", "both", "weak", "side-https", "claims-https"} <= set(served)
    assert len(run.handed) == len(served) and all(type(v) is TlsVersions for v in run.handed)
    for fact in served.values():
        as_dict = fact.model_copy(update={"value": fact.value.model_dump()})
        retyped = DeviceFacts(device_id="x", address="127.0.0.1", facts={"tls.versions": as_dict})
        assert retyped.facts["tls.versions"].model_dump_json() == fact.model_dump_json()


async def test_tls_facts_are_in_the_catalogue() -> None:
    assert {"tls.versions", "tls.certificate"} <= set(FACT_CATALOGUE) and "tls.certificate" in ONVIF_FACTS
    assert "self_signed" in FACT_CATALOGUE["tls.certificate"].value_type.model_fields


@pytest.mark.parametrize("name", [c.name for c in FLEET.cameras])
async def test_every_camera_read_exactly(run: Run, name: str) -> None:
    cam = run.cams[name]
    sheet = run.sheets[name]
    assert sheet.errors == []
    for key, want in expected_mod.expected_facts(cam.spec, cam.address, cam.tls_port).items():
        expected_mod.assert_fact(sheet, key, want)


async def test_https_only_camera_read_over_tls_only(run: Run) -> None:
    for name in ("https-only", "weak"):
        sheet, cam = run.sheets[name], run.cams[name]
        assert sheet.xaddr == cam.xaddr and sheet.xaddr.startswith("https://") and sheet.port == cam.tls_port
        assert run.requests[name] and all(r.tls for r in run.requests[name])
        assert sheet.value("auth.credentials_accepted") is True
        versions = sheet.value(fv.tls.VERSIONS)
        assert versions.onvif_over_https is True and versions.negotiated == "TLSv1.3"


async def test_https_preferred_when_both_are_offered(run: Run) -> None:
    sheet, cam = run.sheets["both"], run.cams["both"]
    assert sheet.xaddr == cam.https_xaddr
    credentialed = [r for r in run.requests["both"] if r.username]
    assert credentialed and all(r.tls for r in credentialed)  # no password (digest) over plain HTTP
    assert all(r.tls for r in run.requests["both"])
    assert sheet.value("auth.schemes") == ["http-digest"]


async def test_certificate_facts(run: Run) -> None:
    now = clock.now()
    good = run.sheets["https-only"].value(fv.tls.CERTIFICATE)
    assert good.self_signed is True and good.expired is False and good.key_type == "rsa"
    assert good.key_bits == 2048 and good.subject == good.issuer == "CN=https-only,O=camaudit-lab"
    assert datetime.fromisoformat(good.not_after) > now and len(good.sha256) == 64
    expired = run.sheets["both"].value(fv.tls.CERTIFICATE)
    assert expired.expired is True and datetime.fromisoformat(expired.not_after) < now
    assert expired.self_signed is False and expired.issuer == "CN=camaudit lab CA,O=camaudit lab"
    assert (expired.key_type, expired.key_bits) == ("ec", 256)
    weak = run.sheets["weak"].value(fv.tls.CERTIFICATE)
    assert (weak.key_type, weak.key_bits) == ("rsa", 1024)
    assert run.sheets["weak"].value(fv.tls.VERSIONS).legacy_accepted is True
    assert run.sheets["https-only"].value(fv.tls.VERSIONS).legacy_accepted is False
    fact = run.sheets["both"].facts["tls.certificate"]
    assert fact.source == "tls-handshake" and fact.evidence is not None and fact.evidence.sha256 == expired.sha256


async def test_handshake_observed_beside_http_xaddrs(run: Run) -> None:
    sheet, cam = run.sheets["side-https"], run.cams["side-https"]
    assert sheet.xaddr.startswith("http://")
    versions = sheet.value(fv.tls.VERSIONS)
    assert versions.served is True and versions.port == cam.tls_port and versions.onvif_over_https is False


async def test_claimed_but_not_served(run: Run) -> None:
    sheet = run.sheets["claims-https"]
    versions = sheet.facts["tls.versions"]
    assert versions.ok and versions.value.served is False and versions.value.port == 1
    assert "refused" in (versions.reason or "")
    cert = sheet.facts["tls.certificate"]
    assert cert.status is FactStatus.UNSUPPORTED and "no TLS served" in (cert.reason or "")


async def test_https_disabled_is_unsupported(run: Run) -> None:
    for key in ("tls.versions", "tls.certificate"):
        fact = run.sheets["no-https"].facts[key]
        assert fact.status is FactStatus.UNSUPPORTED and "HTTPS is disabled" in (fact.reason or ""), fact


async def test_https_port_unknown_without_credentials() -> None:
    """Read over http without credentials: GetNetworkProtocols is denied, so the HTTPS port is unknown."""
    fleet = parse_fleet("version: 1\ncameras: [{name: anon, address: 127.0.14.9, port: 0, tls: {enabled: true,"
                        " port: 0}, auth: {users: {auditor: {password: demo-pass}}}}]\n")
    async with run_fleet(fleet, port_override=0) as running:
        cam = running.cameras[0]
        async with OnvifReader(username=None, password=None) as reader:
            sheet = await reader.read(DiscoveredDevice(addresses=[cam.address], xaddrs=[cam.xaddr]))
    fact = sheet.facts["tls.versions"]
    assert fact.status is FactStatus.NOT_PROBED and "HTTPS port is unknown" in (fact.reason or "")


async def test_moves_to_https_when_get_services_lists_both() -> None:
    """Discovery knew only the http XAddr; GetServices lists http and https: credentials go over https."""
    async with run_fleet(FLEET, port_override=0) as running:
        cam = running.camera("both")
        async with OnvifReader(username="auditor", password="demo-pass") as reader:
            sheet = await reader.read(DiscoveredDevice(addresses=[cam.address], xaddrs=[cam.http_xaddr]))
        requests = list(cam.requests)
    assert sheet.errors == [] and sheet.value("identity.model") == cam.spec.identity.model
    assert sheet.xaddr == cam.https_xaddr and sheet.port == cam.tls_port
    plain = [r.operation for r in requests if not r.tls]
    assert plain and all(op in ("tds:GetSystemDateAndTime", "tds:GetServices", "tds:GetCapabilities")
                         for op in plain), plain
    assert all(r.tls for r in requests if r.username)  # never a credential over plain HTTP
    assert sheet.value(fv.tls.VERSIONS).onvif_over_https is True
