"""A camera LAN behind a gateway with a fake "cloud" on the far side, in network namespaces, and the traffic a
phoning-home camera sends there (TLS ClientHello with an SNI to TCP 443, P2P datagrams to UDP 32100).

    cam (198.51.100.x) ─┐                   ┌─ cloud (203.0.113.x): TCP 443, UDP 32100
    ... (198.51.100.y) ─┴─ gw eth0 | eth1 ──┘

Shared by the live-capture tests (tests/probes/egress/test_live_netns.py, tests/scanner/test_observe_scan.py).
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass

from tests.netns import Host, NetnsLab, Segment

CAMERA_LAN, INTERNET = "198.51.100.0/24", "203.0.113.0/24"
CAPTURE_IFACE = "eth0"  # the gateway's camera-side interface (created by the lab, never a real one)

SENDER = """
import socket, struct, sys, time
cloud, sni, until = sys.argv[1], sys.argv[2], time.time() + float(sys.argv[3])
name = sni.encode()
ext = struct.pack("!HHHBH", 0, len(name) + 5, len(name) + 3, 0, len(name)) + name
body = b"\\x03\\x03" + b"\\x11" * 32 + b"\\x00\\x00\\x02\\x13\\x01\\x01\\x00" + struct.pack("!H", len(ext)) + ext
hello = b"\\x16\\x03\\x01" + struct.pack("!H", len(body) + 4) + b"\\x01" + struct.pack("!I", len(body))[1:] + body
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
while time.time() < until:
    udp.sendto(b"\\xf1" * 100, (cloud, 32100))
    try:
        with socket.create_connection((cloud, 443), timeout=1) as tcp:
            tcp.sendall(hello)
    except OSError:
        pass
    time.sleep(0.2)
"""

SINK = """
import socket, threading
tcp = socket.socket(); tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
tcp.bind(("0.0.0.0", 443)); tcp.listen()
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); udp.bind(("0.0.0.0", 32100))
threading.Thread(target=lambda: [udp.recv(2048) for _ in iter(int, 1)], daemon=True).start()
while True:
    conn, _ = tcp.accept(); conn.recv(4096); conn.close()
"""


@dataclass(frozen=True, slots=True)
class CloudLan:
    """The camera segment, the gateway between it and the internet segment, and the fake cloud host."""

    cameras: Segment
    gateway: Host
    cloud: Host

    def host(self, lab: NetnsLab, name: str) -> Host:
        """Another host on the camera segment, routed to the internet through the gateway."""
        host = lab.host(name, self.cameras)
        lab.route_via(host, self.gateway)
        return host


def cloud_lan(lab: NetnsLab) -> CloudLan:
    """Build the topology and start the cloud's listeners (so the camera's TCP connections complete)."""
    cameras, internet = lab.segment(CAMERA_LAN), lab.segment(INTERNET)
    gateway = lab.router("gw", cameras, internet)
    cloud = lab.host("cloud", internet)
    lab.route_via(cloud, gateway)
    lab.python(cloud, ["-c", SINK])
    return CloudLan(cameras, gateway, cloud)


def phone_home(lab: NetnsLab, host: Host, cloud: Host, server_name: str, seconds: float) -> subprocess.Popen[bytes]:
    """`host` sends P2P datagrams and TLS ClientHellos naming `server_name` to the cloud for `seconds`."""
    return lab.python(host, ["-c", SENDER, cloud.address, server_name, str(seconds)])
