"""Read the headers of one captured frame: addresses, ports, size; the DNS question/answers and TLS server name.

Headers, DNS messages and the TLS ClientHello are read with `struct` (scapy's dissection costs ~0.8 ms a
packet: a 1 GB capture would take minutes); scapy reads the capture files and sniffs live. Nothing of the
payload is kept beyond the DNS names and answers and the TLS SNI.
Link types: Ethernet (with 802.1Q/802.1ad tags), Linux cooked capture (SLL, SLL2) and raw IP.
"""

from __future__ import annotations

import ipaddress
import struct
from dataclasses import dataclass
from socket import AF_INET6, inet_ntoa, inet_ntop

ETHERNET, RAW, SLL, SLL2, RAW_ALT = 1, 101, 113, 276, 12
_VLAN_TYPES = (0x8100, 0x88A8, 0x9100)
_PROTOCOLS = {6: "tcp", 17: "udp", 1: "icmp", 58: "icmp"}
_IPV6_EXTENSIONS = (0, 43, 44, 60, 51)


@dataclass(slots=True)
class Frame:
    src_mac: str | None
    dst_mac: str | None
    src: str
    dst: str
    protocol: str
    sport: int | None
    dport: int | None
    length: int  # IP packet length (header + payload)
    payload: bytes  # transport payload (only inspected for DNS and TLS ClientHello, never stored)


def _mac(raw: bytes) -> str:
    return raw.hex(":")


def parse_frame(data: bytes, linktype: int = ETHERNET) -> Frame | None:
    """The headers of an IPv4/IPv6 frame, or None for anything else (ARP, LLDP, truncated ...)."""
    src_mac = dst_mac = None
    try:
        if linktype == ETHERNET:
            dst_mac, src_mac = _mac(data[0:6]), _mac(data[6:12])
            ethertype, offset = struct.unpack_from("!H", data, 12)[0], 14
            while ethertype in _VLAN_TYPES:
                ethertype, offset = struct.unpack_from("!H", data, offset + 2)[0], offset + 4
        elif linktype == SLL:
            src_mac = _mac(data[6:12]) if struct.unpack_from("!H", data, 4)[0] == 6 else None
            ethertype, offset = struct.unpack_from("!H", data, 14)[0], 16
        elif linktype == SLL2:
            ethertype, offset = struct.unpack_from("!H", data, 0)[0], 20
            src_mac = _mac(data[12:18]) if data[11] == 6 else None
        elif linktype in (RAW, RAW_ALT):
            ethertype, offset = (0x86DD if data[0] >> 4 == 6 else 0x0800), 0
        else:
            return None
        if ethertype == 0x0800:
            return _ipv4(data, offset, src_mac, dst_mac)
        if ethertype == 0x86DD:
            return _ipv6(data, offset, src_mac, dst_mac)
    except (struct.error, IndexError, ValueError):
        return None
    return None


def _ipv4(data: bytes, offset: int, src_mac: str | None, dst_mac: str | None) -> Frame | None:
    ihl = (data[offset] & 0x0F) * 4
    total = struct.unpack_from("!H", data, offset + 2)[0]
    fragment = struct.unpack_from("!H", data, offset + 6)[0] & 0x1FFF
    proto = data[offset + 9]
    src, dst = inet_ntoa(data[offset + 12:offset + 16]), inet_ntoa(data[offset + 16:offset + 20])
    return _transport(data, offset + ihl, proto, src, dst, total, src_mac, dst_mac, first=fragment == 0)


def _ipv6(data: bytes, offset: int, src_mac: str | None, dst_mac: str | None) -> Frame | None:
    payload_length = struct.unpack_from("!H", data, offset + 4)[0]
    proto = data[offset + 6]
    src, dst = inet_ntop(AF_INET6, data[offset + 8:offset + 24]), inet_ntop(AF_INET6, data[offset + 24:offset + 40])
    header = offset + 40
    for _ in range(8):  # hop-by-hop, routing, fragment, destination options, AH
        if proto not in _IPV6_EXTENSIONS:
            break
        proto, size = data[header], (data[header + 1] + 1) * 8 if proto != 44 else 8
        header += size
    return _transport(data, header, proto, src, dst, payload_length + 40, src_mac, dst_mac, first=True)


def _transport(data: bytes, offset: int, proto: int, src: str, dst: str, length: int, src_mac: str | None,
               dst_mac: str | None, *, first: bool) -> Frame:
    name = _PROTOCOLS.get(proto, f"ip/{proto}")
    sport = dport = None
    payload = b""
    if proto in (6, 17) and first and len(data) >= offset + 4:
        sport, dport = struct.unpack_from("!HH", data, offset)
        start = offset + ((data[offset + 12] >> 4) * 4 if proto == 6 else 8)
        payload = data[start:]
    return Frame(src_mac, dst_mac, src, dst, name, sport, dport, length, payload)


# ---------------------------------------------------------------- DNS and TLS SNI


@dataclass(slots=True)
class DnsMessage:
    response: bool
    names: list[str]  # the questions
    answers: list[tuple[str, str]]  # (name, address) of A/AAAA records


def parse_dns(payload: bytes, *, tcp: bool = False) -> DnsMessage | None:
    """The questions and A/AAAA answers of a DNS message (RFC 1035), or None when it is not one.

    Read by hand: scapy's DNS dissection costs ~0.8 ms a message, which capped a capture at 10k packets/s.
    """
    if tcp:
        payload = payload[2:]
    if len(payload) < 12:
        return None
    try:
        flags, qdcount, ancount = struct.unpack_from("!HHH", payload, 2)
        if qdcount > 16 or ancount > 64:
            return None
        pos, names = 12, []
        for _ in range(qdcount):
            name, pos = _read_name(payload, pos)
            pos += 4  # type, class
            names.append(name)
        answers = []
        for _ in range(ancount):
            name, pos = _read_name(payload, pos)
            rtype, _, _, length = struct.unpack_from("!HHIH", payload, pos)
            pos += 10
            rdata = payload[pos:pos + length]
            if rtype == 1 and length == 4:
                answers.append((name, str(ipaddress.IPv4Address(rdata))))
            elif rtype == 28 and length == 16:
                answers.append((name, str(ipaddress.IPv6Address(rdata))))
            pos += length
    except (struct.error, IndexError, ValueError, UnicodeDecodeError):
        return None
    return DnsMessage(bool(flags & 0x8000), [n for n in names if n], answers)


def _read_name(data: bytes, pos: int) -> tuple[str, int]:
    """A (possibly compressed) domain name at `pos`; returns it and the position after it."""
    labels: list[str] = []
    end = None
    for _ in range(64):  # bounded: a pointer loop is garbage, not a name
        length = data[pos]
        if length & 0xC0 == 0xC0:
            end = pos + 2 if end is None else end
            pos = ((length & 0x3F) << 8) | data[pos + 1]
            continue
        if length == 0:
            return ".".join(labels).lower(), (pos + 1 if end is None else end)
        labels.append(data[pos + 1:pos + 1 + length].decode("ascii"))
        pos += 1 + length
    raise ValueError("DNS name too long or looping")


def tls_server_name(payload: bytes) -> str | None:
    """The SNI of a TLS ClientHello at the start of `payload`, or None."""
    try:
        if len(payload) < 43 or payload[0] != 0x16 or payload[5] != 0x01:
            return None
        pos = 9 + 2 + 32  # record header + handshake header, version, random
        pos += 1 + payload[pos]  # session id
        pos += 2 + struct.unpack_from("!H", payload, pos)[0]  # cipher suites
        pos += 1 + payload[pos]  # compression methods
        end = pos + 2 + struct.unpack_from("!H", payload, pos)[0]
        pos += 2
        while pos + 4 <= min(end, len(payload)):
            kind, size = struct.unpack_from("!HH", payload, pos)
            if kind == 0:  # server_name: list length, type 0 (host_name), name length, name
                length = struct.unpack_from("!H", payload, pos + 7)[0]
                return payload[pos + 9:pos + 9 + length].decode("ascii", errors="replace").lower() or None
            pos += 4 + size
    except (struct.error, IndexError):
        return None
    return None
