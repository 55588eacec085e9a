"""Which Hello/Bye heard between scans make `camaudit watch` scan early, and when (virtual times)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from lab import DEMO_SITE
from probes.discovery import DiscoveredDevice, Signal
from probes.facts import DeviceFacts
from reports.model import ScanMeta, ScanResult
from scanner.site import load_site
from scanner.watch_announcements import SETTLE, EarlyScanPolicy, known_keys

T0 = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
GAP = timedelta(minutes=15)
KNOWN_UUID = "6f1e0c3a-0000-4000-8000-000000000001"


def _heard(address: str, uuid: str | None = None, *, bye: bool = False) -> DiscoveredDevice:
    signals = [Signal.WS_DISCOVERY, Signal.WS_DISCOVERY_BYE] if bye else [Signal.WS_DISCOVERY]
    return DiscoveredDevice(addresses=[address], endpoint_uuid=uuid, bye=bye, signals=signals)


def _policy() -> EarlyScanPolicy:
    return EarlyScanPolicy(gap=GAP, known=frozenset({f"uuid:{KNOWN_UUID}", "198.51.100.12"}))


def test_a_hello_always_matters_a_bye_only_of_a_known_camera() -> None:
    policy = _policy()
    assert policy.heard(_heard("198.51.100.99", "00000000-0000-4000-8000-0000000000ff", bye=True), T0) is None
    assert policy.due is None and policy.reasons == []
    assert policy.heard(_heard("198.51.100.77", KNOWN_UUID.upper(), bye=True), T0) == T0 + SETTLE  # by uuid
    policy = _policy()
    assert policy.heard(_heard("198.51.100.12", bye=True), T0) == T0 + SETTLE  # by address
    policy = _policy()
    assert policy.heard(_heard("198.51.100.99"), T0) == T0 + SETTLE  # a new device says Hello
    assert policy.reasons == ["Hello from 198.51.100.99"]


def test_a_burst_is_one_early_scan_and_early_scans_keep_their_gap() -> None:
    policy = _policy()
    policy.heard(_heard("198.51.100.12", KNOWN_UUID, bye=True), T0)
    assert policy.heard(_heard("198.51.100.12", KNOWN_UUID), T0 + timedelta(seconds=3)) == T0 + SETTLE
    started = T0 + SETTLE
    assert policy.started(started, early=True) == [f"Bye from 198.51.100.12 (uuid {KNOWN_UUID})",
                                                  f"Hello from 198.51.100.12 (uuid {KNOWN_UUID})"]
    assert policy.due is None and policy.reasons == []

    assert policy.heard(_heard("198.51.100.30"), started + timedelta(minutes=1)) == started + GAP  # not sooner
    assert policy.heard(_heard("198.51.100.31"), started + timedelta(minutes=2)) == started + GAP
    policy.started(started + timedelta(minutes=5), early=False)  # a scheduled scan covers what was pending
    assert policy.due is None and policy.last_early == started
    assert policy.heard(_heard("198.51.100.32"), started + GAP + timedelta(minutes=1)) == \
        started + GAP + timedelta(minutes=1) + SETTLE


def test_known_keys_are_the_declared_cameras_and_what_the_last_scan_saw() -> None:
    site_file = load_site(DEMO_SITE)
    declared = known_keys(site_file)
    assert "uuid:9a4d2c61-7e12-4b0f-8a12-0040f1a2b312" in declared  # hotel-lobby, declared by uuid
    meta = ScanMeta(scan_id="s", site=site_file.site.name, started_at=T0, scanner_version="test")
    seen = ScanResult(meta=meta, devices=[DeviceFacts(device_id="uuid:x", address="127.0.10.99",
                                                      endpoint_uuid="URN:UUID:ABC")])
    assert known_keys(site_file, seen) == declared | {"127.0.10.99", "uuid:abc"}
