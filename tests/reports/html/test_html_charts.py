"""The summary charts and value texts of the HTML report: a camera is compliant only when it was read and nothing
failed; a fact value reads as the JSON the scan document holds."""

from __future__ import annotations

import json

import pytest

from probes.factvalues import plain
from probes.factvalues.media import MediaProfile
from probes.readstatus import DeviceRead, ReadStatus
from reports.html import VALUE_LIMIT, Chart, _context, _short
from reports.model import ScanResult
from tests.reports.factory import make_scan


def _cameras_by_outcome(scan: ScanResult, title: str) -> dict[str, int]:
    charts: list[Chart] = _context(scan)["charts"]  # type: ignore[assignment]
    chart = next(c for c in charts if c.title == title)
    counts: dict[str, int] = {}
    for bar in chart.bars:
        for segment in bar.segments:
            counts[segment.label] = counts.get(segment.label, 0) + segment.value
    return counts


def test_a_camera_not_read_is_never_compliant_in_the_class_and_area_charts() -> None:
    scan = make_scan(4, hostile=False, with_changes=False)
    refused = scan.devices[0]
    refused.read = DeviceRead(status=ReadStatus.CREDENTIALS_REFUSED, reason="HTTP 401")
    scan.findings = [f for f in scan.findings if f.device_id != refused.device_id]  # nothing judged, nothing failed
    for title in ("Cameras per declared class", "Cameras per area type"):
        counts = _cameras_by_outcome(scan, title)
        assert sum(counts.values()) == len(scan.devices)
        assert counts.get("incomplete", 0) >= 1, (title, counts)
        outcomes = _context(scan)["outcomes"]  # what the summary cards count
        assert counts == dict(outcomes), (title, counts)  # type: ignore[call-overload]


@pytest.mark.parametrize("value", [None, True, False, [], [1, "a"], 0, 2.5, {"k": [None]}, "text", "é" * 400,
                                   MediaProfile(token="main", name="Main ✓"), [MediaProfile(token="t", name="")]])
def test_a_fact_value_reads_as_its_json_cut_to_the_limit(value: object) -> None:
    whole = value if isinstance(value, str) else json.dumps(plain(value), ensure_ascii=False, default=str)
    for limit in (VALUE_LIMIT, 5):
        assert _short(value, limit) == (whole if len(whole) <= limit else whole[:limit - 1] + "…")
