"""discover() on loopback against lab cameras: unicast WS-Discovery and the TCP sweep find exactly the fleet."""

from __future__ import annotations

import asyncio
import dataclasses
import ipaddress
import socket

from aiohttp import web

from lab.responders import LabResponders, probe_matches
from probes.discovery import Signal, discover, discover_report
from probes.discovery.model import DiscoveredDevice
from probes.scope import Scope
from tests.probes.discovery.loopfleet import LoopbackFleet, loopback_subnet, make_camera

LOCAL_ONLY = {Signal.WS_DISCOVERY_UNICAST, Signal.TCP}  # multicast never runs on the host


def keyed(devices: list[DiscoveredDevice]) -> dict[str, DiscoveredDevice]:
    return {d.addresses[0]: d for d in devices}


async def test_unicast_and_tcp_find_exactly_the_fleet(loop_fleet: LoopbackFleet) -> None:
    report = await discover_report(Scope.parse(loop_fleet.scope_targets), ports=[80, *loop_fleet.all_ports],
                                   timeout=1.0)
    devices = report.devices
    assert {d.addresses[0] for d in devices} == set(loop_fleet.ports)  # exactly the fleet, no duplicates
    assert len(devices) == loop_fleet.count
    assert {d.endpoint_uuid for d in devices if Signal.WS_DISCOVERY_UNICAST in d.signals} == \
        loop_fleet.uuids(discoverable_only=True)
    for address, port in loop_fleet.ports.items():
        device = keyed(devices)[address]
        assert Signal.TCP in device.signals
        assert device.open_ports == [port] and device.onvif_ports == [port]
    silent = keyed(devices)[loop_fleet.cameras[-1].address]  # NonDiscoverable: TCP sweep only ...
    assert silent.signals == [Signal.TCP]
    assert silent.endpoint_uuid == loop_fleet.cameras[-1].endpoint_uuid  # ... but the same id (GetEndpointReference)
    first = keyed(devices)[loop_fleet.cameras[0].address]
    assert (first.name, first.hardware) == ("cam1", loop_fleet.cameras[0].model)
    assert first.xaddrs == loop_fleet.cameras[0].xaddrs
    # no LAN interface is covered by a 127.x scope: multicast signals say why they did not run
    assert set(report.signals_run) == LOCAL_ONLY
    assert set(report.skipped) == {Signal.WS_DISCOVERY, Signal.MDNS, Signal.SSDP, Signal.ARP}


async def test_out_of_scope_xaddrs_are_recorded_but_never_contacted() -> None:
    net = loopback_subnet()
    outside = str(net.network_address + 9)  # in the /28, but excluded from the scope
    hits: list[str] = []

    async def count(request: web.Request) -> web.Response:
        hits.append(request.path)
        return web.Response(text="")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", count)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, outside, 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        foreign = f"http://{outside}:{port}/onvif/device_service"
        async with LoopbackFleet(net, count=2, extra_xaddrs={1: (foreign,)}) as fleet:
            scope = Scope.parse([str(net)], exclude=[outside])
            devices = await discover(scope, ports=[port, *fleet.all_ports], timeout=0.8)
    finally:
        await runner.cleanup()
    device = keyed(devices)[str(net.network_address + 1)]
    assert foreign in device.xaddrs
    assert outside not in device.addresses
    assert hits == []  # the XAddr outside the scope, and the excluded address, saw no traffic


async def test_hostile_responders_cost_nothing_but_their_own_entry() -> None:
    net = loopback_subnet()
    hostile = str(net.network_address + 12)

    class Hostile(asyncio.DatagramProtocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            self.transport = transport  # type: ignore[assignment]

        def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
            message_id = data.split(b"MessageID>", 2)[1].split(b"<", 1)[0].decode()
            good = probe_matches(make_camera(net, 12, port=1), message_id, instance_id=1, message_number=1)
            for reply in (
                b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><l>&b;</l>',
                good.replace(b"</SOAP-ENV:Body>", b"<pad>" + b"x" * 40000 + b"</pad></SOAP-ENV:Body>"),
                good[:300],
                good.replace(message_id.encode(), b"urn:uuid:not-ours"),  # spoofed: wrong RelatesTo
            ):
                self.transport.sendto(reply, addr)  # type: ignore[attr-defined]

    async def bomb(_: web.Request) -> web.Response:
        return web.Response(body=b"<?xml version='1.0'?><!DOCTYPE s [<!ENTITY x 'y'>]><s:Envelope "
                                 b"xmlns:s='http://www.w3.org/2003/05/soap-envelope'>&x;</s:Envelope>")

    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(Hostile, local_addr=(hostile, 3702))
    app = web.Application()
    app.router.add_post("/onvif/device_service", bomb)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, hostile, 0)
    await site.start()
    bomb_port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        async with LoopbackFleet(net, count=2) as fleet:
            devices = await discover(Scope.parse([str(net)]), ports=[bomb_port, *fleet.all_ports], timeout=0.8)
    finally:
        transport.close()
        await runner.cleanup()
    by_address = keyed(devices)
    assert by_address[hostile].signals == [Signal.TCP]  # its open port is real; nothing else it said counted
    assert by_address[hostile].onvif_ports == [] and by_address[hostile].endpoint_uuid is None
    assert {c.address for c in fleet.cameras} <= set(by_address)


async def test_a_probe_match_sent_as_a_c_string_is_heard() -> None:
    """A camera whose datagram carries its string's NUL terminator after the envelope is still found."""
    net = loopback_subnet()
    camera = dataclasses.replace(make_camera(net, 5, port=80), nul_terminated=True)
    async with LabResponders([camera]) as responders:
        report = await discover_report(Scope.parse([str(net)]), ports=[], signals={Signal.WS_DISCOVERY_UNICAST},
                                       timeout=0.8)
    assert responders.probe_matches_sent >= 1
    (device,) = report.devices
    assert device.signals == [Signal.WS_DISCOVERY_UNICAST]
    assert (device.endpoint_uuid, device.xaddrs) == (camera.endpoint_uuid, camera.xaddrs)


async def test_extra_targets_and_signal_selection(loop_fleet: LoopbackFleet) -> None:
    net = loop_fleet.net
    declared = str(net.network_address + 10)
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind((declared, 0))
        free_port = probe.getsockname()[1]
    first = loop_fleet.cameras[0].address
    report = await discover_report(
        Scope.parse([str(net)]), ports=[], signals={Signal.TCP}, timeout=0.5,
        extra_targets=[(first, loop_fleet.ports[first]), (declared, free_port),
                       ("127.1.2.3", 80)])
    by_address = keyed(report.devices)
    assert report.signals_run == [Signal.TCP]
    assert by_address[first].onvif_ports == [loop_fleet.ports[first]]
    assert len(report.devices) == 2  # ports=[]: only the extra targets were swept
    assert by_address[declared].signals == [Signal.DECLARED]  # declared, never seen: still listed
    assert "127.1.2.3" not in by_address and any("127.1.2.3" in n for n in report.notes)
    assert ipaddress.ip_address(declared) in net


async def test_the_demo_fleet_is_found_exactly() -> None:
    """The real lab (lab.run_fleet with discovery=True), demo fleet moved onto a private 127.x.y.0/24."""
    from lab import DEMO_FLEET, load_fleet, run_fleet

    net = loopback_subnet().supernet(new_prefix=24)
    fleet = load_fleet(DEMO_FLEET)
    moved = [c.model_copy(update={"address": str(net.network_address + int(c.address.rsplit(".", 1)[1]))})
             for c in fleet.cameras]
    fleet = fleet.model_copy(update={"cameras": moved})
    async with run_fleet(fleet, port_override=0, discovery=True) as running:
        # the HTTPS ports too, as a real sweep of 80/443/8443 would: what the TCP check finds there is deterministic
        ports = sorted({c.port for c in running.cameras} | {c.tls_port for c in running.cameras if c.tls_port})
        devices = await discover(Scope.parse([str(net)]), ports=ports, timeout=1.5)
    expected = {c.address: c for c in running.cameras}
    assert sorted(d.addresses[0] for d in devices) == sorted(expected)  # exactly the fleet, once each
    for device in devices:
        camera = expected[device.addresses[0]]
        # an ephemeral RTSP port of this camera may coincide with another camera's swept port; it is then
        # rightly open here too, but never a port this camera does not listen on
        assert camera.port in device.open_ports
        rtsp_port = camera.rtsp.port if camera.rtsp is not None else None
        assert set(device.open_ports) <= {camera.port, camera.tls_port, rtsp_port}
        assert camera.tls_port is None or camera.tls_port in device.open_ports
        discoverable = camera.spec.network.discovery_mode.value == "Discoverable"
        assert (Signal.WS_DISCOVERY_UNICAST in device.signals) is discoverable
        assert device.endpoint_uuid == camera.spec.endpoint_uuid.removeprefix("urn:uuid:")  # WSD, or the TCP check
        assert sorted(device.onvif_ports) == sorted(p for p in (camera.port, camera.tls_port) if p)
        if discoverable:  # what WS-Discovery advertised, and the https URL the TCP check found over TLS
            assert sorted(device.xaddrs) == sorted({camera.xaddr, *([camera.https_xaddr] if camera.tls_port else [])})
    assert sum(Signal.WS_DISCOVERY_UNICAST not in d.signals for d in devices) == 1  # hotel-lobby, NonDiscoverable


def test_endpoint_guid_parsing() -> None:
    from probes.discovery._tcp_probe import endpoint_guid
    from tests.probes.discovery.loopfleet import SOAP_REPLY, guid_reply

    assert endpoint_guid(guid_reply("3FA85F64-5717-4562-B3FC-2C963F66AFA6")) == "3fa85f64-5717-4562-b3fc-2c963f66afa6"
    assert endpoint_guid(SOAP_REPLY) is None
    assert endpoint_guid(b'<!DOCTYPE x [<!ENTITY e "e">]><x>&e;</x>') is None
    assert endpoint_guid(guid_reply("x" * 300)) is None
