"""What a device's HTTPS really offers: one TLS handshake, its certificate, and whether TLS < 1.2 is accepted.

Cameras use self-signed certificates, so nothing is verified (CERT_NONE): we
record what was presented instead (`tls.certificate`) and let the checks judge
it. The client contexts deliberately allow weak keys and old protocol versions
(OpenSSL security level 0) so a weak device can be read and reported rather than
be unreachable; `legacy_context` offers only TLS 1.0/1.1 to test whether the
device still accepts them.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import ssl
import warnings
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa

from probes import clock
from probes.errors import BadReply, DeviceError, DeviceTimeout
from probes.factvalues.tls import TlsCertificate

_PERMISSIVE_CIPHERS = "DEFAULT:@SECLEVEL=0"


def client_context() -> ssl.SSLContext:
    """The reader's context: no verification (self-signed cameras), every version the device may speak."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.set_ciphers(_PERMISSIVE_CIPHERS)
    with warnings.catch_warnings():  # TLS 1.0 is deprecated; a camera that only speaks it is still read
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx.minimum_version = ssl.TLSVersion.TLSv1
    return ctx


def legacy_context() -> ssl.SSLContext | None:
    """A context that offers only TLS 1.0 and 1.1, or None when this OpenSSL build cannot."""
    if not (ssl.HAS_TLSv1 or ssl.HAS_TLSv1_1):
        return None
    ctx = client_context()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            ctx.maximum_version = ssl.TLSVersion.TLSv1_1
    except (ValueError, ssl.SSLError):  # pragma: no cover - depends on the OpenSSL build
        return None
    return ctx


@functools.cache
def _shared_client_context() -> ssl.SSLContext:
    """One unverified context for every probe handshake of the process (building one costs ~1 ms of CPU)."""
    return client_context()


@functools.cache
def _shared_legacy_context() -> ssl.SSLContext | None:
    return legacy_context()


@dataclass(slots=True)
class Handshake:
    port: int
    protocol: str  # "TLSv1.3"
    cipher: str
    certificate: bytes  # DER of the leaf certificate
    at: datetime


class NotTls(DeviceError):
    """The port refused the connection or answered, but not with TLS."""


async def handshake(address: str, port: int, timeout: float, ctx: ssl.SSLContext | None = None) -> Handshake:
    """One TLS handshake with the device (no HTTP request is sent), then close."""
    ctx = ctx or _shared_client_context()
    writer = None
    try:
        async with asyncio.timeout(timeout):
            _, writer = await asyncio.open_connection(address, port, ssl=ctx, server_hostname=None)
            obj: Any = writer.get_extra_info("ssl_object")
            der = obj.getpeercert(binary_form=True) if obj is not None else None
            if obj is None or not der:
                raise BadReply(f"{address}:{port}: TLS handshake without a server certificate")
            cipher = obj.cipher()
            return Handshake(port, str(obj.version()), str(cipher[0]) if cipher else "?", der, clock.now())
    except TimeoutError:
        raise DeviceTimeout(f"no TLS handshake with {address}:{port} within {timeout:g} s") from None
    except ConnectionRefusedError:
        raise NotTls(f"{address}:{port} refused the connection (no HTTPS listener)") from None
    except ConnectionResetError:  # e.g. OpenSSL servers answer an unacceptable version with an alert and a reset
        raise NotTls(f"{address}:{port} reset the connection during the TLS handshake") from None
    except ssl.SSLError as exc:
        raise NotTls(f"{address}:{port} answered, but the TLS handshake failed: {exc.reason or exc}") from None
    except OSError as exc:
        raise DeviceError(f"TLS connection to {address}:{port} failed: {exc.strerror or exc}") from None
    finally:
        if writer is not None:
            writer.close()


async def accepts_legacy(address: str, port: int, timeout: float) -> bool | None:
    """Whether the device completes a handshake offering only TLS 1.0/1.1 (None: cannot tell here)."""
    ctx = _shared_legacy_context()
    if ctx is None:
        return None
    try:
        await handshake(address, port, timeout, ctx)
    except NotTls:
        return False
    except DeviceError:
        return None
    return True


def _key(cert: x509.Certificate) -> tuple[str, int | None]:
    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        return "rsa", key.key_size
    if isinstance(key, ec.EllipticCurvePublicKey):
        return "ec", key.key_size
    if isinstance(key, dsa.DSAPublicKey):
        return "dsa", key.key_size
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "ed25519", 256
    if isinstance(key, ed448.Ed448PublicKey):
        return "ed448", 456
    return type(key).__name__, None


def _self_signed(cert: x509.Certificate) -> bool:
    if cert.subject != cert.issuer:
        return False
    try:
        cert.verify_directly_issued_by(cert)
    except (InvalidSignature, UnsupportedAlgorithm, ValueError, TypeError):  # not provably self-signed
        return False
    return True


def certificate_facts(der: bytes, now: datetime | None = None) -> TlsCertificate:
    """The `tls.certificate` value of a DER certificate (raises BadReply when it cannot be parsed)."""
    try:
        cert = x509.load_der_x509_certificate(der)
        not_after = cert.not_valid_after_utc
        not_before = cert.not_valid_before_utc
        subject, issuer = cert.subject.rfc4514_string(), cert.issuer.rfc4514_string()
        algorithm = cert.signature_hash_algorithm
    except (ValueError, x509.UnsupportedGeneralNameType) as exc:
        raise BadReply(f"the TLS certificate cannot be parsed: {exc}") from None
    except UnsupportedAlgorithm as exc:
        raise BadReply(f"the TLS certificate cannot be parsed: {type(exc).__name__}: {exc}") from None
    key_type, key_bits = _key(cert)
    now = now or clock.now()
    return TlsCertificate(
        subject=subject[:512],
        issuer=issuer[:512],
        self_signed=_self_signed(cert),
        not_before=not_before.isoformat(),
        not_after=not_after.isoformat(),
        expired=now > not_after,
        key_type=key_type,
        key_bits=key_bits,
        signature_hash=algorithm.name if algorithm is not None else None,
        sha256=hashlib.sha256(der).hexdigest(),
    )
