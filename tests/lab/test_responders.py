"""Lab discovery responders over real UDP on loopback (unicast; multicast is covered in namespaces).

Replies are read with plain lxml here, not with the scanner's parser, so each side is checked on its own.
"""

from __future__ import annotations

import asyncio
import os
import random
import socket
import uuid
from collections.abc import AsyncIterator

import pytest
from lxml import etree

from lab.responders import LabResponders, ResponderCamera, device_description

NS = {"s": "http://www.w3.org/2003/05/soap-envelope", "a": "http://schemas.xmlsoap.org/ws/2004/08/addressing",
      "d": "http://schemas.xmlsoap.org/ws/2005/04/discovery"}
DN = "http://www.onvif.org/ver10/network/wsdl"
TDS = "http://www.onvif.org/ver10/device/wsdl"


def subnet() -> str:
    return f"127.{150 + os.getpid() % 50}.{random.randint(0, 255)}"


def cam(address: str, *, discoverable: bool = True) -> ResponderCamera:
    return ResponderCamera(
        endpoint_uuid=str(uuid.uuid4()), address=address, xaddrs=[f"http://{address}:8000/onvif/device_service"],
        scopes=["onvif://www.onvif.org/Profile/Streaming", "onvif://www.onvif.org/name/Gate%20A",
                "onvif://www.onvif.org/hardware/IPC3614"],
        types=["dn:NetworkVideoTransmitter", "tds:Device"], discoverable=discoverable, name="Gate A & <B>",
        manufacturer="Uniview", model="IPC3614", serial="210235C3", mac="48:ea:63:00:00:01", hostname="gate-a",
        http_port=8000, metadata_version=3)


def probe(message_id: str, types: list[tuple[str, str]] = (), scopes: str | None = None,
          match_by: str | None = None) -> bytes:
    decls = " ".join(f'xmlns:t{i}="{ns}"' for i, (ns, _) in enumerate(types))
    names = " ".join(f"t{i}:{local}" for i, (_, local) in enumerate(types))
    scope_el = ""
    if scopes is not None:
        attr = f' MatchBy="{match_by}"' if match_by else ""
        scope_el = f"<d:Scopes{attr}>{scopes}</d:Scopes>"
    return (f'<s:Envelope xmlns:s="{NS["s"]}" xmlns:a="{NS["a"]}" xmlns:d="{NS["d"]}" {decls}><s:Header>'
            f"<a:MessageID>{message_id}</a:MessageID><a:To>urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To>"
            f"<a:Action>{NS['d']}/Probe</a:Action></s:Header><s:Body><d:Probe>"
            f"{'<d:Types>' + names + '</d:Types>' if types else ''}{scope_el}</d:Probe></s:Body></s:Envelope>"
            ).encode()


class Client(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.replies: asyncio.Queue[tuple[bytes, str]] = asyncio.Queue()

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.replies.put_nowait((data, addr[0]))

    async def ask(self, transport: asyncio.DatagramTransport, data: bytes, address: str,
                  wait: float = 0.3) -> list[tuple[bytes, str]]:
        transport.sendto(data, (address, 3702))
        await asyncio.sleep(wait)
        out = []
        while not self.replies.empty():
            out.append(self.replies.get_nowait())
        return out


@pytest.fixture
async def udp() -> AsyncIterator[tuple[asyncio.DatagramTransport, Client]]:
    transport, client = await asyncio.get_running_loop().create_datagram_endpoint(
        Client, local_addr=("127.0.0.1", 0), family=socket.AF_INET)
    yield transport, client
    transport.close()


async def test_unicast_probe_gets_a_complete_probe_match(udp: tuple[asyncio.DatagramTransport, Client]) -> None:
    transport, client = udp
    camera = cam(f"{subnet()}.5")
    async with LabResponders([camera]):
        ((data, source),) = await client.ask(transport, probe("urn:uuid:m-1", [(DN, "NetworkVideoTransmitter")]),
                                             camera.address)
    assert source == camera.address
    root = etree.fromstring(data)
    assert root.xpath("string(//a:RelatesTo)", namespaces=NS) == "urn:uuid:m-1"
    assert root.xpath("string(//a:Action)", namespaces=NS) == f"{NS['d']}/ProbeMatches"
    match = root.xpath("//d:ProbeMatches/d:ProbeMatch", namespaces=NS)[0]
    assert match.xpath("string(a:EndpointReference/a:Address)", namespaces=NS) == f"urn:uuid:{camera.endpoint_uuid}"
    assert match.xpath("string(d:XAddrs)", namespaces=NS).split() == camera.xaddrs
    assert match.xpath("string(d:Scopes)", namespaces=NS).split() == camera.scopes
    assert match.xpath("string(d:MetadataVersion)", namespaces=NS) == "3"
    types_el = match.xpath("d:Types", namespaces=NS)[0]
    resolved = {(types_el.nsmap[p], local) for p, local in (t.split(":") for t in types_el.text.split())}
    assert resolved == {(DN, "NetworkVideoTransmitter"), (TDS, "Device")}


@pytest.mark.parametrize(("types", "scopes", "match_by", "answered"), [
    ([], None, None, True),  # untyped Probe: everyone
    ([(TDS, "Device")], None, None, True),
    ([(DN, "NetworkVideoTransmitter"), (TDS, "Device")], None, None, True),
    ([(DN, "NetworkVideoTransmitter"), ("http://example.com/x", "Printer")], None, None, False),  # all must match
    ([], "onvif://www.onvif.org/Profile", None, True),  # RFC 3986 prefix by whole segments
    ([], "ONVIF://www.onvif.org/Profile/Streaming", None, True),  # scheme is case-insensitive
    ([], "onvif://www.onvif.org/Prof", None, False),
    ([], "onvif://www.onvif.org/Profile/Streaming onvif://www.onvif.org/Profile/G", None, False),
    ([], "onvif://www.onvif.org/name/Gate%20A", "http://schemas.xmlsoap.org/ws/2005/04/discovery/strcmp0", True),
    ([], "onvif://www.onvif.org/name", "http://schemas.xmlsoap.org/ws/2005/04/discovery/strcmp0", False),
    ([], "onvif://www.onvif.org/name", "urn:unknown:rule", False),
])
async def test_types_and_scopes_match_per_ws_discovery(
        udp: tuple[asyncio.DatagramTransport, Client], types: list[tuple[str, str]], scopes: str | None,
        match_by: str | None, answered: bool) -> None:
    transport, client = udp
    camera = cam(f"{subnet()}.6")
    async with LabResponders([camera]):
        replies = await client.ask(transport, probe(f"urn:uuid:{uuid.uuid4()}", types, scopes, match_by),
                                   camera.address)
    assert len(replies) == (1 if answered else 0)


async def test_repeats_answered_once_nondiscoverable_silent_garbage_ignored(
        udp: tuple[asyncio.DatagramTransport, Client]) -> None:
    transport, client = udp
    net = subnet()
    loud, quiet = cam(f"{net}.7"), cam(f"{net}.8", discoverable=False)
    async with LabResponders([loud, quiet]):
        message = probe("urn:uuid:same", [(DN, "NetworkVideoTransmitter")])
        transport.sendto(message, (loud.address, 3702))
        assert len(await client.ask(transport, message, loud.address)) == 1  # the repeat is not answered again
        assert await client.ask(transport, message, quiet.address) == []
        for junk in (b"\x00" * 10, b"<a>", b'<!DOCTYPE x [<!ENTITY e "e">]><x>&e;</x>', b"x" * 60000):
            transport.sendto(junk, (loud.address, 3702))
        assert len(await client.ask(transport, probe("urn:uuid:after"), loud.address)) == 1  # still alive


async def test_context_manager_is_reusable_but_not_reentrant() -> None:
    camera = cam(f"{subnet()}.9")
    responders = LabResponders([camera])
    async with responders:
        with pytest.raises(RuntimeError):
            await responders.__aenter__()
    async with responders:  # the port was released and can be bound again
        pass


def test_device_description_escapes_device_strings() -> None:
    root = etree.fromstring(device_description(cam("127.0.0.1")))
    ns = {"u": "urn:schemas-upnp-org:device-1-0"}
    assert root.xpath("string(//u:friendlyName)", namespaces=ns) == "Gate A & <B>"
    assert root.xpath("string(//u:serialNumber)", namespaces=ns) == "210235C3"
    assert root.xpath("string(//u:UDN)", namespaces=ns).startswith("uuid:")


async def test_cameras_sharing_one_address_each_answer(udp: tuple[asyncio.DatagramTransport, Client]) -> None:
    """An NVR, or a lab bound to one address: one socket, one ProbeMatch per camera."""
    transport, client = udp
    address = f"{subnet()}.10"
    first, second, silent = cam(address), cam(address), cam(address, discoverable=False)
    async with LabResponders([first, second, silent]):
        replies = await client.ask(transport, probe("urn:uuid:nvr"), address)
    found = {etree.fromstring(data).xpath("string(//a:EndpointReference/a:Address)", namespaces=NS)
             for data, _ in replies}
    assert found == {first.urn, second.urn}
