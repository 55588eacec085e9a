"""run_fleet options: one bind address for every camera, reply delay, a clear error when a port is taken."""

from __future__ import annotations

import asyncio
import socket

import aiohttp
import pytest

from lab import FleetStartError, parse_fleet, run_fleet
from tests.lab.soapclient import soap

TWO = ("defaults: {auth: {users: {auditor: {password: demo-pass}}}}\n"
       "cameras:\n  - {name: a, address: 127.0.0.1, port: 8001}\n  - {name: b, address: 127.0.0.1, port: 8002}\n")


async def test_bind_host_override_and_xaddrs(demo_fleet, http) -> None:
    async with run_fleet(demo_fleet, port_override=0, bind_host_override="127.0.0.1") as running:
        assert {c.address for c in running.cameras} == {"127.0.0.1"}
        assert len({c.port for c in running.cameras}) == len(running.cameras)
        cam = running.camera("hotel-corridor")
        reply = await soap(http, cam, "tds", "GetServices", user=None)
        assert all(x.text.startswith(f"http://127.0.0.1:{cam.port}/") for x in reply.findall(".//tds:XAddr"))
        assert (await soap(http, cam, "tds", "GetDeviceInformation")).text(".//tds:Model") == "FLEXIDOME IP 4000i"
        assert running.received()["hotel-corridor"] == ["tds:GetServices", "tds:GetDeviceInformation"]


async def test_reply_delay(http) -> None:
    async with run_fleet(parse_fleet(TWO), port_override=0, reply_delay_s=2.0) as running:
        with pytest.raises(asyncio.TimeoutError):
            await soap(http, running.cameras[0], "tds", "GetHostname", user=None,
                       timeout=aiohttp.ClientTimeout(total=0.3))
        assert running.cameras[0].received == ["tds:GetHostname"]


async def test_port_taken_is_a_clear_oserror() -> None:
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", 0))
    blocker.listen()
    port = blocker.getsockname()[1]
    try:
        with pytest.raises(FleetStartError, match=f"camera a: cannot listen on 127.0.0.1:{port}"):
            async with run_fleet(parse_fleet(TWO), port_override=port):
                pass
        with pytest.raises(OSError):
            async with run_fleet(parse_fleet(TWO), port_override=port):
                pass
    finally:
        blocker.close()


async def test_bind_override_refuses_wildcard_and_public(demo_fleet) -> None:
    for host in ("0.0.0.0", "8.8.8.8"):
        with pytest.raises(ValueError, match="loopback, private or RFC 5737"):
            async with run_fleet(demo_fleet, port_override=0, bind_host_override=host):
                pass
