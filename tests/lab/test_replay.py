"""`lab.replay` serves captured HTTPS on ephemeral ports, rewrites the device's own URLs to them, and its
certificate names the address actually served (issue 20).

Before: the replay bound the captured HTTPS port, so two replays of one capture (or a port already in
use) collided, and its certificate named 127.0.0.1 even when serving on ::1.
"""

from __future__ import annotations

import asyncio
import copy
import ipaddress
import json
import socket
import ssl
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from cryptography import x509

from lab.replay import run_replay
from lab.server import listen_socket

ROOT = Path(__file__).resolve().parents[2]
CAPTURE = ROOT / "tests" / "corpus" / "hotel-lobby" / "capture.json"
CAPTURED = "192.0.2.1"  # the pseudonymised address of the captured device
CAPTURED_HTTP, CAPTURED_HTTPS = 34927, 41121
HOST = "127.0.30.7"


def _archive() -> dict[str, Any]:
    """The hotel-lobby capture, whose GetCapabilities also lists its https service and a default-port URL."""
    archive: dict[str, Any] = json.loads(CAPTURE.read_text(encoding="utf-8"))
    archive = copy.deepcopy(archive)
    (caps,) = [ex for ex in archive["exchanges"] if ex["operation"] == "tds:GetCapabilities"][:1]
    body = caps["reply_body"]
    for old, new in ((f"http://{CAPTURED}:{CAPTURED_HTTP}/onvif/imaging_service",
                      f"https://{CAPTURED}:{CAPTURED_HTTPS}/onvif/imaging_service"),
                     (f"http://{CAPTURED}:{CAPTURED_HTTP}/onvif/search_service",
                      f"http://{CAPTURED}/onvif/search_service")):
        assert old in body
        body = body.replace(old, new)
    caps["reply_body"] = body
    return archive


def _request(archive: dict[str, Any], operation: str) -> str:
    return str(next(ex["request_body"] for ex in archive["exchanges"] if ex["operation"] == operation))


async def _post(url: str, body: str) -> str:
    async with aiohttp.ClientSession() as session, session.post(
            url, data=body.encode(), headers={"Content-Type": "application/soap+xml"}) as reply:
        assert reply.status == 200
        return await reply.text()


def _served_certificate(host: str, port: int) -> x509.Certificate:
    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE  # self-signed: we only read what it names
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.create_connection((host, port), timeout=10) as raw, ctx.wrap_socket(raw) as tls:
        assert raw.family == family
        der = tls.getpeercert(binary_form=True)
    assert der is not None
    return x509.load_der_x509_certificate(der)


def _san_addresses(cert: x509.Certificate) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return list(san.get_values_for_type(x509.IPAddress))  # type: ignore[arg-type]


async def test_two_replays_of_one_capture_serve_at_once_each_on_its_own_ports() -> None:
    archive = _archive()
    taken = listen_socket(HOST, CAPTURED_HTTPS)  # the captured HTTPS port is in use on this address
    try:
        async with run_replay(archive, host=HOST) as one, run_replay(archive, host=HOST) as two:
            assert {one.ports[CAPTURED_HTTPS], two.ports[CAPTURED_HTTPS]}.isdisjoint({CAPTURED_HTTPS})
            assert one.ports[CAPTURED_HTTPS] != two.ports[CAPTURED_HTTPS]
            assert one.tls_ports == [one.ports[CAPTURED_HTTPS]]
            for replay in (one, two):
                body = await _post(replay.xaddr, _request(archive, "tds:GetCapabilities"))
                https = replay.ports[CAPTURED_HTTPS]
                assert f"https://{HOST}:{https}/onvif/imaging_service" in body  # the https service, moved
                assert f"http://{HOST}:{replay.port}/onvif/media_service" in body  # the captured plain port
                assert f"http://{HOST}/onvif/search_service" in body  # another port (80) keeps its number
                assert CAPTURED not in body
                cert = await asyncio.to_thread(_served_certificate, HOST, https)
                assert _san_addresses(cert) == [ipaddress.ip_address(HOST)]
                protocols = await _post(replay.xaddr, _request(archive, "tds:GetNetworkProtocols"))
                assert f"<tt:Port>{https}</tt:Port>" in protocols  # the HTTPS port a reader probes TLS on
                assert f"<tt:Port>{CAPTURED_HTTPS}</tt:Port>" not in protocols
    finally:
        taken.close()


@pytest.mark.parametrize("host", ["::1", "127.0.30.8"])
async def test_the_certificate_names_the_address_served(host: str) -> None:
    archive = _archive()
    async with run_replay(archive, host=host) as replay:
        https = replay.ports[CAPTURED_HTTPS]
        cert = await asyncio.to_thread(_served_certificate, host, https)
        body = await _post(replay.xaddr, _request(archive, "tds:GetCapabilities"))
    assert _san_addresses(cert) == [ipaddress.ip_address(host)]
    bracketed = f"[{host}]" if ":" in host else host
    assert f"https://{bracketed}:{https}/onvif/imaging_service" in body
