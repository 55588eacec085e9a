"""`camaudit report FINDINGS.json`: re-renders a saved scan document; bad documents are usage errors."""

from __future__ import annotations

import json

from reports.jsonout import write_json
from scanner import exitcodes
from scanner.cli import main
from tests.reports.factory import make_scan


def test_report_renders_every_format(tmp_path, capsys):
    scan = make_scan(4)
    doc = tmp_path / "scan.json"
    write_json(scan, doc)
    outs = {fmt: tmp_path / f"again.{fmt}" for fmt in ("html", "json", "jsonl", "csv", "ocsf")}
    args = ["report", str(doc)]
    for fmt, path in outs.items():
        args += [f"--{fmt}", str(path)]
    # the sample has failing findings, and scan errors and a device not read: incomplete as well
    assert main(args) == exitcodes.FINDINGS_INCOMPLETE
    for path in outs.values():
        assert path.stat().st_size > 0
    again = json.loads(outs["json"].read_text(encoding="utf-8"))
    assert again.pop("coverage")["incomplete"]  # a document without coverage gets it derived
    assert again == {k: v for k, v in json.loads(doc.read_text(encoding="utf-8")).items() if k != "coverage"}
    assert len(outs["ocsf"].read_text(encoding="utf-8").splitlines()) == len(scan.findings)
    out = capsys.readouterr().out
    assert "<script>alert(1)</script>" in out and "HTML written to" in out

def test_quiet_and_clean_document(tmp_path, capsys):
    scan = make_scan(2, hostile=False)
    scan.findings = [f for f in scan.findings if f.result == "pass"]
    scan.meta.errors = []
    for dev in scan.devices:
        dev.errors = []
        dev.facts = {k: v for k, v in dev.facts.items() if v.status != "error"}
    doc = tmp_path / "scan.json"
    write_json(scan, doc)
    assert main(["report", str(doc), "-q", "--csv", str(tmp_path / "a.csv")]) == exitcodes.OK
    assert capsys.readouterr().out == ""

def test_bad_document_is_a_usage_error(tmp_path, capsys):
    doc = tmp_path / "broken.json"
    doc.write_text('{"schema": "camaudit.scan/1", "meta": {"scan_id": 1}}', encoding="utf-8")
    assert main(["report", str(doc), "--html", str(tmp_path / "r.html")]) == exitcodes.USAGE
    err = capsys.readouterr().err
    assert "broken.json" in err and "meta" in err
    assert not (tmp_path / "r.html").exists()
