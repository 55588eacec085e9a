"""MAC address -> vendor, from the Wireshark OUI database that scapy ships (scapy/libs/manuf.py).

scapy is already a dependency (ARP sweep) and refreshes its copy of Wireshark's
`manuf` file each release; a system Wireshark install (/usr/share/wireshark/manuf)
is preferred by scapy when present. Loading takes ~0.2 s, so it is lazy.
"""

from __future__ import annotations

import functools
import re

_HEX = re.compile(r"[0-9a-f]{12}")


def normalize_mac(value: str | None) -> str | None:
    """'00408C-12:34.56' -> '00:40:8c:12:34:56'; None if it is not a MAC."""
    if not value:
        return None
    digits = re.sub(r"[^0-9a-fA-F]", "", value).lower()
    if not _HEX.fullmatch(digits) or digits == "000000000000":
        return None
    return ":".join(digits[i:i + 2] for i in range(0, 12, 2))


@functools.cache
def _manufdb():  # type: ignore[no-untyped-def]
    from scapy.data import MANUFDB

    return MANUFDB


def vendor_for(mac: str | None) -> str | None:
    """The registered organisation of the MAC's OUI, or None (unknown or locally administered)."""
    mac = normalize_mac(mac)
    if mac is None:
        return None
    if int(mac[:2], 16) & 0x02:
        return None  # locally administered: no OUI
    short, long = _manufdb().lookup(mac)
    if short == mac or not long:
        return None
    return str(long)
