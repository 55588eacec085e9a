"""`camaudit history` and `camaudit diff` against a store holding the lab fleet's scans."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest

from scanner import exitcodes
from scanner.cli import main
from scanner.history import ScanRun, open_history, store_scan
from tests.scanner import labscans


@pytest.fixture
def history(tmp_path):
    path = tmp_path / "h.sqlite"

    async def fill():
        first, second = labscans.two_scans()
        async with open_history(path) as store:
            await store_scan(store, first)
            with pytest.raises(RuntimeError):
                async with ScanRun(store, labscans.SITE, scan_id="scan-x",
                                   started_at=labscans.T0 + timedelta(hours=3)):
                    raise RuntimeError("boom")
            await store_scan(store, second)

    asyncio.run(fill())
    return str(path)


def test_history_json_and_table(history, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "120")
    assert main(["history", "--history", history, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["scan_id"], r["status"]) for r in rows] == [("scan-b", "complete"), ("scan-x", "failed"),
                                                           ("scan-a", "complete")]
    assert (rows[0]["new"], rows[0]["resolved"], rows[0]["failing"]) == (5, 4, 2)
    assert main(["history", "--history", history, "--limit", "1", "--status", "complete", "--json"]) == 0
    assert [r["scan_id"] for r in json.loads(capsys.readouterr().out)] == ["scan-b"]
    assert main(["history", "--history", history]) == 0
    out = capsys.readouterr().out
    assert "scan-b" in out and "boom" in out and "complete" in out
    assert main(["history", "--history", history, "--site", "elsewhere"]) == 0
    assert "No scans recorded" in capsys.readouterr().out


def test_diff_default_is_last_two_scans(history, capsys):
    assert main(["diff", "--history", history, "--json"]) == 0
    drift = json.loads(capsys.readouterr().out)
    assert (drift["previous_scan_id"], drift["scan_id"]) == ("scan-a", "scan-b")
    assert drift["counts"] == {"new": 5, "changed": 1, "persisting": 5, "resolved": 4}
    assert len(drift["findings"]) == 10  # persisting ones left out without --all
    assert [d["name"] for d in drift["new_devices"]] == ["gate"]
    assert [d["name"] for d in drift["vanished_devices"]] == ["car-park"]
    # one argument: against the scan before it; explicit pair and prefixes give the same drift
    assert main(["diff", "--history", history, "--json", "scan-b"]) == 0
    assert json.loads(capsys.readouterr().out) == drift
    assert main(["diff", "--history", history, "--json", "scan-a", "scan-b"]) == 0
    assert json.loads(capsys.readouterr().out) == drift


def test_diff_rich_output(history, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["diff", "--history", history]) == 0
    out = capsys.readouterr().out
    for text in ("audio turned on (profiles: Profile_1)", "retention raised from 72 h to 30 d",
                 "firmware changed from 9.80.3 to 9.80.4", "car-park", "gate", "pass -> fail", "resolved"):
        assert text in out, text


def test_diff_files_and_errors(history, tmp_path, capsys):
    first, second = labscans.two_scans()
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(first.dump_json())
    b.write_text(second.dump_json())
    assert main(["diff", "--history", history, "--json", str(a), str(b)]) == 0
    assert json.loads(capsys.readouterr().out)["counts"]["resolved"] == 4
    assert main(["diff", "--history", history, "nope"]) == 1
    assert "no scan 'nope'" in capsys.readouterr().err
    assert main(["diff", "--history", history, "scan-"]) == 1
    assert "ambiguous" in capsys.readouterr().err
    # nothing to compare is a usage problem (1), not a scan error (2)
    assert main(["diff", "--history", history, "scan-a"]) == exitcodes.USAGE
    assert "no earlier complete scan" in capsys.readouterr().err
    assert main(["diff", "--history", str(tmp_path / "empty.sqlite")]) == exitcodes.USAGE
    assert "no complete scans" in capsys.readouterr().err


def test_history_prune(history, capsys):
    assert main(["history", "--history", history, "--prune", "1d", "--json"]) == 0
    captured = capsys.readouterr()
    assert "pruned 2 scan(s)" in captured.err  # scan-a and the failed scan-x; scan-b is the drift base
    assert [r["scan_id"] for r in json.loads(captured.out)] == ["scan-b"]
    assert main(["history", "--history", history, "--prune", "soon"]) == 1
