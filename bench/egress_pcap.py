"""Throughput of the egress observation on a large capture: packets/s against a raw-read floor.

    python bench/egress_pcap.py                  # a 1 GB capture (~1.1 M frames), generated in bench/.cache
    python bench/egress_pcap.py --size-mb 100    # smaller

The capture mixes what a camera LAN carries: camera video to a cloud (TCP 1,000-byte segments, TLS
ClientHello first), P2P UDP on a VLAN, DNS questions and answers, IPv6 STUN, and other hosts' traffic
(half the frames) that must be dropped. The floor reads the same file with scapy's RawPcapReader and
does nothing with the frames; the observation parses headers, attributes and sums. Figures, never assertions.
"""

from __future__ import annotations

import argparse
import struct
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import CACHE_DIR, Report, machine, measure

from probes.egress import CameraKey, Observer, observe_file

CAMERAS = [CameraKey(f"cam-{i}", (f"10.20.0.{10 + i}",), (f"02:00:00:00:0a:{i:02x}",)) for i in range(16)]
SITE = ["10.20.0.0/24", "2001:db8:1::/64"]


def _templates() -> list[bytes]:
    """Frames built once with scapy; the file repeats them with rising timestamps."""
    from scapy.layers.dns import DNS, DNSQR, DNSRR
    from scapy.layers.inet import IP, TCP, UDP
    from scapy.layers.inet6 import IPv6
    from scapy.layers.l2 import Dot1Q, Ether
    from scapy.packet import Raw

    gw = "02:00:00:00:00:01"
    frames = []
    for i, cam in enumerate(CAMERAS):
        mac, ip = cam.macs[0], cam.addresses[0]
        frames.append(bytes(Ether(src=mac, dst=gw) / IP(src=ip, dst=f"203.0.113.{i + 1}")
                            / TCP(sport=50000 + i, dport=443, flags="PA") / Raw(b"\x17" * 1000)))
        frames.append(bytes(Ether(src=mac, dst=gw) / Dot1Q(vlan=20) / IP(src=ip, dst="198.51.100.20")
                            / UDP(sport=41000, dport=32100) / Raw(b"\xf1" * 900)))
        frames.append(bytes(Ether(src=mac, dst=gw) / IP(src=ip, dst="10.20.0.1") / UDP(sport=40000, dport=53)
                            / DNS(rd=1, qd=DNSQR(qname=f"p2p{i}.reolink.com"))))
        frames.append(bytes(Ether(src=gw, dst=mac) / IP(src="10.20.0.1", dst=ip) / UDP(sport=53, dport=40000)
                            / DNS(qr=1, qd=DNSQR(qname=f"p2p{i}.reolink.com"),
                                  an=DNSRR(rrname=f"p2p{i}.reolink.com", rdata=f"203.0.113.{i + 1}"))))
    frames.append(bytes(Ether(src="02:00:00:00:0c:0c", dst=gw) / IPv6(src="2001:db8:1::c", dst="2001:db8:ffff::1")
                        / UDP(sport=42000, dport=3478) / Raw(b"\x00\x01" + b"\x00" * 18)))
    others = [bytes(Ether(src=f"02:00:00:00:99:{i:02x}", dst=gw) / IP(src=f"10.20.0.{100 + i}", dst="192.0.2.80")
                    / TCP(sport=51000, dport=443) / Raw(b"x" * 1000)) for i in range(8)]
    # as many other-host frames as camera frames: the observer must drop them cheaply
    return [f for pair in zip(frames, (others * 10)[:len(frames)], strict=True) for f in pair]


def write_capture(path: Path, size_mb: int) -> int:
    frames = _templates()
    target = size_mb * 1024 * 1024
    written, count, ts = 24, 0, 1_780_000_000.0
    with path.open("wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        while written < target:
            for frame in frames:
                ts += 0.0005
                sec = int(ts)
                out.write(struct.pack("<IIII", sec, int((ts - sec) * 1e6), len(frame), len(frame)))
                out.write(frame)
                written += 16 + len(frame)
                count += 1
    return count


def floor(path: Path) -> int:
    from scapy.utils import RawPcapReader

    count = 0
    with RawPcapReader(str(path)) as reader:
        for _ in reader:
            count += 1
    return count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--keep", action="store_true", help="keep the generated capture in bench/.cache")
    parser.add_argument("--json-out")
    args = parser.parse_args()
    CACHE_DIR.mkdir(exist_ok=True)
    path = CACHE_DIR / f"egress-{args.size_mb}mb.pcap"
    report = Report()
    report.notes.append(f"machine: {machine()}")
    t0 = time.perf_counter()
    frames = write_capture(path, args.size_mb)
    report.notes.append(f"generated {frames:,} frames ({args.size_mb} MB) in {time.perf_counter() - t0:.1f} s")
    try:
        with measure() as raw:
            floor(path)
        observer = Observer(CAMERAS, SITE)
        with measure() as usage:
            observe_file(path, observer)
        result = observer.observations(f"pcap:{path.name}")
    finally:
        if not args.keep:
            path.unlink(missing_ok=True)
    bench = f"egress pcap {args.size_mb} MB"
    report.add(bench, "frames", frames)
    report.add(bench, "observation wall time", usage.wall_s, "s")
    report.add(bench, "observation throughput", frames / usage.wall_s, "packets/s")
    report.add(bench, "observation throughput", args.size_mb / usage.wall_s, "MB/s")
    report.add(bench, "raw read floor (RawPcapReader)", frames / raw.wall_s, "packets/s")
    report.add(bench, "observation / floor (time)", usage.wall_s / raw.wall_s, "x")
    report.add(bench, "peak RSS (process)", usage.peak_rss_mb, "MB")
    flows = sum(len(o.flows) for o in result.values())
    report.add(bench, "flows summarised", flows, note=f"{len(result)} cameras; other hosts' frames dropped")
    report.emit(args.json_out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
