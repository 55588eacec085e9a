"""CSV: one row per finding, and no cell a spreadsheet would run as a formula."""

from __future__ import annotations

import csv

import pytest

from reports.csvout import COLUMNS, safe_cell, write_csv


@pytest.mark.parametrize(
    ("raw", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+SUM(A1)", "'+SUM(A1)"),
        ("-2+3", "'-2+3"),
        ("@cmd", "'@cmd"),
        ("\t=x", "'\t=x"),
        ("\r=x", "'\r=x"),
        ("\uff1dcmd", "'\uff1dcmd"),
        ("cam-0001", "cam-0001"),
        ("", ""),
        (None, ""),
        (3, "3"),
    ],
)
def test_safe_cell(raw, cell):
    assert safe_cell(raw) == cell


def test_rows_and_injection(scan, tmp_path):
    path = tmp_path / "findings.csv"
    write_csv(scan, path)
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == COLUMNS
    assert len(rows) == len(scan.findings)
    hyper = [r for r in rows if "HYPERLINK" in r["device_name"]]
    assert hyper and all(r["device_name"].startswith("'=HYPERLINK(") for r in hyper)
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r"))
    first = rows[0]
    f = scan.findings[0]
    assert (first["uid"], first["rule_id"], first["result"], first["severity"]) == (
        f.uid,
        f.rule_id,
        f.result,
        f.severity,
    )
    assert first["address"] == scan.devices[0].address and first["model"] == "P3245-LVE"
