"""write_reports writes each requested format atomically; a failing reporter leaves the old file intact."""

from __future__ import annotations

import json

import pytest

from reports import emit
from reports.emit import REPORTERS, write_reports


def test_writes_every_requested_format(scan, tmp_path):
    paths = {fmt: tmp_path / "out" / f"report.{fmt}" for fmt in REPORTERS}
    written = write_reports(scan, **paths)
    assert written == paths
    for path in paths.values():
        assert path.stat().st_size > 0
    assert json.loads(paths["json"].read_text(encoding="utf-8"))["meta"]["scan_id"] == scan.meta.scan_id
    assert paths["html"].read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert list((tmp_path / "out").iterdir()).__len__() == len(REPORTERS)  # no temporary files left


def test_only_given_paths_are_written(scan, tmp_path):
    assert write_reports(scan, csv=tmp_path / "a.csv") == {"csv": tmp_path / "a.csv"}
    assert [p.name for p in tmp_path.iterdir()] == ["a.csv"]


def test_failure_keeps_the_previous_report(scan, tmp_path, monkeypatch):
    target = tmp_path / "report.json"
    target.write_text("previous", encoding="utf-8")

    def broken(result, path):
        path.write_text("half", encoding="utf-8")
        raise OSError("disk full")

    monkeypatch.setitem(emit.REPORTERS, "json", broken)
    with pytest.raises(OSError, match="disk full"):
        write_reports(scan, json=target)
    assert target.read_text(encoding="utf-8") == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


async def test_async_variant(scan, tmp_path):
    written = await emit.write_reports_async(scan, jsonl=tmp_path / "f.jsonl")
    assert written["jsonl"].read_text(encoding="utf-8").count("\n") == len(scan.findings) + 1  # + coverage


def test_empty_and_facts_only_scans_render(scan, tmp_path):
    """A scan that found nothing, and a facts-only scan, still give every report (and a summary)."""
    import io

    from rich.console import Console

    from reports.console import render_summary
    from reports.model import ScanResult

    empty = ScanResult(meta=scan.meta.model_copy(update={"errors": []}))
    facts_only = scan.model_copy(update={"findings": []})
    for i, result in enumerate((empty, facts_only)):
        paths = {fmt: tmp_path / str(i) / f"r.{fmt}" for fmt in REPORTERS}
        write_reports(result, **paths)
        assert "<!DOCTYPE html>" in paths["html"].read_text(encoding="utf-8")
        assert paths["ocsf"].read_text(encoding="utf-8") == ""
        buf = io.StringIO()
        render_summary(result, Console(file=buf, width=120))
        assert "No failing findings" in buf.getvalue()
        assert i == 1 or "INCOMPLETE" in buf.getvalue()  # nothing found is never a clean result
