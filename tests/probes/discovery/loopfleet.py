"""Lab cameras on loopback addresses for discovery tests: unicast WS-Discovery + an ONVIF HTTP endpoint each.

Each test gets its own 127.x.y.0/28 (x from the pid, y random) so parallel runs do not meet.
"""

from __future__ import annotations

import ipaddress
import os
import random
from collections.abc import Awaitable, Callable
from typing import Self

from aiohttp import web

from lab.responders import LabResponders, ResponderCamera

SOAP_REPLY = (b'<?xml version="1.0"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>'
              b'<tds:GetSystemDateAndTimeResponse xmlns:tds="http://www.onvif.org/ver10/device/wsdl"/>'
              b"</s:Body></s:Envelope>")
MAKERS = [("Axis", "P3245-LVE", "00:40:8c"), ("Hikvision", "DS-2CD2143G2", "bc:ad:28"),
          ("Bosch", "FLEXIDOME", "00:07:5f"), ("Dahua", "IPC-HFW5442", "3c:ef:8c")]


def loopback_subnet() -> ipaddress.IPv4Network:
    second, third, fourth = 200 + os.getpid() % 50, random.randint(0, 255), 16 * random.randint(1, 14)
    return ipaddress.IPv4Network(f"127.{second}.{third}.{fourth}/28")


def make_camera(net: ipaddress.IPv4Network, n: int, *, port: int, discoverable: bool = True,
                extra_xaddrs: tuple[str, ...] = ()) -> ResponderCamera:
    address = str(net.network_address + n)
    maker, model, oui = MAKERS[n % len(MAKERS)]
    return ResponderCamera(
        endpoint_uuid=f"c0ffee00-0000-4000-8000-{int(net.network_address) % 10**8:08d}{n:04d}", address=address,
        xaddrs=[f"http://{address}:{port}/onvif/device_service", *extra_xaddrs],
        scopes=[f"onvif://www.onvif.org/name/cam{n}", f"onvif://www.onvif.org/hardware/{model}",
                "onvif://www.onvif.org/Profile/Streaming"],
        types=["dn:NetworkVideoTransmitter", "tds:Device"], discoverable=discoverable, name=f"cam{n}",
        manufacturer=maker, model=model, serial=f"SN{n:06d}", mac=f"{oui}:00:00:{n:02x}", hostname=f"cam{n}",
        http_port=port)


def guid_reply(endpoint_uuid: str) -> bytes:
    return (b'<?xml version="1.0"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>'
            b'<tds:GetEndpointReferenceResponse xmlns:tds="http://www.onvif.org/ver10/device/wsdl"><tds:GUID>'
            + f"urn:uuid:{endpoint_uuid}".encode() + b"</tds:GUID></tds:GetEndpointReferenceResponse>"
            b"</s:Body></s:Envelope>")


async def soap_endpoint(request: web.Request) -> web.Response:
    """GetEndpointReference gets the camera's uuid (by the address it was asked on); anything else a time reply."""
    body = await request.read()
    uuids: dict[str, str] = request.app.get(UUIDS, {})
    local = request.transport.get_extra_info("sockname")[0] if request.transport else ""
    if b"GetEndpointReference" in body and local in uuids:
        return web.Response(body=guid_reply(uuids[local]), content_type="application/soap+xml")
    return web.Response(body=SOAP_REPLY, content_type="application/soap+xml")


UUIDS = web.AppKey("uuids", dict)


class LoopbackFleet:
    """Cameras .1-.4 of `net` (the 4th NonDiscoverable), each with its own HTTP port."""

    def __init__(self, net: ipaddress.IPv4Network, count: int = 4,
                 handler: Callable[[web.Request], Awaitable[web.StreamResponse]] = soap_endpoint,
                 extra_xaddrs: dict[int, tuple[str, ...]] | None = None) -> None:
        self.net = net
        self.extra_xaddrs = extra_xaddrs or {}
        self.count = count
        self.handler = handler
        self.cameras: list[ResponderCamera] = []
        self.ports: dict[str, int] = {}
        self._runner: web.AppRunner | None = None
        self._responders: LabResponders | None = None

    async def __aenter__(self) -> Self:
        app = web.Application()
        app[UUIDS] = uuids = {}
        app.router.add_post("/onvif/device_service", self.handler)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        for n in range(1, self.count + 1):
            address = str(self.net.network_address + n)
            site = web.TCPSite(self._runner, address, 0)
            await site.start()
            port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            self.ports[address] = port
            self.cameras.append(make_camera(self.net, n, port=port, discoverable=n != self.count,
                                            extra_xaddrs=self.extra_xaddrs.get(n, ())))
            uuids[address] = self.cameras[-1].endpoint_uuid
        self._responders = LabResponders(self.cameras)
        await self._responders.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._responders is not None:
            await self._responders.__aexit__(*exc)
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def scope_targets(self) -> list[str]:
        return [str(self.net)]

    @property
    def all_ports(self) -> list[int]:
        return sorted(self.ports.values())

    def uuids(self, *, discoverable_only: bool = False) -> set[str]:
        return {c.endpoint_uuid for c in self.cameras if c.discoverable or not discoverable_only}
