"""The registry: which reader produces which fact, and in which phase it runs.

The phases keep the order that matters for honesty and for account safety:
1. FIRST, without credentials and concurrently: the clock (its offset is what WS-UsernameToken needs) and
   the service addresses (tds:GetServices, tds:GetCapabilities);
2. ANONYMOUS: a fixed set of operations without credentials -> auth.anonymous_operations;
3. LOGIN: one authenticated request alone -> auth scheme settled (see `_transport`), identity read;
4. SERVICES: every service reader concurrently, within the per-device bound;
5. TLS: after network.protocols, which names the HTTPS port of a device read over plain HTTP;
6. AUTH: the auth facts, once every authenticated exchange is over.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from probes.onvif.services import (
    addresses,
    analytics,
    auth,
    clock,
    device,
    events,
    media,
    ptz,
    recording,
    thermal,
    tls,
    uplink,
)
from probes.onvif.services._context import ReadContext
from probes.onvif.services._sheet import ONVIF_FACTS


class Phase(enum.IntEnum):
    FIRST = 1
    ANONYMOUS = 2
    LOGIN = 3
    SERVICES = 4
    TLS = 5
    AUTH = 6


@dataclass(frozen=True, slots=True)
class Reader:
    """One reader: its name (task names, logs), its phase, the facts it sets and nothing else."""

    name: str
    phase: Phase
    keys: frozenset[str]
    read: Callable[[ReadContext], Awaitable[None]]


def _reader(name: str, phase: Phase, keys: tuple[str, ...], read: Callable[[ReadContext], Awaitable[None]]) -> Reader:
    return Reader(name, phase, frozenset(keys), read)


READERS: tuple[Reader, ...] = (
    _reader("clock", Phase.FIRST, clock.KEYS, clock.read_clock),
    _reader("services", Phase.FIRST, addresses.KEYS, addresses.read_services),
    _reader("anonymous", Phase.ANONYMOUS, auth.ANONYMOUS_KEYS, auth.read_anonymous_operations),
    _reader("identity", Phase.LOGIN, auth.LOGIN_KEYS, auth.read_identity),
    _reader("device", Phase.SERVICES, device.KEYS, device.read_device_settings),
    _reader("media", Phase.SERVICES, media.KEYS, media.read_media),
    _reader("ptz", Phase.SERVICES, ptz.KEYS, ptz.read_ptz),
    _reader("recording", Phase.SERVICES, recording.KEYS, recording.read_recording),
    _reader("uplink", Phase.SERVICES, uplink.KEYS, uplink.read_uplinks),
    _reader("events", Phase.SERVICES, events.KEYS, events.read_event_brokers),
    _reader("thermal", Phase.SERVICES, thermal.KEYS, thermal.read_thermal),
    _reader("analytics", Phase.SERVICES, analytics.KEYS, analytics.read_analytics),
    _reader("tls", Phase.TLS, tls.KEYS, tls.read_tls),
    _reader("auth", Phase.AUTH, auth.AUTH_KEYS, auth.read_auth_facts),
)
"""Every reader, in the order their tasks start within a phase."""

READER_OF: dict[str, Reader] = {key: r for r in READERS for key in r.keys}
"""Fact key -> the one reader that sets it."""

BY_PHASE: tuple[tuple[Reader, ...], ...] = tuple(tuple(r for r in READERS if r.phase is p) for p in Phase)


def _check() -> None:
    """Every ONVIF fact has exactly one reader (a wrong registry fails at import, not in a scan)."""
    counted = [key for r in READERS for key in r.keys]
    twice = sorted({k for k in counted if counted.count(k) > 1})
    missing = sorted(set(ONVIF_FACTS) - set(counted))
    unknown = sorted(set(counted) - set(ONVIF_FACTS))
    if twice or missing or unknown:
        raise RuntimeError(f"reader registry: set twice {twice}, no reader {missing}, not ONVIF facts {unknown}")


_check()
