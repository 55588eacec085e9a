"""The lab's HTTPS listeners: real TLS handshakes, generated certificates, advertised https XAddrs,
and the operations added for the reader (tr2:GetAudioOutputConfigurations, tr2:GetAnalyticsConfigurations,
trt:GetVideoAnalyticsConfigurations, *_for_unimplemented with `operations:`)."""

from __future__ import annotations

import asyncio
import ssl
import warnings

import aiohttp
import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from lab import FleetError, fleet_json_schema, parse_fleet, run_fleet
from probes import clock
from tests.lab.soapclient import NS, soap

FLEET = parse_fleet("""
version: 1
defaults:
  port: 0
  auth: {users: {auditor: {password: demo-pass, level: Administrator}}}
cameras:
  - {name: https-only, address: 127.0.13.1, tls: {enabled: true, plain_http: false, port: 0}}
  - {name: both, address: 127.0.13.2,
     tls: {enabled: true, port: 0, advertise: both, self_signed: false, expired: true, key_type: ec, key_bits: 256}}
  - {name: weak, address: 127.0.13.3, tls: {enabled: true, port: 0, key_bits: 1024, min_version: TLS1.0}}
  - {name: plain, address: 127.0.13.4}
  - name: analytics
    address: 127.0.13.5
    media: {audio_outputs: [{token: Speaker_1}]}
    analytics: {modules: [{name: Motion, type: "tt:CellMotionEngine"}]}
  - name: lacks-ntp
    address: 127.0.13.6
    misbehaviour: [{mode: http500_for_unimplemented, operations: [tds:GetNTP]}]
""", "tls-test.yaml")


def permissive() -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx.minimum_version = ssl.TLSVersion.TLSv1
    return ctx


async def handshake(address: str, port: int, ctx: ssl.SSLContext) -> tuple[str, x509.Certificate]:
    _, writer = await asyncio.open_connection(address, port, ssl=ctx)
    try:
        obj = writer.get_extra_info("ssl_object")
        return obj.version(), x509.load_der_x509_certificate(obj.getpeercert(binary_form=True))
    finally:
        writer.close()


@pytest.fixture
async def lab():
    async with run_fleet(FLEET, port_override=0) as running:
        yield running


@pytest.fixture
async def tls_http():
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=permissive()),
                                     timeout=aiohttp.ClientTimeout(total=20)) as session:
        yield session


async def test_https_only_camera_serves_soap_over_tls_and_advertises_https(lab, tls_http) -> None:
    cam = lab.camera("https-only")
    assert cam.tls_port == cam.port and not cam.plain_http
    assert cam.xaddr == f"https://127.0.13.1:{cam.tls_port}/onvif/device_service" and cam.xaddrs == [cam.xaddr]
    version, cert = await handshake(cam.address, cam.tls_port, permissive())
    assert version == "TLSv1.3"  # min TLS 1.2 by default, the best both sides speak is negotiated
    assert cert.subject == cert.issuer  # self-signed by default
    assert isinstance(cert.public_key(), rsa.RSAPublicKey) and cert.public_key().key_size == 2048
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert [str(ip) for ip in san.get_values_for_type(x509.IPAddress)] == ["127.0.13.1"]
    reply = await soap(tls_http, cam, "tds", "GetServices", "<IncludeCapability>false</IncludeCapability>")
    assert reply.status == 200
    xaddrs = [x.text for x in reply.findall(".//tds:XAddr")]
    assert xaddrs and all(x.startswith(f"https://127.0.13.1:{cam.tls_port}/") for x in xaddrs)
    protocols = {p.findtext("tt:Name", namespaces=NS): (p.findtext("tt:Enabled", namespaces=NS),
                                                        [e.text for e in p.findall("tt:Port", NS)])
                 for p in (await soap(tls_http, cam, "tds", "GetNetworkProtocols")).findall(".//tds:NetworkProtocols")}
    assert protocols["HTTPS"] == ("true", [str(cam.tls_port)]) and protocols["HTTP"][0] == "false"
    assert cam.requests and all(r.tls for r in cam.requests)
    with pytest.raises((aiohttp.ClientError, ConnectionError)):  # no plain HTTP on an HTTPS-only camera
        await soap(tls_http, cam, "tds", "GetSystemDateAndTime", user=None, scheme="http",
                   timeout=aiohttp.ClientTimeout(total=3))


async def test_camera_advertising_both_lists_http_and_https_entries(lab, tls_http) -> None:
    cam = lab.camera("both")
    assert cam.port != cam.tls_port and cam.plain_http
    assert cam.xaddrs == [f"http://127.0.13.2:{cam.port}/onvif/device_service",
                          f"https://127.0.13.2:{cam.tls_port}/onvif/device_service"]
    reply = await soap(tls_http, cam, "tds", "GetServices", "<IncludeCapability>false</IncludeCapability>")
    device = [s.findtext("tds:XAddr", namespaces=NS) for s in reply.findall(".//tds:Service")
              if s.findtext("tds:Namespace", namespaces=NS) == NS["tds"]]
    assert device == cam.xaddrs  # http first, then https
    https = await soap(tls_http, cam, "tds", "GetDeviceInformation", scheme="https")
    assert https.status == 200 and cam.requests[-1].tls and not cam.requests[0].tls


async def test_expired_ca_issued_ec_certificate(lab) -> None:
    cam = lab.camera("both")
    _, cert = await handshake(cam.address, cam.tls_port, permissive())
    assert cert.not_valid_after_utc < clock.now()
    assert cert.issuer.rfc4514_string() == "CN=camaudit lab CA,O=camaudit lab" and cert.subject != cert.issuer
    assert isinstance(cert.public_key(), ec.EllipticCurvePublicKey) and cert.public_key().key_size == 256


async def test_min_version_is_enforced(lab) -> None:
    legacy = permissive()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        legacy.maximum_version = ssl.TLSVersion.TLSv1_1
    weak = lab.camera("weak")
    version, cert = await handshake(weak.address, weak.tls_port, legacy)  # min_version TLS1.0: accepted
    assert version in ("TLSv1", "TLSv1.1") and cert.public_key().key_size == 1024
    strict = lab.camera("both")  # min_version TLS1.2 (default)
    with pytest.raises((ssl.SSLError, ConnectionResetError)):
        await handshake(strict.address, strict.tls_port, legacy)


async def test_plain_camera_has_no_tls_listener(lab) -> None:
    cam = lab.camera("plain")
    assert cam.tls_port is None and cam.https_xaddr is None and cam.xaddrs == [cam.http_xaddr]


async def test_added_media_operations(lab, http) -> None:
    cam = lab.camera("analytics")
    outputs = await soap(http, cam, "tr2", "GetAudioOutputConfigurations")
    assert outputs.status == 200
    assert [c.get("token") for c in outputs.findall(".//tr2:Configurations")] == ["AOC_Speaker_1"]
    assert outputs.text(".//tr2:Configurations/tt:OutputToken") == "Speaker_1"
    bad = await soap(http, cam, "tr2", "GetAudioOutputConfigurations", "<ProfileToken>nope</ProfileToken>")
    assert bad.status == 400
    for prefix, op in (("tr2", "GetAnalyticsConfigurations"), ("trt", "GetVideoAnalyticsConfigurations")):
        reply = await soap(http, cam, prefix, op)
        configs = reply.findall(f".//{prefix}:Configurations")
        assert reply.status == 200 and [c.get("token") for c in configs] == ["VideoAnalytics_1"], op
        assert configs[0].find(".//tt:AnalyticsModule", NS).get("Name") == "Motion"
    none = await soap(http, lab.camera("plain"), "tr2", "GetAnalyticsConfigurations")
    assert none.status == 200 and none.findall(".//tr2:Configurations") == []


async def test_unimplemented_quirk_on_a_named_operation(lab, http) -> None:
    cam = lab.camera("lacks-ntp")
    reply = await soap(http, cam, "tds", "GetNTP")
    assert reply.status == 500 and b"500 Internal Server Error" in reply.body  # a quirk, not a SOAP fault
    assert (await soap(http, cam, "tds", "GetDNS")).status == 200  # other operations unaffected
    normal = await soap(http, cam, "tds", "GetFrobnicator")  # `operations:` limits the quirk to GetNTP
    assert normal.status == 500 and normal.fault_codes[:2] == ["env:Receiver", "ter:ActionNotSupported"]


@pytest.mark.parametrize(("tls", "problem"), [
    ("{enabled: true, key_type: ec, key_bits: 300}", "EC key_bits must be 256 or 384"),
    ("{enabled: true, key_bits: 512}", "RSA key_bits must be 1024..4096"),
    ("{enabled: true, plain_http: false, advertise: http}", "can only advertise https"),
    ("{enabled: true, port: 8000}", "tls.port must differ from port"),
    ("{enabled: true, min_version: SSL3}", "min_version"),
    ("{enabled: true, colour: blue}", "unknown key"),
])
def test_tls_settings_are_validated(tls: str, problem: str) -> None:
    with pytest.raises(FleetError) as err:
        parse_fleet(f"version: 1\ncameras:\n  - {{name: x, address: 127.0.13.9, port: 8000, tls: {tls}}}\n", "f.yaml")
    assert problem in "\n".join(err.value.problems) and "f.yaml:3" in str(err.value)


def test_tls_contradicting_https_setting_is_an_error() -> None:
    with pytest.raises(FleetError, match="contradicts network.protocols.HTTPS"):
        parse_fleet("version: 1\ncameras:\n  - {name: x, address: 127.0.13.9, tls: {enabled: true},\n"
                    "     network: {protocols: {HTTPS: {enabled: false}}}}\n")


def test_schema_documents_tls() -> None:
    schema = fleet_json_schema()
    props = schema["$defs"]["Tls"]["properties"]
    assert {"enabled", "port", "plain_http", "advertise", "self_signed", "expired", "key_type", "key_bits",
            "min_version"} <= set(props)
    assert "tls" in schema["$defs"]["Camera"]["properties"]


async def test_run_fleet_emits_no_deprecation_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        async with run_fleet(FLEET, port_override=0) as running:
            assert len(running.cameras) == len(FLEET.cameras)
