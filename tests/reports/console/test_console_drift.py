"""'Changes since last scan' in the console summary, and the grouped undeclared-camera unknowns."""

from __future__ import annotations

import io

from rich.console import Console

from reports.console import render_changes, render_summary
from tests.reports.factory import add_drift, make_scan


def _render(fn, obj, width: int = 200, **kw) -> str:
    buf = io.StringIO()
    fn(obj, Console(file=buf, force_terminal=True, width=width, color_system=None), **kw)
    return buf.getvalue()


def test_changes_block_lists_cameras_and_facts_safely():
    scan = add_drift(make_scan(8), n_new=2, n_vanished=1, n_facts=4)
    out = _render(render_summary, scan)
    block = out[out.index("Changes since last scan"):]
    assert f"scan {scan.drift.previous_scan_id}" in block
    assert "+ new camera <script>alert(1)</script>" in block  # literal text, no markup
    assert "- vanished camera <b>gone-0</b> (192.0.2.1)" in block
    important = [c for c in scan.drift.fact_changes if c.important]
    for c in important:
        assert f"~ {c.device_name}: {c.sentence}" in block
    minor = [c for c in scan.drift.fact_changes if not c.important]
    assert minor and all(c.sentence not in block for c in minor)
    assert f"{len(minor)} minor fact changes" in block
    f = scan.drift.findings
    assert f"findings: {f.new} new, {f.changed} changed, {f.resolved} resolved, {f.persisting} persisting" in block


def test_changes_block_is_short_for_a_big_fleet():
    scan = add_drift(make_scan(300, findings_per_device=1, hostile=False), n_new=250, n_vanished=40, n_facts=0)
    out = _render(render_changes, scan.drift, limit=15)
    assert out.count("new camera") == 15 and "vanished camera" not in out
    assert "… 275 more changes" in out


def test_first_scan_and_no_drift():
    scan = add_drift(make_scan(3), n_new=0, n_vanished=0, n_facts=0)
    scan.drift = scan.drift.model_copy(update={"previous_scan_id": None})
    assert "first recorded scan of the site" in _render(render_summary, scan)
    scan.drift = None
    assert "Changes since last scan" not in _render(render_summary, scan)


def test_waiting_unknowns_have_their_own_column():
    scan = add_drift(make_scan(30, hostile=False), waiting=6)
    out = _render(render_summary, scan, width=220)
    header = next(line for line in out.splitlines() if line.strip().startswith("camera"))
    assert header.rstrip().endswith("decl")  # the column, last
    rows = [line.split() for line in out[out.index(header):out.index("Profiles")].splitlines()[2:] if line.strip()]
    rows = [row for row in rows if row[-1] == "·" or row[-1].isdigit()]
    assert len(rows) == 31  # 30 cameras and the site
    waiting = [row[-1] for row in rows if row[-1] != "·"]
    assert sum(map(int, waiting)) == 6 and len(waiting) == 3
    assert "3 undeclared cameras: 6 rule results need a declaration" in out
    # the plain scan has no such column
    assert "undeclared camera" not in _render(render_summary, make_scan(30, hostile=False))
