"""probes.onvif.trust over real TLS sockets: a CA-signed lab certificate verifies, and each failure has its
reason (self-signed, unknown root, name mismatch, expired at the injected clock), over IPv4 and ::1; a
handshake that fails or times out is unknown, never verified. Certificates are dated from a fixed T0, so no
outcome depends on today's date (OpenSSL's own time check is off; dates are judged at the given clock)."""

from __future__ import annotations

import asyncio
import contextlib
import pickle
import socket
import ssl
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from lab import parse_fleet
from lab.model import Camera
from lab.tls import CertificateFactory
from probes.errors import ConfigError, InputError
from probes.onvif import CaBundle
from probes.onvif import trust as T
from probes.onvif._tls import client_context, handshake

T0 = datetime(2026, 1, 1, tzinfo=UTC)
NOW = T0 + timedelta(days=30)  # the scanner's clock in these tests
HOST = "127.0.121.1"


def camera(tls: str) -> Camera:
    """A lab camera named (and so with the hostname) cam-host."""
    return parse_fleet(f"version: 1\ncameras: [{{name: cam-host, address: {HOST}, "
                       f"tls: {{enabled: true, {tls}}}}}]\n").cameras[0]


@contextlib.asynccontextmanager
async def serving(ctx: ssl.SSLContext, host: str = HOST) -> AsyncIterator[int]:
    """A TLS listener that completes the handshake and closes (no HTTP): its port."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()  # called once the handshake is done

    server = await asyncio.start_server(handle, host, 0, ssl=ctx)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        await server.wait_closed()


@pytest.fixture(scope="module")
def factory() -> CertificateFactory:
    return CertificateFactory(now=T0)


@pytest.fixture(scope="module")
def bundle(factory: CertificateFactory) -> CaBundle:
    return CaBundle.from_pem(factory.ca_pem(), "site-ca.pem")


async def check(factory: CertificateFactory, bundle: CaBundle, cam: Camera, *, host: str = HOST,
                now: datetime = NOW) -> T.Verification:
    """As the reader does: its own (unverified) handshake first, whose certificate names a failure."""
    async with serving(factory.server_context(cam, host), host) as port:
        presented = (await handshake(host, port, 2)).certificate
        result = await T.verify(host, port, 2, bundle, presented, now=now)
        assert result.port == port and result.host == host
        return result


async def test_ca_signed_certificate_verifies(factory: CertificateFactory, bundle: CaBundle) -> None:
    result = await check(factory, bundle, camera("self_signed: false"))
    assert (result.verified, result.reason) == (True, None)
    assert client_context().verify_mode is ssl.CERT_NONE  # the reader's own contexts never verify
    assert T.verifying_context(bundle).verify_mode is ssl.CERT_REQUIRED
    assert result.subject is not None and result.subject.startswith("CN=cam-host,")
    assert result.issuer == "CN=camaudit lab CA,O=camaudit lab"


async def test_self_signed_certificate_fails(factory: CertificateFactory, bundle: CaBundle) -> None:
    result = await check(factory, bundle, camera("self_signed: true"))
    assert (result.verified, result.reason) == (False, "self-signed")
    assert result.subject is not None and result.subject == result.issuer  # evidence from the failed handshake


async def test_pinned_self_signed_certificate_verifies(factory: CertificateFactory) -> None:
    """A site may pin a camera's own certificate: every certificate of the bundle is a trust anchor."""
    cam = camera("self_signed: true")
    cert, _ = factory.certificate(cam, HOST)
    pinned = CaBundle.from_pem(cert.public_bytes(serialization.Encoding.PEM), "pinned.pem")
    async with serving(_context_for(factory, cam, cert)) as port:
        assert (await T.verify(HOST, port, 2, pinned, now=NOW)).verified is True


def _context_for(factory: CertificateFactory, cam: Camera, cert: object) -> ssl.SSLContext:
    """The camera's server context with exactly `cert` (server_context would issue a new one)."""
    import tempfile
    from pathlib import Path

    key = factory.key(cam.tls.key_type, cam.tls.key_bits)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with tempfile.TemporaryDirectory() as tmp:
        cert_file, key_file = Path(tmp) / "c.pem", Path(tmp) / "k.pem"
        cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))  # type: ignore[attr-defined]
        key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
        ctx.load_cert_chain(cert_file, key_file)
    return ctx


def other_ca() -> bytes:
    """A CA certificate of another organisation (its own name and key)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Other Corp CA")])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(T0).not_valid_after(T0 + timedelta(days=900))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True).sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM)


async def test_other_root_is_not_trusted(factory: CertificateFactory) -> None:
    other = CaBundle.from_pem(other_ca(), "other-ca.pem")
    result = await check(factory, other, camera("self_signed: false"))  # the camera sends its chain up to its root
    assert result.verified is False
    assert result.reason == "issued by a root that is not in the CA bundle (self-signed certificate in the chain)"
    # another CA of the same name (a re-created lab CA): the name matches, the signature does not
    namesake = CaBundle.from_pem(CertificateFactory(now=T0).ca_pem(), "namesake-ca.pem")
    result = await check(factory, namesake, camera("self_signed: false"))
    assert (result.verified, result.reason) == (False, "not issued by the bundle's CA of that name (bad signature)")


async def test_wrong_name_fails_with_the_names(factory: CertificateFactory, bundle: CaBundle) -> None:
    result = await check(factory, bundle, camera("self_signed: false, names: [other-camera.example, 127.0.121.9]"))
    assert result.verified is False
    assert result.reason == "name mismatch: certificate is for other-camera.example, 127.0.121.9"


async def test_dns_name_alone_does_not_match_an_address(factory: CertificateFactory, bundle: CaBundle) -> None:
    """Reached at an IP address, only an IP SAN counts: the hostname in the certificate is no match."""
    result = await check(factory, bundle, camera("self_signed: false, names: [cam-host]"))
    assert (result.verified, result.reason) == (False, "name mismatch: certificate is for cam-host")


async def test_expired_at_the_injected_clock(factory: CertificateFactory, bundle: CaBundle) -> None:
    expired = await check(factory, bundle, camera("self_signed: false, expired: true"))
    assert (expired.verified, expired.reason) == (False, "expired on 2025-12-31")
    valid = camera("self_signed: false")
    later = await check(factory, bundle, valid, now=T0 + timedelta(days=400))  # valid for 365 days from T0
    assert (later.verified, later.reason) == (False, "expired on 2027-01-01")
    early = await check(factory, bundle, valid, now=T0 - timedelta(days=2))
    assert (early.verified, early.reason) == (False, "certificate not valid before 2025-12-31; "
                                                     "issuing CA not valid before 2025-12-31")
    both = await check(factory, bundle, camera("self_signed: true, expired: true"))
    assert (both.verified, both.reason) == (False, "self-signed; expired on 2025-12-31")


async def test_ipv6_loopback_needs_an_ipv6_san(factory: CertificateFactory, bundle: CaBundle) -> None:
    if not socket.has_ipv6:
        pytest.skip("no IPv6 here")
    try:
        probe = socket.socket(socket.AF_INET6)
        probe.bind(("::1", 0))
        probe.close()
    except OSError:
        pytest.skip("::1 is not configured in this namespace")
    cam = camera("self_signed: false")
    assert (await check(factory, bundle, cam, host="::1")).verified is True  # SAN: cam-host and ::1
    for_v4 = camera(f"self_signed: false, names: [cam-host, {HOST}]")
    result = await check(factory, bundle, for_v4, host="::1")
    assert (result.verified, result.reason) == (False, f"name mismatch: certificate is for cam-host, {HOST}")


async def test_a_handshake_that_fails_or_times_out_is_unknown(bundle: CaBundle) -> None:
    silent = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:  # listens but never accepts: TCP connects, TLS never answers
        silent.bind(("127.0.121.2", 0))
        silent.listen(1)
        result = await T.verify("127.0.121.2", silent.getsockname()[1], 0.5, bundle, now=NOW)
        assert result.verified is None and result.reason == "no verifying TLS handshake within 0.5 s"
    finally:
        silent.close()
    refused = await T.verify("127.0.121.2", 1, 1, bundle, now=NOW)
    assert refused.verified is None and refused.reason is not None
    assert refused.reason.startswith("the verifying TLS handshake failed")


def test_bundle_parsing(factory: CertificateFactory) -> None:
    two = CaBundle.from_pem(factory.ca_pem() + b"\n# comment\n" + CertificateFactory(now=T0).ca_pem(), "two.pem")
    assert two.subjects == ("CN=camaudit lab CA,O=camaudit lab",) * 2 and two.pem.count(b"BEGIN CERTIFICATE") == 2
    assert repr(two) == "CaBundle('two.pem', 2 certificates)"
    assert pickle.loads(pickle.dumps(two)) == two  # noqa: S301 - our own bytes, as ReaderOptions reach a worker
    with pytest.raises(ConfigError, match=r"^/etc/x\.pem: --ca-bundle: CA bundle is not a PEM bundle of cert"):
        CaBundle.from_pem(b"hello", "/etc/x.pem", field="--ca-bundle")
    with pytest.raises(InputError, match="not a PEM bundle of certificates"):
        CaBundle.from_pem(b"", "empty.pem")
    key_pem = factory.ca()[1].private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    with pytest.raises(ConfigError, match="holds a private key") as caught:
        CaBundle.from_pem(factory.ca_pem() + key_pem, "with-key.pem")
    assert "BEGIN" not in str(caught.value)
