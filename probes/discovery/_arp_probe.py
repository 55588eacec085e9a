"""ARP sweep with scapy: every in-scope address of a directly attached subnet, MAC and vendor.

Needs raw sockets: root, or the CAP_NET_RAW capability (systemd `AmbientCapabilities=CAP_NET_RAW` for an
unprivileged service user). scapy is blocking, so it runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import os
from collections.abc import Sequence

from probes.discovery._interfaces import Interface
from probes.discovery._oui import normalize_mac, vendor_for
from probes.discovery.model import DiscoveredDevice, Signal
from probes.scope import Scope

log = logging.getLogger(__name__)


CAP_NET_RAW = 13  # linux/capability.h


def has_net_raw(status: str | None = None) -> bool:
    """Whether this process may open raw sockets: CAP_NET_RAW in its effective set (root has it)."""
    if status is None:
        try:
            with open("/proc/self/status", encoding="ascii") as handle:
                status = handle.read()
        except OSError:  # no procfs: fall back to the uid
            return os.name == "posix" and os.geteuid() == 0
    for line in status.splitlines():
        if line.startswith("CapEff:"):
            return bool(int(line.split()[1], 16) >> CAP_NET_RAW & 1)
    return os.name == "posix" and os.geteuid() == 0


def arp_unavailable() -> str | None:
    """Why an ARP sweep cannot run here, or None."""
    if os.name != "posix" or not has_net_raw():
        return ("ARP sweep needs raw sockets: run as root or give the CAP_NET_RAW capability "
                "(systemd: AmbientCapabilities=CAP_NET_RAW), or accept fewer MAC addresses")
    return None


def _sweep(iface: str, targets: list[str], timeout: float) -> list[tuple[str, str]]:
    # scapy.all loads every protocol layer (seconds); l2 + sendrecv is all an ARP sweep needs
    from scapy.layers.l2 import ARP, Ether
    from scapy.sendrecv import srp

    answered, _ = srp(Ether(dst="ff:ff:ff:ff:ff:ff") / ARP(pdst=targets), iface=iface, timeout=timeout,
                      verbose=False)
    return [(received.psrc, received.hwsrc) for _, received in answered]


async def sweep(scope: Scope, interfaces: Sequence[Interface], *, timeout: float) -> list[DiscoveredDevice]:
    devices: list[DiscoveredDevice] = []
    for iface in interfaces:
        targets = [str(ip) for ip in iface.network.hosts()
                   if scope.contains(ip) and str(ip) != iface.address]
        if not targets:
            continue
        answers = await asyncio.to_thread(_sweep, iface.name, targets, timeout)
        segment = f"{iface.name} {iface.network}"
        for address, mac_text in answers:
            if not scope.contains(address) or ipaddress.ip_address(address) not in iface.network:
                continue
            mac = normalize_mac(mac_text)
            devices.append(DiscoveredDevice(addresses=[address], mac=mac, vendor=vendor_for(mac),
                                            signals=[Signal.ARP], segment=segment))
    return devices
