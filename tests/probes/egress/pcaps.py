"""Captures generated with scapy for the egress tests: DNS + TLS + UDP P2P, IPv4 and IPv6, VLAN tags."""

from __future__ import annotations

import struct
from pathlib import Path

from scapy.layers.dns import DNS, DNSQR, DNSRR
from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import Dot1Q, Ether
from scapy.packet import Packet, Raw
from scapy.utils import wrpcap

SITE = ["10.20.0.0/24", "2001:db8:1::/64"]
GATEWAY_MAC = "02:00:00:00:00:01"
CAM_A = {"mac": "02:00:00:00:0a:0a", "ip": "10.20.0.10"}  # Reolink-like: DNS, then TLS to its cloud
CAM_B = {"mac": "02:00:00:00:0b:0b", "ip": "10.20.0.11"}  # P2P over UDP 32100, on VLAN 20
CAM_C = {"mac": "02:00:00:00:0c:0c", "ip": "2001:db8:1::c"}  # IPv6 only: STUN
PC = {"mac": "02:00:00:00:99:99", "ip": "10.20.0.99"}  # not a camera: must be ignored
T0 = 1_780_000_000.0


def client_hello(server_name: str) -> bytes:
    """A minimal TLS 1.2 ClientHello carrying `server_name` (SNI)."""
    name = server_name.encode()
    sni = struct.pack("!HHHBH", 0, len(name) + 5, len(name) + 3, 0, len(name)) + name
    body = b"\x03\x03" + b"\x11" * 32 + b"\x00" + b"\x00\x02\x13\x01" + b"\x01\x00" + struct.pack("!H", len(sni)) + sni
    handshake = b"\x01" + struct.pack("!I", len(body))[1:] + body
    return b"\x16\x03\x01" + struct.pack("!H", len(handshake)) + handshake


def _at(packet: Packet, seconds: float) -> Packet:
    packet.time = T0 + seconds
    return packet


def packets() -> list[Packet]:
    a, b, c, pc = CAM_A, CAM_B, CAM_C, PC
    out = [
        # camera A asks the local resolver for its cloud and gets an answer
        _at(Ether(src=a["mac"], dst=GATEWAY_MAC) / IP(src=a["ip"], dst="10.20.0.1") / UDP(sport=40000, dport=53)
            / DNS(rd=1, qd=DNSQR(qname="p2p.reolink.com")), 0),
        _at(Ether(src=GATEWAY_MAC, dst=a["mac"]) / IP(src="10.20.0.1", dst=a["ip"]) / UDP(sport=53, dport=40000)
            / DNS(qr=1, qd=DNSQR(qname="p2p.reolink.com"), an=DNSRR(rrname="p2p.reolink.com", rdata="203.0.113.7")),
            0.01),
        # ... and opens TLS to it: 1 ClientHello + 9 data segments of 1000 bytes payload
        _at(Ether(src=a["mac"], dst=GATEWAY_MAC) / IP(src=a["ip"], dst="203.0.113.7")
            / TCP(sport=50000, dport=443, flags="PA") / Raw(client_hello("p2p.reolink.com")), 1),
        *[_at(Ether(src=a["mac"], dst=GATEWAY_MAC) / IP(src=a["ip"], dst="203.0.113.7")
              / TCP(sport=50000, dport=443, flags="PA") / Raw(b"\x17" * 1000), 2 + i) for i in range(9)],
        _at(Ether(src=GATEWAY_MAC, dst=a["mac"]) / IP(src="203.0.113.7", dst=a["ip"])
            / TCP(sport=443, dport=50000, flags="PA") / Raw(b"\x17" * 200), 3),
        # camera A to the local NVR: not egress
        _at(Ether(src=a["mac"], dst="02:00:00:00:00:05") / IP(src=a["ip"], dst="10.20.0.5")
            / TCP(sport=554, dport=40001) / Raw(b"x" * 500), 4),
        # camera A's time
        _at(Ether(src=a["mac"], dst=GATEWAY_MAC) / IP(src=a["ip"], dst="192.0.2.123") / UDP(sport=123, dport=123)
            / Raw(b"\x23" + b"\x00" * 47), 5),
        # camera B: P2P hello and relay traffic on VLAN 20 (UDP 32100, no DNS: a hard-coded server address)
        *[_at(Ether(src=b["mac"], dst=GATEWAY_MAC) / Dot1Q(vlan=20) / IP(src=b["ip"], dst="198.51.100.20")
              / UDP(sport=41000, dport=32100) / Raw(b"\xf1" * 972), 10 + i) for i in range(5)],
        # camera C (IPv6): STUN binding to a public server
        _at(Ether(src=c["mac"], dst=GATEWAY_MAC) / IPv6(src=c["ip"], dst="2001:db8:ffff::1")
            / UDP(sport=42000, dport=3478) / Raw(b"\x00\x01\x00\x00" + b"\x21\x12\xa4\x42" + b"\x00" * 12), 20),
        # a PC on the same LAN talking to the internet: not a camera, must leave no trace
        *[_at(Ether(src=pc["mac"], dst=GATEWAY_MAC) / IP(src=pc["ip"], dst="203.0.113.9")
              / TCP(sport=51000, dport=443) / Raw(client_hello("mail.example.org")), 30 + i) for i in range(3)],
        _at(Ether(src=pc["mac"], dst=GATEWAY_MAC) / IP(src=pc["ip"], dst="10.20.0.1") / UDP(sport=40500, dport=53)
            / DNS(rd=1, qd=DNSQR(qname="private-bank.example")), 31),
    ]
    return out


def write(path: Path) -> Path:
    wrpcap(str(path), packets())
    return path
