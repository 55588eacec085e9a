"""The vendor endpoint catalogue: every entry is sourced and can classify something; Hanwha Wisenet classifies."""

from __future__ import annotations

from pathlib import Path

from scapy.layers.inet import IP, TCP
from scapy.layers.l2 import Ether
from scapy.packet import Raw
from scapy.utils import wrpcap

from probes.egress import CameraKey, Observer, ServiceKind, observe_file
from probes.egress.endpoints import load_catalogue
from tests.probes.egress.pcaps import GATEWAY_MAC, SITE, T0, client_hello

WISENET = {"mac": "00:09:18:00:0a:0e", "ip": "10.20.0.14"}


def test_every_entry_is_sourced_and_can_classify() -> None:
    for service in load_catalogue().services:
        assert service.sources and all(s.startswith(("https://", "http://")) for s in service.sources), service.id
        assert service.domains or service.ports, f"{service.id}: no domain or port, so it can never classify"


def test_hanwha_wisenet_names_on_label_boundaries() -> None:
    catalogue = load_catalogue()
    for name in ("mqtt.prod.wra1.wisenetcloud.com", "turn.prod.wra1.wisenetcloud.com.", "WISENETCLOUD.COM"):
        found = catalogue.by_name(name)
        assert found is not None and (found.id, found.vendor, found.kind) == ("hanwha-wisenet", "Hanwha",
                                                                             ServiceKind.P2P), name
    assert catalogue.by_name("notwisenetcloud.com") is None
    assert catalogue.by_port("tcp", 5000) is None  # MQTT-over-TLS port of the service, but no signature


def test_a_wisenet_camera_signalling_to_its_cloud_is_classified(tmp_path: Path) -> None:
    """TLS with SNI to the HBIRD MQTT broker on TCP 5000, no DNS seen (a cached name): the SNI names the service."""
    cam, cloud = WISENET, "203.0.113.44"
    frames = [Ether(src=cam["mac"], dst=GATEWAY_MAC) / IP(src=cam["ip"], dst=cloud)
              / TCP(sport=51500, dport=5000, flags="PA") / Raw(client_hello("mqtt.prod.wra1.wisenetcloud.com"))]
    frames += [Ether(src=cam["mac"], dst=GATEWAY_MAC) / IP(src=cam["ip"], dst=cloud)
               / TCP(sport=51500, dport=5000, flags="PA") / Raw(b"\x17" * 600) for _ in range(3)]
    for i, frame in enumerate(frames):
        frame.time = T0 + i
    wrpcap(str(tmp_path / "wisenet.pcap"), frames)
    observer = Observer([CameraKey("wisenet", (cam["ip"],), (cam["mac"],))], SITE)
    observe_file(tmp_path / "wisenet.pcap", observer)
    observation = observer.observations("pcap:wisenet.pcap")["wisenet"]
    [flow] = observation.flows
    assert (flow.address, flow.port, flow.service, flow.kind) == (cloud, 5000, "hanwha-wisenet", ServiceKind.P2P)
    assert flow.names == ("mqtt.prod.wra1.wisenetcloud.com",)
    assert "Hanwha Vision Wisenet cloud" in observation.describe(flow)
