"""Configured means capable, end to end: lab cameras whose uplink/broker is not connected when read still fail
GDPR-TRANSFER-1 / CZ-TRANSFER-1 when undeclared (real ONVIF replies over sockets, read by the real reader)."""

from __future__ import annotations

import pytest

from lab import parse_fleet, run_fleet
from profiles.findings import Result
from tests.profiles.factbook import judge
from tests.profiles.labread import read_sheets

FLEET = """
version: 1
defaults:
  auth: {schemes: [ws-usernametoken], users: {auditor: {password: lab-pass, level: Administrator}}}
cameras:
  - name: offline-uplink
    address: 127.0.10.61
    identity: {endpoint_uuid: "urn:uuid:00000000-0000-4000-8000-000000000061"}
    uplinks: [{remote_address: "wss://cloud.vendor.example:443", status: Offline}]
  - name: connecting-broker
    address: 127.0.10.62
    identity: {endpoint_uuid: "urn:uuid:00000000-0000-4000-8000-000000000062"}
    event_brokers: [{address: "mqtts://broker.vendor.example:8883", topic_prefix: cams, status: Connecting}]
  - name: nothing-configured
    address: 127.0.10.63
    identity: {endpoint_uuid: "urn:uuid:00000000-0000-4000-8000-000000000063"}
"""


async def _sheets() -> dict[str, object]:
    async with run_fleet(parse_fleet(FLEET), port_override=0) as running:
        return await read_sheets(running, "auditor", "lab-pass")


@pytest.mark.asyncio
async def test_not_connected_egress_read_from_lab_is_still_egress() -> None:
    sheets = await _sheets()
    uplink = judge("cloud_declared", sheets["offline-uplink"])
    assert uplink.result is Result.FAIL, uplink.message
    assert "uplink configured to send to wss://cloud.vendor.example:443 (not connected when read: Offline)" \
        in uplink.message
    broker = judge("third_country_transfer", sheets["connecting-broker"])
    assert broker.result is Result.FAIL, broker.message
    assert "event broker configured to send to mqtts://broker.vendor.example:8883 (not connected when read: " \
           "Connecting)" in broker.message
    # nothing configured: every cloud fact read (uplink service absent from GetServices), so "no cloud" holds
    clean = judge("cloud_declared", sheets["nothing-configured"])
    assert clean.result is Result.PASS, clean.message
    assert {(ev.key, ev.status) for ev in clean.evidence} >= {
        ("cloud.uplinks", "absent"), ("cloud.event_brokers", "ok"), ("storage.targets", "ok"),
        ("cloud.dynamic_dns", "ok")}
