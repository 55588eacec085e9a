"""A live capture in network namespaces: a camera sends to a fake cloud through a gateway; `camaudit observe`
sniffs the gateway's camera-side interface (created by this test, never a real one) and attributes exactly.

    cam (198.51.100.x) ─┐                   ┌─ cloud (203.0.113.x): TCP 443, UDP 32100
    pc  (198.51.100.y) ─┴─ gw eth0 | eth1 ──┘
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import yaml

from tests.netns import NetnsLab, netns_unavailable_reason

pytestmark = pytest.mark.slow

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


@pytest.fixture
def lab() -> NetnsLab:
    if reason := netns_unavailable_reason():
        pytest.skip(reason)
    with NetnsLab("eg") as lab:
        yield lab


def test_live_capture_attributes_a_camera_and_ignores_the_pc(lab: NetnsLab, tmp_path: Path) -> None:
    cams = lab.segment("198.51.100.0/24")
    internet = lab.segment("203.0.113.0/24")
    gateway = lab.router("gw", cams, internet)
    cam, pc, cloud = lab.host("cam", cams), lab.host("pc", cams), lab.host("cloud", internet)
    for host in (cam, pc, cloud):
        lab.route_via(host, gateway)
    site = tmp_path / "site.yaml"
    site.write_text(yaml.safe_dump({
        "name": "egress-lab", "timezone": "Europe/Prague", "jurisdiction": "CZ",
        "scope": {"targets": ["198.51.100.0/24"]},
        "profiles": ["gdpr-baseline"],
        "cameras": [{"name": "door", "match": {"ip": cam.address, "mac": cam.mac()}, "class": 2,
                     "area": "entrance", "purposes": ["property_protection"], "retention_hours": 72,
                     "legal_basis": "legitimate_interest"}],
    }, sort_keys=False))
    lab.python(cloud, ["-c", SINK])
    lab.python(cam, ["-c", SENDER, cloud.address, "p2p.reolink.com", "30"])
    lab.python(pc, ["-c", SENDER, cloud.address, "mail.example.org", "30"])
    out = tmp_path / "egress.json"
    result = lab.run(gateway, [sys.executable, "-m", "scanner", "observe", "--site", str(site), "--iface", "eth0",
                               "--duration", "4s", "--json", str(out), "-q"], timeout=60)
    assert result.returncode == 3, result.stderr  # traffic observed leaving the site
    document = json.loads(out.read_text())
    [observation] = document["cameras"].values()
    flows = {(f["address"], f["port"], f["protocol"]): f for f in observation["flows"]}
    assert set(flows) == {(cloud.address, 32100, "udp"), (cloud.address, 443, "tcp")}
    assert flows[(cloud.address, 32100, "udp")]["service"] == "cs2-p2p"
    assert flows[(cloud.address, 443, "tcp")]["names"] == ["p2p.reolink.com"]
    assert flows[(cloud.address, 443, "tcp")]["service"] == "reolink"
    assert observation["window"]["source"] == "live:eth0"
    text = out.read_text()
    assert pc.address not in text and "mail.example.org" not in text  # the PC left no trace
