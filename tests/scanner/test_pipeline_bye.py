"""A declared camera heard saying WS-Discovery Bye stays in the scan: its sheet and the coverage say it left.

Not read, it is judged by no rule, but it is the declared camera: every output lists it once, under its
declared name, with the Bye as the reason (`profiles/unread.py`), and the scan stays incomplete.

Before, a Bye-only record (no port, no XAddr) was dropped before reading, and the camera became
"declared, not found" as if discovery had never heard of it.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from rich.console import Console

from lab import DEMO_SITE
from probes.discovery import DiscoveredDevice, Signal
from reports import document
from reports.console import render_coverage, render_summary
from reports.coverage import coverage_of
from reports.html import render_html
from reports.model import ScanMeta, ScanResult
from scanner import exitcodes
from scanner.pipeline import (
    BYE_UNREAD,
    ScanOptions,
    declared_addresses,
    evaluate_result,
    exit_code,
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


async def _bye_scan(monkeypatch: pytest.MonkeyPatch) -> ScanResult:
    """The demo site scanned when only hotel-lobby's Bye was heard (read for real: nothing to connect to)."""
    monkeypatch.setenv("CAMAUDIT_DEMO_PASSWORD", "demo-pass")  # the demo site's credentials (never sent here)
    site_file = load_site(DEMO_SITE)
    (candidate,) = scan_candidates([_bye(LOBBY_UUID, "127.0.10.12")], [], declared_addresses(site_file))
    (sheet,) = await read_facts(site_file, [candidate], ScanOptions())
    assert sheet.device_id == f"uuid:{LOBBY_UUID}"
    assert sheet.signals == ["ws-discovery", "ws-discovery-bye"]
    assert sheet.errors == [BYE_UNREAD]
    meta = ScanMeta(scan_id="bye", site=site_file.site.name, started_at=datetime(2026, 12, 1, tzinfo=UTC),
                    scanner_version="test")
    return evaluate_result(document.new_document(meta, [sheet]), site_file, ["gdpr-baseline"],
                           at=datetime(2026, 12, 1, tzinfo=UTC))


async def test_the_bye_is_visible_in_the_sheet_and_the_coverage_once(monkeypatch: pytest.MonkeyPatch) -> None:
    result = await _bye_scan(monkeypatch)
    coverage = coverage_of(result)
    (left,) = [u for u in coverage.uncovered if u.name == "hotel-lobby" or u.device_id == f"uuid:{LOBBY_UUID}"]
    assert (left.device_id, left.address, left.reason) == (f"uuid:{LOBBY_UUID}", "127.0.10.12", BYE_UNREAD)
    assert left.declared
    assert "hotel-lobby" not in coverage.declared_missing
    assert not any("hotel-lobby" in line for line in coverage.incomplete)  # counted once: "1 camera not read"
    assert not coverage.complete
    assert exit_code(result) == exitcodes.FINDINGS_INCOMPLETE  # the inventory rule fails, coverage incomplete


async def test_the_inventory_rule_says_the_camera_left(monkeypatch: pytest.MonkeyPatch) -> None:
    result = await _bye_scan(monkeypatch)
    assert result.declared_names[f"uuid:{LOBBY_UUID}"] == "hotel-lobby"
    lobby = [f for f in result.findings if f.device_name == "hotel-lobby"]
    assert lobby and {f.device_id for f in lobby} == {f"uuid:{LOBBY_UUID}"}  # no "declared:hotel-lobby" twin
    (identity,) = lobby
    assert identity.result == "fail" and BYE_UNREAD in identity.message
    assert not any(f.device_id == "declared:hotel-lobby" for f in result.findings)


async def test_console_and_html_list_the_camera_once(monkeypatch: pytest.MonkeyPatch) -> None:
    result = await _bye_scan(monkeypatch)
    buf = io.StringIO()
    console = Console(file=buf, width=400)
    render_coverage(result, console, limit=100)
    coverage_lines = [line for line in buf.getvalue().splitlines() if "hotel-lobby" in line]
    assert len(coverage_lines) == 1 and "said WS-Discovery Bye" in coverage_lines[0]
    assert "declared, not found" not in coverage_lines[0]

    buf = io.StringIO()
    render_summary(result, Console(file=buf, width=400))
    cameras = buf.getvalue().split("Cameras (1)")[1].split("Profiles")[0]  # the table, one row per camera
    assert len([line for line in cameras.splitlines() if "hotel-lobby" in line]) == 1

    html = render_html(result)
    box = html[html.index('id="coverage"'):]
    box = box[:box.index("</div>")]
    rows = [row for row in box.split("<tr>") if "hotel-lobby" in row]
    assert len(rows) == 1 and "said WS-Discovery Bye" in rows[0] and "declared, not found" not in rows[0]
