"""run_fleet(discovery=True) starts the WS-Discovery responders: discoverable cameras answer a unicast
Probe with their XAddrs, NonDiscoverable ones stay silent."""

from __future__ import annotations

import asyncio
import os
import socket
import uuid

from lab import parse_fleet, run_fleet

NET = f"127.0.{31 + os.getpid() % 200}"  # UDP 3702 per camera address: keep parallel runs apart

PROBE = """<?xml version="1.0" encoding="UTF-8"?>
<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing"
 xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery">
<s:Header><a:Action s:mustUnderstand="1">http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</a:Action>
<a:MessageID>urn:uuid:{id}</a:MessageID><a:To s:mustUnderstand="1">urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To>
</s:Header><s:Body><d:Probe/></s:Body></s:Envelope>"""


async def _probe(address: str) -> bytes | None:
    loop = asyncio.get_running_loop()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.setblocking(False)
    try:
        await loop.sock_sendto(sock, PROBE.format(id=uuid.uuid4()).encode(), (address, 3702))
        return await asyncio.wait_for(loop.sock_recv(sock, 65535), 1.5)
    except TimeoutError:
        return None
    finally:
        sock.close()


async def test_unicast_probe_and_non_discoverable() -> None:
    fleet = parse_fleet(f"""
cameras:
  - name: seen
    address: {NET}.10
  - name: hidden
    address: {NET}.11
    network: {{discovery_mode: NonDiscoverable}}
""")
    async with run_fleet(fleet, port_override=0, discovery=True) as running:
        seen, hidden = running.cameras
        reply = await _probe(seen.address)
        assert reply is not None and b"ProbeMatch" in reply
        assert seen.xaddr.encode() in reply and seen.spec.endpoint_uuid.encode() in reply
        assert await _probe(hidden.address) is None

