"""Transport security facts: the TLS handshake observed on the device's HTTPS port (not a setting)."""

from __future__ import annotations

from probes.factvalues._base import FactValue, fact


class TlsVersions(FactValue):
    served: bool  # False: the port GetNetworkProtocols names refused TLS
    port: int
    negotiated: str | None = None  # "TLSv1.3" ...
    cipher: str | None = None
    legacy_accepted: bool | None = None  # a TLS 1.0/1.1 handshake completed; None: not testable from here
    onvif_over_https: bool | None = None  # the ONVIF read itself went over HTTPS


class TlsCertificate(FactValue):
    """The server certificate presented in that handshake (recorded, not verified)."""

    subject: str
    issuer: str
    self_signed: bool
    not_before: str  # ISO time
    not_after: str
    expired: bool  # at the time of the handshake
    key_type: str  # rsa | ec | ed25519 | ...
    key_bits: int | None = None
    signature_hash: str | None = None
    sha256: str  # hex fingerprint of the DER certificate


class TlsEndpointVerification(FactValue):
    """One verifying handshake with one HTTPS port the reader used."""

    port: int
    host: str  # the address the scanner reached, checked against the certificate's names
    verified: bool | None = None  # None: the verifying handshake failed or timed out (reason says why)
    reason: str | None = None  # "self-signed", "unknown issuer (...)", "expired on ...", "name mismatch: ..."
    subject: str | None = None
    issuer: str | None = None


class TlsVerification(FactValue):
    """Whether the certificate verifies against the site's CA bundle (only when one was given)."""

    requested: bool  # False: no CA bundle was given; nothing was verified (never read as "verified")
    verified: bool | None = None  # every endpoint verified; None when not requested
    reason: str | None = None  # the first failure, or why it was not requested
    bundle: str | None = None  # the CA bundle's file name
    endpoints: tuple[TlsEndpointVerification, ...] = ()


VERSIONS = fact("tls.versions", TlsVersions, "tls-handshake",
                "What the device's HTTPS port really negotiates; served=false when the port that "
                "GetNetworkProtocols names refused TLS. unsupported: HTTPS off and ONVIF read over plain HTTP")
CERTIFICATE = fact("tls.certificate", TlsCertificate, "tls-handshake",
                   "The server certificate presented in that handshake (not verified: recorded)")

VERIFICATION = fact("tls.verification", TlsVerification, "tls-verify",
                    "The certificate checked against the site's CA bundle (--ca-bundle, scan.ca_bundle) in one "
                    "extra verifying handshake per HTTPS port: chain and the reached address; requested=false "
                    "when no bundle was given. error: the verifying handshake failed or timed out")

SPECS = (VERSIONS, CERTIFICATE, VERIFICATION)
