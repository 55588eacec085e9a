"""Certificate verification against a site's CA bundle (`--ca-bundle`, `scan.ca_bundle`): `tls.verification`.

The reader itself never verifies (cameras are self-signed; reads must work anyway). When the operator
gives a CA bundle, each HTTPS port the reader used gets one extra, verifying TLS handshake: OpenSSL checks
the chain the device sends against the bundle (any certificate in it is a trust anchor) and the
certificate's names against the address the scanner reached (an IP address must be an IP SAN). Validity
dates are judged here at the scanner's clock (`probes.clock`), not OpenSSL's wall clock, so every date in
a report comes from one injected clock; OpenSSL's own time check is switched off for that reason.

Only certificates are kept from the bundle: a file holding a private key is refused, never read into
memory beyond the check that finds it.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import ssl
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from probes import clock
from probes.errors import ConfigError
from probes.factvalues.tls import TlsEndpointVerification
from probes.onvif._tls import client_context

_X509_V_FLAG_NO_CHECK_TIME = 0x200000
"""OpenSSL's X509_V_FLAG_NO_CHECK_TIME (x509_vfy.h): dates are checked at the scanner's clock instead."""

_UNKNOWN_ISSUER = frozenset({2, 20, 21})  # UNABLE_TO_GET_ISSUER_CERT(_LOCALLY), UNABLE_TO_VERIFY_LEAF_SIGNATURE
_SELF_SIGNED = 18  # DEPTH_ZERO_SELF_SIGNED_CERT
_SELF_SIGNED_ROOT = 19  # SELF_SIGNED_CERT_IN_CHAIN
_NAME_MISMATCH = frozenset({62, 63, 64})  # HOSTNAME_MISMATCH, EMAIL_MISMATCH, IP_ADDRESS_MISMATCH
_BAD_SIGNATURE = 7  # CERT_SIGNATURE_FAILURE: a CA of the issuer's name is in the bundle, but did not sign it

MAX_BUNDLE_BYTES = 4 * 1024 * 1024
"""A CA bundle larger than this is not a CA bundle (the Mozilla bundle is about 220 KB)."""


@dataclass(frozen=True, slots=True)
class CaBundle:
    """The CA certificates a site trusts, as PEM of the certificates only (picklable: crosses to workers)."""

    pem: bytes
    origin: str  # the file it came from, for messages
    subjects: tuple[str, ...]

    @classmethod
    def from_pem(cls, data: bytes, path: str, *, field: str | None = None) -> CaBundle:
        """Parse a PEM bundle (one or more CERTIFICATE blocks) read from `path`; a ConfigError naming the
        file (and the option or site field that named it) says what is wrong."""

        def invalid(why: str) -> ConfigError:
            return ConfigError(f"CA bundle {why}", path=path, field=field)

        if len(data) > MAX_BUNDLE_BYTES:
            raise invalid(f"larger than {MAX_BUNDLE_BYTES // (1024 * 1024)} MiB: not a CA bundle")
        if b"PRIVATE KEY-----" in data:
            raise invalid("holds a private key: give the CA certificates only (never the CA's key)")
        try:
            certs = x509.load_pem_x509_certificates(data)
        except ValueError as exc:
            raise invalid(f"is not a PEM bundle of certificates ({exc})") from None
        pem = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)
        return cls(pem, Path(path).name, tuple(c.subject.rfc4514_string()[:256] for c in certs))

    def certificates(self) -> tuple[x509.Certificate, ...]:
        """The bundle's certificates, parsed once per bundle (every verifying handshake dates against them)."""
        return _parsed(self.pem)

    def __repr__(self) -> str:
        return f"CaBundle({self.origin!r}, {len(self.subjects)} certificates)"


@functools.lru_cache(maxsize=8)
def _parsed(pem: bytes) -> tuple[x509.Certificate, ...]:
    return tuple(x509.load_pem_x509_certificates(pem))


@functools.lru_cache(maxsize=8)
def verifying_context(bundle: CaBundle) -> ssl.SSLContext:
    """The reader's permissive context (weak keys and old versions are judged elsewhere), made to verify
    the chain against `bundle` and the name against the address; dates are left to `_dates`."""
    ctx = client_context()
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.check_hostname = True
    ctx.load_verify_locations(cadata=bundle.pem.decode("ascii"))
    # every certificate of the bundle is a trust anchor (a site may hand out an intermediate, or pin a camera)
    ctx.verify_flags = ctx.verify_flags | ssl.VERIFY_X509_PARTIAL_CHAIN | _X509_V_FLAG_NO_CHECK_TIME
    return ctx


def names_of(cert: x509.Certificate) -> list[str]:
    """The names a certificate is for: its SAN DNS names and IP addresses, else its common name."""
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = [*san.get_values_for_type(x509.DNSName),
                 *(str(ip) for ip in san.get_values_for_type(x509.IPAddress))]
    except x509.ExtensionNotFound:
        names = []
    except ValueError:  # a malformed extension: say what the subject says
        names = []
    if names:
        return names
    return [str(a.value) for a in cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)]


def _failure(exc: ssl.SSLCertVerificationError, cert: x509.Certificate | None) -> str:
    code = exc.verify_code
    if code == _SELF_SIGNED:
        return "self-signed"
    if code == _SELF_SIGNED_ROOT:
        return "issued by a root that is not in the CA bundle (self-signed certificate in the chain)"
    if code == _BAD_SIGNATURE:
        return "not issued by the bundle's CA of that name (bad signature)"
    if code in _UNKNOWN_ISSUER:
        return "unknown issuer (not in the CA bundle)"
    if code in _NAME_MISMATCH:
        names = ", ".join(names_of(cert)[:8]) if cert is not None else "another name"
        return f"name mismatch: certificate is for {names or 'no name'}"
    return f"not verified: {exc.verify_message or exc.reason or exc}"


def _dates(cert: x509.Certificate, anchors: tuple[x509.Certificate, ...], now: datetime) -> list[str]:
    """Validity problems of the certificate and the bundle CA that issued it, at the scanner's clock."""
    problems: list[str] = []
    for what, c in (("certificate", cert), *(("issuing CA", a) for a in anchors
                                              if a.subject == cert.issuer and a is not cert)):
        if now > c.not_valid_after_utc:
            problems.append(f"{'expired' if what == 'certificate' else 'issuing CA expired'} on "
                            f"{c.not_valid_after_utc.date().isoformat()}")
        elif now < c.not_valid_before_utc:
            problems.append(f"{what} not valid before {c.not_valid_before_utc.date().isoformat()}")
    return problems


def server_name(address: str) -> str:
    """The name checked against the certificate: the address reached (an IPv6 zone is not part of it)."""
    host = address.split("%", 1)[0]
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return host


async def verify(address: str, port: int, timeout: float, bundle: CaBundle,
                 presented: bytes | None = None, now: datetime | None = None) -> TlsEndpointVerification:
    """One verifying TLS handshake with `address:port` (one extra connection, within `timeout`).

    `presented` is the certificate the reader's own handshake saw: it names a certificate that fails
    verification (OpenSSL ends such a handshake before handing it over).
    """
    host = server_name(address)
    cert = _load(presented)
    writer = None
    try:
        async with asyncio.timeout(timeout):
            _, writer = await asyncio.open_connection(address, port, ssl=verifying_context(bundle),
                                                      server_hostname=host)
            obj = writer.get_extra_info("ssl_object")
            der = obj.getpeercert(binary_form=True) if obj is not None else None
            cert = _load(der) or cert
    except TimeoutError:
        return _result(port, host, None, f"no verifying TLS handshake within {timeout:g} s", *_names(cert))
    except ssl.SSLCertVerificationError as exc:
        problems = [_failure(exc, cert)]
        if cert is not None:
            problems += _dates(cert, bundle.certificates(), now or clock.now())
        return _result(port, host, False, "; ".join(problems), *_names(cert))
    except (ssl.SSLError, OSError) as exc:
        why = getattr(exc, "reason", None) or getattr(exc, "strerror", None) or exc
        return _result(port, host, None, f"the verifying TLS handshake failed: {why}", *_names(cert))
    finally:
        if writer is not None:
            writer.close()
    if cert is None:
        return _result(port, host, None, "the verifying handshake showed no certificate")
    problems = _dates(cert, bundle.certificates(), now or clock.now())
    if problems:
        return _result(port, host, False, "; ".join(problems), *_names(cert))
    return _result(port, host, True, None, *_names(cert))


def _load(der: bytes | None) -> x509.Certificate | None:
    if not der:
        return None
    try:
        return x509.load_der_x509_certificate(der)
    except ValueError:
        return None


def _result(port: int, host: str, verified: bool | None, reason: str | None, subject: str | None = None,
            issuer: str | None = None) -> TlsEndpointVerification:
    return TlsEndpointVerification(port=port, host=host, verified=verified, reason=reason, subject=subject,
                                   issuer=issuer)


def _names(cert: x509.Certificate | None) -> tuple[str | None, str | None]:
    """(subject, issuer) as evidence; None when no certificate could be read."""
    if cert is None:
        return None, None
    try:
        return cert.subject.rfc4514_string()[:512], cert.issuer.rfc4514_string()[:512]
    except ValueError:
        return None, None
