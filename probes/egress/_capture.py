"""Where the frames come from: a capture file (pcap or pcapng, no privileges) or a live interface (root).

Live capture keeps only the cameras' traffic already in the kernel (a BPF filter on their MACs and
addresses), and nothing is written to disk: each frame is summarised and dropped (`Observer.feed`).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from probes.egress._observer import CameraKey, Observer
from probes.errors import InputError

_PCAPNG = b"\x0a\x0d\x0d\x0a"


class CaptureError(InputError):
    """The capture file cannot be read, or the interface cannot be sniffed (not root, no such interface)."""


def bpf_filter(cameras: Sequence[CameraKey]) -> str:
    """Only the cameras' frames: by MAC, and by address (for traffic seen behind a router), VLAN-tagged too."""
    terms = [f"ether host {mac}" for c in cameras for mac in c.macs]
    terms += [f"{'ip6' if ':' in a else 'ip'} host {a}" for c in cameras for a in c.addresses]
    if not terms:
        raise CaptureError("no camera to observe: the scan or the site file names no camera address or MAC")
    expr = " or ".join(terms)
    return f"({expr}) or (vlan and ({expr}))"


def read_frames(path: Path) -> Iterator[tuple[float, bytes, int]]:
    """(timestamp, frame, link type) of every frame of a pcap or pcapng file."""
    from scapy.utils import RawPcapNgReader, RawPcapReader

    try:
        with path.open("rb") as handle:
            magic = handle.read(4)
    except OSError as exc:
        raise CaptureError(f"{path}: {exc.strerror or exc}") from None
    try:
        if magic == _PCAPNG:
            ng = RawPcapNgReader(str(path))
            with ng:
                for data, meta in ng:
                    ng_meta: Any = meta  # scapy's pcapng metadata (linktype, tsresol, tshigh, tslow, ...)
                    yield ((ng_meta.tshigh << 32) | ng_meta.tslow) / ng_meta.tsresol, data, ng_meta.linktype
        else:
            reader = RawPcapReader(str(path))
            with reader:
                linktype = reader.linktype
                for data, meta in reader:
                    yield meta.sec + meta.usec / (1e9 if reader.nano else 1e6), data, linktype
    except (OSError, EOFError) as exc:
        raise CaptureError(f"{path}: not a readable pcap/pcapng capture ({exc})") from None
    except Exception as exc:  # noqa: BLE001 - scapy's Scapy_Exception for a bad magic number, struct errors
        raise CaptureError(f"{path}: not a readable pcap/pcapng capture ({exc})") from None


def observe_file(path: Path, observer: Observer) -> None:
    for ts, data, linktype in read_frames(path):
        observer.feed(ts, data, linktype)


def observe_live(interface: str, seconds: float, observer: Observer) -> float:
    """Sniff `interface` for `seconds` (blocking); returns the seconds actually observed."""
    from scapy.sendrecv import sniff

    started = time.monotonic()
    try:
        sniff(iface=interface, filter=bpf_filter(observer.cameras), timeout=seconds, store=False,
              prn=lambda pkt: observer.feed(float(pkt.time), bytes(pkt)))
    except PermissionError:
        raise CaptureError(f"capturing on {interface} needs root (CAP_NET_RAW); or give a capture file with "
                           "--pcap") from None
    except (OSError, ValueError) as exc:  # scapy: ValueError "Interface ... not found"
        raise CaptureError(f"cannot capture on {interface}: {exc}") from None
    return time.monotonic() - started
