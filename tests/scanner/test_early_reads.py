"""Reading announced cameras while discovery listens (scanner/early_reads.py), over real sockets.

An early read must be the read the scan would have made after discovery: the same requests to the same
camera, once, and the same sheet; and where discovery's final record says something the read depended on
differently, the early read is dropped and the endpoint read again with the final inputs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pydantic import SecretStr

from lab import clock as lab_clock
from lab import run_fleet
from probes.discovery import Signal
from probes.discovery.model import DiscoveredDevice
from probes.onvif import CredentialPlan, CredentialSelector, CredentialSet, OnvifReader
from scanner.early_reads import EarlyReads, hint_independent
from scanner.pipeline import ScanOptions, early_reader, reader_options, run_scan
from scanner.site import Credentials
from tests.scanner.identitylab import PASSWORD, UNICAST_AND_TCP, USER, fleet, host, site, subnet

VOLATILE = {"read_started", "read_finished", "received_at"}  # when the read ran: what two reads differ in


def announced(cam: Any, **extra: Any) -> DiscoveredDevice:
    """The record a ProbeMatch of `cam` gives discovery."""
    uuid = cam.spec.endpoint_uuid.removeprefix("urn:uuid:").lower()
    return DiscoveredDevice(addresses=[cam.address], xaddrs=[cam.xaddr], endpoint_uuid=uuid,
                            **{"signals": [Signal.WS_DISCOVERY_UNICAST], **extra})


MOVING = ("clock.skew_seconds", "recording.summary")  # measured against, or relative to, our moving clock


@pytest.fixture(autouse=True)
def still_lab_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """The lab's clock held at one instant: its time is in replies kept as evidence, and two reads a second
    apart must not differ there by luck."""
    instant = lab_clock.now()
    monkeypatch.setattr(lab_clock, "now", lambda: instant)


def sheet_of(device: Any) -> Any:
    """A sheet without the times of its read, nor what was measured against our clock (the skew, the span of
    stored recordings)."""
    sheet = _timeless(device.model_dump(mode="json", exclude={"read_started", "read_finished"}))
    for key in MOVING:
        sheet["facts"].get(key, {}).pop("value", None)
    return sheet


def _timeless(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _timeless(v) for k, v in value.items() if k not in VOLATILE}
    return [_timeless(v) for v in value] if isinstance(value, list) else value


@pytest.mark.slow
async def test_a_scan_reading_early_reads_each_camera_once_and_writes_the_same_sheets(
        caplog: pytest.LogCaptureFixture) -> None:
    net = subnet()
    cams = [{"name": f"cam-{n}", "address": host(net, n), "port": 8000} for n in (1, 2, 3)]
    creds = Credentials(username=USER, password=SecretStr(PASSWORD))
    results, asked = {}, {}
    for early in (False, True):
        async with run_fleet(fleet(cams), discovery=True) as running:
            with caplog.at_level(logging.DEBUG, logger="scanner.early_reads"):
                results[early] = await run_scan(site(net), ScanOptions(signals=UNICAST_AND_TCP, credentials=creds,
                                                                       early_reads=early))
            asked[early] = {c.name: list(c.received) for c in running.cameras}
    assert "early reads: 3 claimed, 0 read again, 0 not in the final list" in caplog.text
    # the same requests, each once (in another order: discovery's TCP check now runs alongside the read)
    assert {n: sorted(ops) for n, ops in asked[True].items()} == {n: sorted(ops) for n, ops in asked[False].items()}
    assert all(asked[True].values())
    assert [sheet_of(d) for d in results[True].devices] == [sheet_of(d) for d in results[False].devices]
    assert {d.address for d in results[True].devices} == {host(net, n) for n in (1, 2, 3)}
    assert all("ws-discovery-unicast" in d.signals and "tcp" in d.signals for d in results[True].devices)


@contextlib.asynccontextmanager
async def one_camera() -> AsyncIterator[tuple[Any, EarlyReads]]:
    """A lab camera on an address of its own, and early reads with the lab's credentials."""
    net = subnet()
    async with run_fleet(fleet([{"name": "cam", "address": host(net, 1), "port": 8000}]), discovery=False) as lab, \
            EarlyReads(OnvifReader(username=USER, password=PASSWORD, device_deadline_s=20)) as early:
        yield lab.cameras[0], early


async def test_the_final_record_supplies_what_a_sheet_copies_from_discovery() -> None:
    async with one_camera() as (cam, early):
        early.offer(announced(cam))
        await asyncio.sleep(0.05)  # discovery still listens (ARP and TCP are yet to tell the MAC and port)
        final = announced(cam, mac="00:40:8c:12:34:56", vendor="Axis",
                          signals=[Signal.WS_DISCOVERY_UNICAST, Signal.ARP, Signal.TCP])
        (sheet,) = [s async for s in early.read([final])]
        assert (early.claimed, early.discarded) == (1, 0)
        asked_once = len(cam.received)
        async with OnvifReader(username=USER, password=PASSWORD, device_deadline_s=20) as reader:
            fresh = await reader.read(final)
    assert asked_once == len(cam.received) - asked_once  # the early read asked what a read asks, once
    assert sheet.mac == "00:40:8c:12:34:56" and sheet.signals == ["ws-discovery-unicast", "arp", "tcp"]
    assert sheet.device_id == final.key
    assert sheet_of(sheet) == sheet_of(fresh)


async def test_an_early_read_whose_inputs_changed_is_dropped_and_read_again() -> None:
    async with one_camera() as (cam, early):
        early.offer(announced(cam).model_copy(update={"endpoint_uuid": "0d0d0d0d-0000-4000-8000-00000000beef"}))
        final = announced(cam)  # discovery's merge gave the endpoint another uuid
        (sheet,) = [s async for s in early.read([final])]
    assert (early.claimed, early.discarded) == (0, 1)
    assert sheet.endpoint_uuid == final.endpoint_uuid and sheet.get("services").ok


async def test_early_reads_nothing_claims_are_cancelled_and_nothing_is_left_running() -> None:
    async with one_camera() as (cam, early):
        early.offer(announced(cam))
        assert [s async for s in early.read([])] == []
    assert [t for t in asyncio.all_tasks() if ".early" in t.get_name() and not t.done()] == []
    assert (early.claimed, early.discarded) == (0, 0)


async def test_a_record_whose_xaddr_names_another_host_waits_for_discovery() -> None:
    """Behind NAT the endpoint is read at a port the TCP sweep decides: nothing starts early."""
    async with EarlyReads(OnvifReader()) as early:
        early.offer(DiscoveredDevice(addresses=["127.0.0.9"], xaddrs=["http://10.1.2.3/onvif/device_service"],
                                     signals=[Signal.WS_DISCOVERY_UNICAST]))
        early.offer(DiscoveredDevice(addresses=["127.0.0.9"], signals=[Signal.WS_DISCOVERY_UNICAST], bye=True,
                                     xaddrs=["http://127.0.0.9/onvif/device_service"]))
        assert [t for t in asyncio.all_tasks() if ".early" in t.get_name()] == []


def test_credential_sets_chosen_by_later_signals_rule_early_reads_out() -> None:
    secret = SecretStr("x")
    by_range = CredentialSet("range", "u", secret, CredentialSelector(addresses=("127.0.0.0/8",)))
    by_maker = CredentialSet("maker", "u", secret, CredentialSelector(manufacturers=("AXIS",)))
    by_mac = CredentialSet("mac", "u", secret, CredentialSelector(macs=("00:40:8c:00:00:01",)))
    assert hint_independent(CredentialPlan()) and hint_independent(CredentialPlan([by_range]))
    assert not hint_independent(CredentialPlan([by_range, by_maker]))
    assert not hint_independent(CredentialPlan([by_mac]))


@pytest.mark.parametrize(("options", "reads_early"), [
    (ScanOptions(), True),  # a /28: one reader process by default
    (ScanOptions(workers=1), True),
    (ScanOptions(workers=2), False),  # sheets are sharded over the final list
    (ScanOptions(early_reads=False), False),
    (ScanOptions(observe=("lo", 1.0)), False),  # the capture covers the reading phase
], ids=["default", "one-worker", "two-workers", "off", "observing"])
def test_when_a_scan_reads_early(options: ScanOptions, reads_early: bool) -> None:
    site_file = site(subnet())
    assert (early_reader(site_file, options, reader_options(site_file, options)) is not None) is reads_early


def test_a_scope_large_enough_for_reader_processes_reads_after_discovery(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("probes.onvif.shards.available_cores", lambda: 4)
    small, large = site(subnet()), site(subnet())
    large.site.scope.targets = ["127.16.0.0/22"]
    assert early_reader(small, ScanOptions(), reader_options(small, ScanOptions())) is not None
    assert early_reader(large, ScanOptions(), reader_options(large, ScanOptions())) is None
    assert early_reader(large, ScanOptions(workers=1), reader_options(large, ScanOptions(workers=1))) is not None


