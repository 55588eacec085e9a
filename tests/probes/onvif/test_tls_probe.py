"""probes.onvif._tls against real sockets: a TLS lab camera, a plain-HTTP port, a port that never speaks,
and certificate parsing (self-signed vs issued, expiry at a given time, key types)."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import serialization

from lab import parse_fleet, run_fleet
from lab.tls import CertificateFactory
from probes.errors import BadReply, DeviceTimeout
from probes.onvif import _tls as T

FLEET = parse_fleet("""
version: 1
cameras:
  - {name: tls-cam, address: 127.0.15.1, port: 0, tls: {enabled: true, port: 0}}
""", "tls-probe.yaml")


async def test_handshake_and_failures() -> None:
    async with run_fleet(FLEET, port_override=0) as running:
        cam = running.cameras[0]
        shake = await T.handshake(cam.address, cam.tls_port, 2)
        assert shake.protocol == "TLSv1.3" and shake.port == cam.tls_port and shake.certificate
        assert await T.accepts_legacy(cam.address, cam.tls_port, 2) is False
        with pytest.raises(T.NotTls, match="TLS handshake failed|reset the connection"):
            await T.handshake(cam.address, cam.port, 2)  # the plain HTTP listener
    silent = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:  # listens but never accepts: the TCP handshake completes, TLS never answers
        silent.bind(("127.0.15.2", 0))
        silent.listen(1)
        with pytest.raises(DeviceTimeout, match="no TLS handshake"):
            await T.handshake("127.0.15.2", silent.getsockname()[1], 0.5)
    finally:
        silent.close()
    with pytest.raises(T.NotTls, match="refused"):
        await T.handshake("127.0.15.2", 1, 1)


def test_certificate_facts() -> None:
    spec = parse_fleet("version: 1\ncameras: [{name: c, address: 127.0.15.3, tls: {enabled: true, "
                       "self_signed: false, key_type: ec, key_bits: 384}}]\n").cameras[0]
    factory = CertificateFactory(now=datetime(2026, 1, 1, tzinfo=UTC))
    cert, _ = factory.certificate(spec, "127.0.15.3")
    der = cert.public_bytes(serialization.Encoding.DER)
    facts = T.certificate_facts(der, datetime(2026, 6, 1, tzinfo=UTC))
    assert facts.self_signed is False and facts.issuer == "CN=camaudit lab CA,O=camaudit lab"
    assert (facts.key_type, facts.key_bits, facts.signature_hash) == ("ec", 384, "sha256")
    assert facts.expired is False and facts.not_after == "2027-01-01T00:00:00+00:00"
    later = T.certificate_facts(der, datetime(2027, 1, 1, tzinfo=UTC) + timedelta(seconds=1))
    assert later.expired is True
    own = parse_fleet("version: 1\ncameras: [{name: d, address: 127.0.15.4, tls: {enabled: true}}]\n").cameras[0]
    own_cert, _ = factory.certificate(own, "127.0.15.4")
    assert T.certificate_facts(own_cert.public_bytes(serialization.Encoding.DER)).self_signed is True
    with pytest.raises(BadReply, match="cannot be parsed"):
        T.certificate_facts(b"\x30\x03\x02\x01\x00")
