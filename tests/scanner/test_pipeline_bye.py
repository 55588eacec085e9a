"""A declared camera heard saying WS-Discovery Bye stays in the scan: its sheet and the coverage say it left.

(Not read, it is not matched to its declaration: unreachable devices never are, `evaluate_result`.)

Before, a Bye-only record (no port, no XAddr) was dropped before reading, and the camera became
"declared, not found" as if discovery had never heard of it.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lab import DEMO_SITE
from probes.discovery import DiscoveredDevice, Signal
from reports import document
from reports.coverage import coverage_of
from reports.model import ScanMeta
from scanner.pipeline import (
    BYE_UNREAD,
    ScanOptions,
    declared_addresses,
    evaluate_result,
    read_facts,
    scan_candidates,
)
from scanner.site import load_site

LOBBY_UUID = "9a4d2c61-7e12-4b0f-8a12-0040f1a2b312"  # hotel-lobby, declared by uuid in the demo site
STRANGER_UUID = "00000000-0000-4000-8000-0000000000ff"


def _bye(uuid: str, address: str) -> DiscoveredDevice:
    return DiscoveredDevice(addresses=[address], endpoint_uuid=uuid, bye=True,
                            signals=[Signal.WS_DISCOVERY, Signal.WS_DISCOVERY_BYE])


def test_a_declared_cameras_bye_is_read_and_reported_an_unknown_ones_is_not() -> None:
    site_file = load_site(DEMO_SITE)
    declared = declared_addresses(site_file)
    assert f"uuid:{LOBBY_UUID}" in declared  # "urn:uuid:..." in the site file, normalised

    candidates = scan_candidates([_bye(LOBBY_UUID, "127.0.10.12"), _bye(STRANGER_UUID, "127.0.10.98")], [],
                                 declared)
    assert [c.endpoint_uuid for c in candidates] == [LOBBY_UUID]


async def test_the_bye_is_visible_in_the_sheet_and_the_coverage(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAMAUDIT_DEMO_PASSWORD", "demo-pass")  # the demo site's credentials (never sent here)
    site_file = load_site(DEMO_SITE)
    (candidate,) = scan_candidates([_bye(LOBBY_UUID, "127.0.10.12")], [], declared_addresses(site_file))
    (sheet,) = await read_facts(site_file, [candidate], ScanOptions())
    assert sheet.device_id == f"uuid:{LOBBY_UUID}"
    assert sheet.signals == ["ws-discovery", "ws-discovery-bye"]
    assert sheet.errors == [BYE_UNREAD]

    meta = ScanMeta(scan_id="bye", site=site_file.site.name, started_at=datetime(2026, 12, 1, tzinfo=UTC),
                    scanner_version="test")
    result = evaluate_result(document.new_document(meta, [sheet]), site_file, ["gdpr-baseline"],
                             at=datetime(2026, 12, 1, tzinfo=UTC))
    coverage = coverage_of(result)
    (left,) = [u for u in coverage.uncovered if u.device_id == sheet.device_id]
    assert (left.address, left.reason) == ("127.0.10.12", BYE_UNREAD)  # in every report's coverage section
    assert not coverage.complete
