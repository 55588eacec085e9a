"""The HTML data island's packed arrays are read by name on both sides: Python writes the field names
(`rowFields`, `ruleFields`, `factFields`), app.js looks every position up by them. These tests fail when
app.js uses a name Python does not write, leaves a written field unread, or indexes a packed array by number."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reports.html import FACT_FIELDS, ROW_FIELDS, RULE_FIELDS, build_data
from tests.reports.factory import make_scan

APP_JS = (Path(__file__).resolve().parents[3] / "reports" / "html" / "app.js").read_text(encoding="utf-8")
# fields the report does not show but the island carries for readers of the data (the rule's check function)
UNREAD = {"ruleFields": {"check"}}
SIDES = [("rowFields", "F", ROW_FIELDS), ("ruleFields", "RF", RULE_FIELDS), ("factFields", "FF", FACT_FIELDS)]


@pytest.mark.parametrize(("island", "js_name", "fields"), SIDES, ids=[s[0] for s in SIDES])
def test_app_js_reads_exactly_the_fields_python_writes(island, js_name, fields):
    assert f"{js_name} = positions(D.{island})" in APP_JS
    used = set(re.findall(rf"\b{js_name}\.(\w+)", APP_JS))
    assert used <= set(fields), f"app.js reads {sorted(used - set(fields))}, which Python does not write"
    assert set(fields) - used == UNREAD.get(island, set()), "a field Python writes that app.js never reads"


def test_no_packed_array_is_indexed_by_number():
    """`R[o + 4]`, `rule[3]` or `f[6]` would silently read another field after a change on the Python side."""
    by_number = re.findall(r"\bR\[[^\]]*[+*]\s*\d+\s*\]|\bR\[\w+\]|\b(?:rule|r|ra|rb|f)\[\d+\]", APP_JS)
    assert by_number == []


def test_the_island_carries_the_names_and_rows_of_that_width():
    scan = make_scan(3, findings_per_device=4)
    data = build_data(scan)
    assert (data["rowFields"], data["ruleFields"], data["factFields"]) == (
        list(ROW_FIELDS), list(RULE_FIELDS), list(FACT_FIELDS))
    assert len(data["rows"]) == len(ROW_FIELDS) * len(scan.findings) > 0
    assert all(len(rule) == len(RULE_FIELDS) for rule in data["rules"])
    assert all(len(fact) == len(FACT_FIELDS) for dev in data["devices"] for fact in dev["facts"])
