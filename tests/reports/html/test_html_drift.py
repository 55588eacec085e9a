"""'Since last scan' from the drift summary: escaped, capped for 1,000 cameras, and the declaration fold."""

from __future__ import annotations

import json
import re

from reports.html import DRIFT_ROW_LIMIT, build_data, render_html
from tests.reports.factory import add_drift, make_scan


def _section(page: str) -> str:
    start = page.index('<section id="changes">')
    return page[start:page.index("</section>", start)]


def test_drift_section_lists_cameras_and_fact_changes_escaped():
    scan = add_drift(make_scan(12), n_new=3, n_vanished=2, n_facts=4)
    section = _section(render_html(scan))
    assert "New cameras (3)" in section and "Vanished cameras (2)" in section and "Changed facts (4)" in section
    assert "&lt;b&gt;gone-0&lt;/b&gt;" in section and "<b>gone-0</b>" not in section
    assert "audio turned on (profiles: &lt;i&gt;Profile_0&lt;/i&gt;)" in section and "<i>" not in section
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in section  # hostile camera name among the new cameras
    assert f"compared with <code>{scan.meta.previous_scan_id}</code>" in section
    table = section[section.index('id="fact-changes"'):]
    assert table.index("Profile_2") < table.index('class="minor"')  # important changes first


def test_a_thousand_cameras_stay_a_short_section():
    scan = add_drift(make_scan(1000, findings_per_device=2), n_new=1000, n_vanished=400, n_facts=900)
    section = _section(render_html(scan))
    assert "New cameras (1000)" in section and "Vanished cameras (400)" in section
    assert section.count("<li>") == 2 * DRIFT_ROW_LIMIT
    assert f"… and {1000 - DRIFT_ROW_LIMIT} more" in section and f"… and {400 - DRIFT_ROW_LIMIT} more" in section
    table = section[section.index('id="fact-changes"'):]
    table = table[:table.index("</table>")]
    assert len(re.findall(r"<tr(?: class=\"minor\")?><td>", table)) == DRIFT_ROW_LIMIT
    assert f"… and {900 - DRIFT_ROW_LIMIT} more fact change(s)" in section
    assert 'class="minor"' not in table  # 450 important changes: the 200 shown are all important ones


def test_first_scan_says_there_is_nothing_to_compare():
    scan = add_drift(make_scan(3), n_new=0, n_vanished=0, n_facts=0)
    scan.drift = scan.drift.model_copy(update={"previous_scan_id": None, "previous_started_at": None})
    section = _section(render_html(scan))
    assert "first recorded scan of the site" in section and "New cameras" not in section


def test_waiting_unknowns_are_listed_in_the_data_and_announced():
    scan = add_drift(make_scan(30), waiting=5)
    waiting = [k for k, f in enumerate(scan.findings) if f.needs_declaration]
    assert len(waiting) == 5
    data = build_data(scan)
    assert data["needsDecl"] == waiting  # every finding is still in the rows; the app folds these
    assert len(data["rows"]) // len(data["rowFields"]) == len(scan.findings)
    page = render_html(scan)
    assert 'id="undeclared-note"' in page and "5 rule results cannot be judged" in page
    assert 'name="decl"' in page
    plain = render_html(make_scan(6))
    assert 'id="undeclared-note"' not in plain and 'name="decl"' not in plain
    assert json.loads(json.dumps(data))["needsDecl"] == waiting
