"""Certificates and server SSL contexts for the lab's HTTPS listeners.

Generated once per fleet start, in memory (ssl needs files for load_cert_chain, so
each chain passes through a private temporary directory that is removed at once).
Keys are shared between cameras with the same key type and size within one fleet
start (RSA generation is the slow part); each camera still gets its own
certificate (its name and address in the subject and SAN). A camera with
`self_signed: false` gets a certificate issued by a per-fleet "camaudit lab CA".
"""

from __future__ import annotations

import ipaddress
import ssl
import tempfile
import warnings
from datetime import datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from lab import clock
from lab.model import Camera, KeyType, TlsVersion

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey

_VERSIONS = {
    TlsVersion.TLS1_0: ssl.TLSVersion.TLSv1,
    TlsVersion.TLS1_1: ssl.TLSVersion.TLSv1_1,
    TlsVersion.TLS1_2: ssl.TLSVersion.TLSv1_2,
    TlsVersion.TLS1_3: ssl.TLSVersion.TLSv1_3,
}


class CertificateFactory:
    """Keys, a lab CA and per-camera server contexts for one fleet start."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or clock.now()
        self._keys: dict[tuple[KeyType, int], PrivateKey] = {}
        self._ca: tuple[x509.Certificate, PrivateKey] | None = None

    def key(self, key_type: KeyType, bits: int) -> PrivateKey:
        cached = self._keys.get((key_type, bits))
        if cached is None:
            if key_type is KeyType.EC:
                cached = ec.generate_private_key(ec.SECP384R1() if bits == 384 else ec.SECP256R1())
            else:
                cached = rsa.generate_private_key(public_exponent=65537, key_size=bits)
            self._keys[(key_type, bits)] = cached
        return cached

    def ca(self) -> tuple[x509.Certificate, PrivateKey]:
        if self._ca is None:
            key = self.key(KeyType.EC, 256)
            name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "camaudit lab"),
                              x509.NameAttribute(NameOID.COMMON_NAME, "camaudit lab CA")])
            cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                    .serial_number(x509.random_serial_number())
                    .not_valid_before(self.now - timedelta(days=1)).not_valid_after(self.now + timedelta(days=3650))
                    .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                    .sign(key, hashes.SHA256()))
            self._ca = (cert, key)
        return self._ca

    def certificate(self, cam: Camera, address: str) -> tuple[x509.Certificate, PrivateKey]:
        """The camera's server certificate and key, per its `tls:` settings."""
        tls = cam.tls
        key = self.key(tls.key_type, tls.key_bits)
        subject = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, cam.identity.manufacturer[:64] or "lab"),
                             x509.NameAttribute(NameOID.COMMON_NAME, cam.hostname[:64])])
        if tls.expired:
            not_before, not_after = self.now - timedelta(days=730), self.now - timedelta(days=1)
        else:
            not_before, not_after = self.now - timedelta(days=1), self.now + timedelta(days=365)
        if tls.self_signed:
            issuer, signer = subject, key
        else:
            ca_cert, signer = self.ca()
            issuer = ca_cert.subject
        san = x509.SubjectAlternativeName([_general_name(n) for n in tls.names or [cam.hostname, address]])
        cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(key.public_key())
                .serial_number(x509.random_serial_number()).not_valid_before(not_before).not_valid_after(not_after)
                .add_extension(san, critical=False)
                .sign(signer, hashes.SHA256()))
        return cert, key

    def ca_pem(self) -> bytes:
        """The lab CA's certificate (never its key): the CA bundle a scan verifies CA-signed cameras with."""
        return self.ca()[0].public_bytes(serialization.Encoding.PEM)

    def server_context(self, cam: Camera, address: str) -> ssl.SSLContext:
        """A server SSLContext for the camera (min version and key size as configured)."""
        cert, key = self.certificate(cam, address)
        chain = cert.public_bytes(serialization.Encoding.PEM)
        if not cam.tls.self_signed:
            chain += self.ca()[0].public_bytes(serialization.Encoding.PEM)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        with warnings.catch_warnings():  # TLS 1.0/1.1 are deprecated: that is the point of such a camera
            warnings.simplefilter("ignore", DeprecationWarning)
            ctx.minimum_version = _VERSIONS[cam.tls.min_version]
        weak = cam.tls.min_version in (TlsVersion.TLS1_0, TlsVersion.TLS1_1) or (
            cam.tls.key_type is KeyType.RSA and cam.tls.key_bits < 2048)
        if weak:  # OpenSSL 3 refuses 1024-bit keys and TLS < 1.2 at its default security level
            ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
        with tempfile.TemporaryDirectory(prefix="camaudit-lab-tls-") as tmp:
            cert_file, key_file = Path(tmp) / "cert.pem", Path(tmp) / "key.pem"
            cert_file.write_bytes(chain)
            key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                   serialization.NoEncryption()))
            key_file.chmod(0o600)
            ctx.load_cert_chain(cert_file, key_file)
        return ctx


def _general_name(name: str) -> x509.GeneralName:
    """An IP address SAN for an address (an IPv6 zone is not part of it), else a DNS name."""
    try:
        return x509.IPAddress(ipaddress.ip_address(name.split("%", 1)[0]))
    except ValueError:
        return x509.DNSName(name)
