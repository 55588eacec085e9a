"""Egress observation of scapy-generated captures: attribution is exact, non-cameras leave no trace."""

from __future__ import annotations

from pathlib import Path

import pytest

from probes.egress import CameraKey, CaptureError, Observer, ServiceKind, bpf_filter, egress_fact, observe_file
from tests.probes.egress.pcaps import CAM_A, CAM_B, CAM_C, PC, SITE, T0, write

CAMERAS = [CameraKey("cam-a", (CAM_A["ip"],), (CAM_A["mac"],)), CameraKey("cam-b", (CAM_B["ip"],), (CAM_B["mac"],)),
           CameraKey("cam-c", (CAM_C["ip"],), (CAM_C["mac"],)), CameraKey("cam-quiet", ("10.20.0.12",), ())]


@pytest.fixture(scope="module")
def observed(tmp_path_factory: pytest.TempPathFactory) -> dict:
    observer = Observer(CAMERAS, SITE)
    observe_file(write(tmp_path_factory.mktemp("pcap") / "site.pcap"), observer)
    return observer.observations("pcap:site.pcap")


def test_dns_then_tls_to_a_vendor_cloud(observed: dict) -> None:
    a = observed["cam-a"]
    [cloud, ntp] = a.flows
    assert (cloud.address, cloud.port, cloud.protocol, cloud.packets) == ("203.0.113.7", 443, "tcp", 11)
    assert cloud.service == "reolink" and cloud.kind is ServiceKind.P2P
    assert cloud.names == ("p2p.reolink.com",)  # from the DNS answer and the TLS SNI
    assert cloud.bytes_received == 240  # 200 bytes of payload + IP and TCP headers
    assert cloud.bytes_sent > 9 * 1000
    assert cloud.first_seen.timestamp() == T0 + 1 and cloud.last_seen.timestamp() == T0 + 10
    assert (ntp.address, ntp.port, ntp.kind) == ("192.0.2.123", 123, ServiceKind.NTP)
    [dns] = a.dns
    assert (dns.name, dns.count, dns.answers, dns.service) == ("p2p.reolink.com", 1, ("203.0.113.7",), "reolink")
    assert "10.20.0.5" not in {f.address for f in a.flows}  # the local NVR is not egress


def test_p2p_on_a_vlan_by_port(observed: dict) -> None:
    [flow] = observed["cam-b"].flows
    assert (flow.address, flow.port, flow.service, flow.packets) == ("198.51.100.20", 32100, "cs2-p2p", 5)
    assert flow.bytes_sent == 5 * (972 + 8 + 20)
    assert observed["cam-b"].describe(flow).startswith("sent 5.0 kB to CS2 Network PPPP P2P")


def test_ipv6_stun(observed: dict) -> None:
    [flow] = observed["cam-c"].flows
    assert (flow.address, flow.port, flow.kind) == ("2001:db8:ffff::1", 3478, ServiceKind.STUN)


def test_non_cameras_leave_no_trace(observed: dict) -> None:
    everything = repr([o.model_dump() for o in observed.values()])
    for trace in ("203.0.113.9", "mail.example.org", "private-bank.example", PC["ip"]):
        assert trace not in everything


def test_silence_is_not_observed_never_absent(observed: dict) -> None:
    quiet = observed["cam-quiet"]
    assert quiet.flows == () and quiet.camera_packets == 0
    fact = egress_fact(quiet)
    assert fact.ok and "not proof" in (fact.reason or "") and "saw no packet of this camera" in (fact.reason or "")
    assert egress_fact(observed["cam-a"]).reason is None


def test_bpf_keeps_only_the_cameras() -> None:
    expr = bpf_filter(CAMERAS)
    assert "ether host 02:00:00:00:0a:0a" in expr and "ip6 host 2001:db8:1::c" in expr
    assert PC["ip"] not in expr and PC["mac"] not in expr
    with pytest.raises(CaptureError, match="no camera to observe"):
        bpf_filter([])


def test_a_file_that_is_not_a_capture_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "notes.txt"
    bad.write_text("hello")
    with pytest.raises(CaptureError, match="notes.txt: not a readable pcap"):
        observe_file(bad, Observer(CAMERAS, SITE))
    with pytest.raises(CaptureError, match="missing.pcap"):
        observe_file(tmp_path / "missing.pcap", Observer(CAMERAS, SITE))
