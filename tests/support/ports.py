"""A free 127.0.0.1 TCP port for a test server, chosen outside the kernel's ephemeral range.

A port from `bind(0)` is ephemeral: when the server is killed and a client keeps reconnecting to it, the
kernel may give that client the very same port as its source, and the connect meets itself (TCP
simultaneous open). The client then holds the port and the restarted server fails with "Address already
in use". Source ports are only ever drawn from the ephemeral range, so a port below it cannot be taken so.
"""

from __future__ import annotations

import random
import socket
from pathlib import Path

_RANGE_FILE = Path("/proc/sys/net/ipv4/ip_local_port_range")
_LOWEST = 10_000  # under the well-known service ports tests might meet, above what daemons usually take


def _ephemeral_low() -> int:
    try:
        return int(_RANGE_FILE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768  # Linux's default


def free_port(host: str = "127.0.0.1") -> int:
    """A port on `host` that nothing listens on now and that no client's connect can be given as its source."""
    high = _ephemeral_low()
    rng = random.SystemRandom()  # parallel test processes must not walk the same sequence
    for _ in range(200):
        port = rng.randrange(_LOWEST, high) if high > _LOWEST else 0
        with socket.socket() as s:
            try:
                s.bind((host, port))
            except OSError:
                continue
            return int(s.getsockname()[1])
    raise RuntimeError(f"no free TCP port on {host} below the ephemeral range ({_LOWEST}-{high})")
