"""Discovery under load, over real sockets: replies that arrive while the scanner cannot read are still
heard, a fleet's burst fits the receive buffer, and a lost reply is asked for again.

The lab answers from its own thread; the scanner's event loop is blocked on purpose (as when the process
is descheduled on a loaded machine, or busy with the TCP sweep), so the replies wait in the kernel.
Nothing here depends on timing: each test first waits (up to a minute) until the lab has sent everything.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import random
import socket
import time

import pytest

from lab.responders import ResponderCamera, probe_matches
from probes.discovery._udp import RECEIVE_BUFFER, open_collector, udp_socket
from probes.discovery._wsd import MAX_DATAGRAM
from probes.discovery._wsd_probe import unicast_probe
from probes.discovery.model import Signal
from probes.scope import Scope
from tests.probes.discovery.loopfleet import make_camera
from tests.probes.discovery.threadlab import ThreadedResponders

BUSY_ITERATION_S = 0.2  # each turn of the scanner's loop takes this long once the burst is in


def _subnet(prefix: int) -> ipaddress.IPv4Network:
    """A private 127.x.y.0/prefix per test (x from the pid, y random), as loopfleet's."""
    return ipaddress.IPv4Network(f"127.{150 + os.getpid() % 50}.{random.randint(0, 255)}.0/{prefix}")


def _fleet(net: ipaddress.IPv4Network, count: int, **changes: int) -> list[ResponderCamera]:
    from dataclasses import replace

    return [replace(make_camera(net, n, port=80), **changes) for n in range(1, count + 1)]


async def test_a_burst_answered_while_the_loop_is_blocked_is_heard_whole() -> None:
    net = _subnet(26)  # 62 addresses: 60 cameras, 2 silent
    cameras = _fleet(net, 60)
    burst: list[int] = []
    with ThreadedResponders(cameras) as lab:

        async def busy() -> None:
            while not lab.probes_received:  # the scanner sends its first Probes in one loop turn (< SEND_BATCH)
                await asyncio.sleep(0.001)
            # then the loop stops until every camera's two ProbeMatches (one per device type) were sent
            burst.append(lab.wait_sent(2 * len(cameras)))
            while True:  # and stays slow
                time.sleep(BUSY_ITERATION_S)  # noqa: ASYNC251 - blocking the loop is the point
                await asyncio.sleep(0)

        hog = asyncio.create_task(busy())
        try:
            devices = await unicast_probe(Scope.parse([str(net)]), [str(h) for h in net.hosts()], timeout=1.0)
        finally:
            hog.cancel()
    assert burst == [2 * len(cameras)], "the lab did not answer within a minute"
    # asyncio's datagram transport read one datagram per socket per loop turn: ~30 replies per socket needed
    # ~30 turns (6 s here), more than the time left, and the rest was dropped when the sockets closed
    assert {d.endpoint_uuid for d in devices} == {c.endpoint_uuid for c in cameras}
    assert {s for d in devices for s in d.signals} == {Signal.WS_DISCOVERY_UNICAST}


async def test_a_fleet_sized_burst_fits_one_sockets_receive_buffer() -> None:
    """A multicast Probe's answers all come back to one socket: 2,000 ProbeMatches (1,000 cameras, two
    device types) sent while the loop is not reading must all be read."""
    heard: list[str] = []
    endpoint = await open_collector(udp_socket(("127.0.0.1", 0)), lambda data, source: heard.append(source),
                                    limit=MAX_DATAGRAM)
    granted = endpoint.sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
    if granted < 2 * RECEIVE_BUFFER and os.geteuid() != 0:
        endpoint.close()
        pytest.skip(f"needs root (SO_RCVBUFFORCE) or net.core.rmem_max >= {RECEIVE_BUFFER}: got {granted}")
    assert granted >= 2 * RECEIVE_BUFFER  # Linux reports twice what was asked
    camera = make_camera(_subnet(28), 1, port=80)
    reply = probe_matches(camera, "urn:uuid:6c3f1e4a-0000-4000-8000-000000000001", instance_id=1,
                          message_number=1)
    assert 1000 < len(reply) < 2000  # a real camera's size
    port = endpoint.sock.getsockname()[1]
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
        sender.bind(("127.0.0.1", 0))
        for _ in range(2000):  # no await: the loop cannot read meanwhile
            sender.sendto(reply, ("127.0.0.1", port))
    endpoint.close()  # reads what is queued first
    assert len(heard) == 2000  # with the old 1 MiB buffer (2 MiB granted) about half were dropped


async def test_a_lost_reply_is_asked_for_again_with_a_new_message_id() -> None:
    net = _subnet(28)
    cameras = _fleet(net, 3)
    from dataclasses import replace

    cameras[1] = replace(cameras[1], lost_replies=2)  # both answers to the first Probes never arrive
    with ThreadedResponders(cameras) as lab:
        devices = await unicast_probe(Scope.parse([str(net)]), [c.address for c in cameras], timeout=1.5)
        assert lab.responders is not None
        sent = lab.responders.probe_matches_sent
    assert sent == 2 * len(cameras)  # two per camera (one per device type): cameras[1]'s to the re-ask
    # the repeat carries the same MessageIDs, which a camera answers once: only the re-ask reached cameras[1]
    assert {d.endpoint_uuid for d in devices} == {c.endpoint_uuid for c in cameras}
