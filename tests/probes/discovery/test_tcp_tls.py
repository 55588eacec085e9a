"""The TCP sweep's ONVIF check over TLS: HTTPS-only NonDiscoverable lab cameras are found (TLS first on
8443, TLS after a failed plain-HTTP try elsewhere, TLS after an HTTP 400 "plain HTTP sent to HTTPS port"),
recorded with an https XAddr, and read by the ONVIF reader over that XAddr."""

from __future__ import annotations

import asyncio
import contextlib
import socket

from lab import parse_fleet, run_fleet
from lab.tls import CertificateFactory
from probes import factvalues as fv
from probes.discovery import Signal, discover_report
from probes.discovery._tcp_probe import looks_like_tls
from probes.onvif import OnvifReader
from probes.scope import Scope
from tests.probes.discovery.loopfleet import guid_reply, loopback_subnet

UUID = "urn:uuid:0d15c0ee-7777-4aaa-8bbb-000000000001"


def _fleet(address: str, port: int) -> object:
    return parse_fleet(f"""
version: 1
cameras:
  - name: tls-hidden
    address: {address}
    identity: {{endpoint_uuid: "{UUID}", model: HiddenTLS}}
    auth: {{users: {{auditor: {{password: demo-pass, level: Administrator}}}}}}
    network: {{discovery_mode: NonDiscoverable}}
    tls: {{enabled: true, plain_http: false, port: {port}}}
""", "tcp-tls.yaml")


async def _discover_one(address: str, port: int):
    report = await discover_report(Scope.parse([address]), ports=[port], timeout=1.0)
    assert len(report.devices) == 1, report.devices
    return report.devices[0]


async def test_https_only_camera_on_an_unusual_port_is_found_and_read() -> None:
    address = str(loopback_subnet().network_address + 1)
    async with run_fleet(_fleet(address, 0), port_override=0, discovery=True) as running:
        cam = running.cameras[0]
        device = await _discover_one(address, cam.tls_port)
        assert device.signals == [Signal.TCP]  # NonDiscoverable: silent to WS-Discovery
        assert device.onvif_ports == [cam.tls_port] and device.open_ports == [cam.tls_port]
        assert device.xaddrs == [cam.xaddr] and cam.xaddr.startswith("https://")
        assert device.endpoint_uuid == UUID.removeprefix("urn:uuid:")  # GetEndpointReference over TLS
        async with OnvifReader(username="auditor", password="demo-pass") as reader:
            sheet = await reader.read(device)
        assert sheet.errors == [] and sheet.value("identity.model") == "HiddenTLS"
        assert sheet.value(fv.tls.VERSIONS).onvif_over_https is True
        assert all(r.tls for r in cam.requests)


async def test_https_only_camera_on_8443_is_tried_with_tls_first() -> None:
    address = str(loopback_subnet().network_address + 2)
    async with run_fleet(_fleet(address, 8443)) as running:  # a private 127.x address: 8443 is free there
        cam = running.cameras[0]
        assert cam.tls_port == 8443
        device = await _discover_one(address, 8443)
        assert device.onvif_ports == [8443] and device.xaddrs == [f"https://{address}:8443/onvif/device_service"]
        # TLS first: the camera only ever saw TLS requests (a plain-HTTP try would not reach the app at all)
        assert [r.operation for r in cam.requests] == ["tds:GetSystemDateAndTime", "tds:GetEndpointReference"]


@contextlib.asynccontextmanager
async def _nginx_like(address: str):
    """One port, both: TLS ClientHello -> SOAP over TLS; plain HTTP -> 400 "sent to HTTPS port" (like nginx)."""
    spec = _fleet(address, 0).cameras[0]  # type: ignore[attr-defined]
    ctx = CertificateFactory().server_context(spec, address)
    loop = asyncio.get_running_loop()
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind((address, 0))
    listener.listen(16)
    listener.setblocking(False)
    seen: list[str] = []

    async def serve(conn: socket.socket) -> None:
        conn.setblocking(True)
        conn.settimeout(5)
        first = await loop.run_in_executor(None, conn.recv, 1, socket.MSG_PEEK)
        conn.setblocking(False)
        tls = first == b"\x16"
        seen.append("tls" if tls else "plain")
        reader = asyncio.StreamReader()
        protocol = asyncio.StreamReaderProtocol(reader)
        transport, _ = await loop.connect_accepted_socket(lambda: protocol, sock=conn, ssl=ctx if tls else None)
        writer = asyncio.StreamWriter(transport, protocol, reader, loop)
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                           if line.lower().startswith(b"content-length:")), 0)
            await reader.readexactly(length)
            if tls:
                body = guid_reply(UUID.removeprefix("urn:uuid:"))
                status = b"200 OK"
            else:
                body = b"<html><body>400 The plain HTTP request was sent to HTTPS port</body></html>"
                status = b"400 Bad Request"
            writer.write(b"HTTP/1.1 " + status + b"\r\nContent-Type: application/soap+xml\r\nContent-Length: "
                         + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body)
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, OSError):
            pass
        finally:
            writer.close()

    async def accept() -> None:
        tasks = set()
        while True:
            conn, _ = await loop.sock_accept(listener)
            task = asyncio.create_task(serve(conn))
            tasks.add(task)
            task.add_done_callback(tasks.discard)

    acceptor = asyncio.create_task(accept())
    try:
        yield listener.getsockname()[1], seen
    finally:
        acceptor.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await acceptor
        listener.close()


async def test_tls_looking_http_reply_leads_to_a_tls_retry() -> None:
    address = str(loopback_subnet().network_address + 3)
    async with _nginx_like(address) as (port, seen):
        device = await _discover_one(address, port)
    assert seen[0] == "plain" and "tls" in seen  # plain HTTP first, then TLS on the same port
    assert device.onvif_ports == [port] and device.xaddrs == [f"https://{address}:{port}/onvif/device_service"]
    assert device.endpoint_uuid == UUID.removeprefix("urn:uuid:")


def test_looks_like_tls() -> None:
    assert looks_like_tls(400, b"The plain HTTP request was sent to HTTPS port")
    assert looks_like_tls(200, b"\x15\x03\x01\x00\x02\x02\x46")  # a TLS alert record
    assert not looks_like_tls(400, b"<html>Bad Request</html>")
    assert not looks_like_tls(404, b"use https instead")
