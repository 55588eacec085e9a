"""A whole scan (discovery, reading, identity, evaluation) of a small lab fleet on a fresh loopback /28.

Used by the identity tests: cameras are lab processes on real sockets, discovered by unicast
WS-Discovery and/or the TCP sweep, read over ONVIF and judged with the shipped gdpr-baseline.
"""

from __future__ import annotations

import ipaddress
import json
import os
import random
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from lab import run_fleet
from lab.model import Fleet
from probes.discovery import Signal
from reports.model import ScanResult
from scanner.pipeline import ScanOptions, run_scan
from scanner.site import Credentials, SiteFile, parse_site

PORTS = (8000, 8001, 8443, 8444)
USER, PASSWORD = "auditor", "lab-pass"
UNICAST_AND_TCP = {Signal.WS_DISCOVERY_UNICAST, Signal.TCP}


def subnet() -> ipaddress.IPv4Network:
    """A /28 of its own per test (inside the test's network namespace nobody else listens)."""
    second, third, fourth = 150 + os.getpid() % 50, random.randint(0, 255), 16 * random.randint(1, 14)
    return ipaddress.IPv4Network(f"127.{second}.{third}.{fourth}/28")


def host(net: ipaddress.IPv4Network, n: int) -> str:
    return str(net.network_address + n)


def fleet(cameras: list[dict[str, Any]]) -> Fleet:
    auth = {"users": {USER: {"password": PASSWORD, "level": "Administrator"}}}
    return Fleet.model_validate({"version": 1, "cameras": [{"auth": auth, **c} for c in cameras]})


def site(net: ipaddress.IPv4Network, declarations: list[dict[str, Any]] | None = None) -> SiteFile:
    doc = {"name": "identity-lab", "timezone": "UTC", "scope": {"targets": [str(net)], "ports": list(PORTS)},
           "profiles": ["gdpr-baseline"], "scan": {"discovery_timeout_s": 1.0, "device_deadline_s": 20},
           "cameras": declarations or []}
    return SiteFile(site=parse_site(json.dumps(doc)), path=Path("site.yaml").resolve())


async def scan(cameras: list[dict[str, Any]], net: ipaddress.IPv4Network, *,
               declarations: list[dict[str, Any]] | None = None,
               signals: set[Signal] | None = None) -> tuple[ScanResult, dict[str, list[str]]]:
    """Serve `cameras`, scan them, and return the scan plus what each camera was asked."""
    async with run_fleet(fleet(cameras), discovery=True) as running:
        result = await run_scan(site(net, declarations), ScanOptions(
            signals=signals or UNICAST_AND_TCP,
            credentials=Credentials(username=USER, password=SecretStr(PASSWORD))))
        asked = {c.name: list(c.received) for c in running.cameras}
    return result, asked


def declaration(name: str, match: dict[str, str]) -> dict[str, Any]:
    return {"name": name, "match": match, "class": 2, "area": "entrance", "purposes": ["property_protection"],
            "retention_hours": 72}
