"""`camaudit evaluate FACTS.json --site FILE`: offline re-evaluation of saved facts."""

from __future__ import annotations

import json
from pathlib import Path

from reports.model import ScanMeta, ScanResult
from scanner import exitcodes
from scanner.cli import main
from tests.profiles.demo_expectations import DEMO_SITE, EXPECTED_FAILS
from tests.profiles.demo_fleet import demo_devices


def _facts_file(tmp_path: Path, *, document: bool) -> Path:
    devices = demo_devices()
    path = tmp_path / "facts.json"
    if document:
        from datetime import UTC, datetime

        meta = ScanMeta(scan_id="s1", site="demo-campus", started_at=datetime(2026, 11, 24, 8, 0, tzinfo=UTC),
                        scanner_version="0.1.0")
        path.write_text(ScanResult(meta=meta, devices=devices).dump_json(), encoding="utf-8")
    else:
        path.write_text(json.dumps([d.model_dump(mode="json") for d in devices]), encoding="utf-8")
    return path

def test_evaluate_scan_document_writes_findings(tmp_path: Path, capsys) -> None:
    facts = _facts_file(tmp_path, document=True)
    out = tmp_path / "evaluated.json"
    code = main(["evaluate", str(facts), "--site", str(DEMO_SITE), "--at", "2026-11-24T10:00", "--json", str(out)])
    assert code == exitcodes.FINDINGS_INCOMPLETE  # failing, and the declared camera lobby-old was not found
    result = ScanResult.load(out)
    assert result.meta.evaluated_at is not None and result.meta.evaluated_at.isoformat() == "2026-11-24T10:00:00+01:00"
    failing = {(result.declared_names.get(f.device_id, f.device_id), f.rule_id) for f in result.findings
               if f.result == "fail"}
    assert ("school-corridor", "GR-SCHOOL-1") in failing and ("declared:lobby-old", "GDPR-INV-2") in failing
    assert len(failing) == sum(len(v) for v in EXPECTED_FAILS.values())
    assert "Failing findings" in capsys.readouterr().out

def test_evaluate_bare_device_list_with_profile_override(tmp_path: Path, capsys) -> None:
    facts = _facts_file(tmp_path, document=False)
    out = tmp_path / "evaluated.json"
    code = main(["evaluate", str(facts), "--site", str(DEMO_SITE), "--profile", "edps-thermal-2020", "--at",
                 "2026-11-24T10:00", "--json", str(out), "-q"])
    assert code == exitcodes.FINDINGS_INCOMPLETE  # failing, and the declared camera lobby-old was not found
    result = ScanResult.load(out)
    assert result.meta.profiles == ["edps-thermal-2020"]
    assert {f.rule_id.split("-")[0] for f in result.findings} == {"EDPS", "GDPR"}
    assert capsys.readouterr().out == ""

def test_evaluate_clean_fleet_exits_zero(tmp_path: Path) -> None:
    devices = [d for d in demo_devices() if d.address in ("127.0.10.12", "127.0.10.24")]
    facts = tmp_path / "facts.json"
    facts.write_text(json.dumps([d.model_dump(mode="json") for d in devices]), encoding="utf-8")
    site = tmp_path / "site.yaml"
    text = DEMO_SITE.read_text(encoding="utf-8")
    keep = [block for block in text.split("\n  # ") if "hotel-lobby" in block or "parking-lot" in block]
    site.write_text(text.split("\ncameras:\n")[0] + "\ncameras:\n  # " + "\n  # ".join(keep) + "\n", encoding="utf-8")
    assert main(["evaluate", str(facts), "--site", str(site), "--at", "2026-11-24T10:00", "-q"]) == exitcodes.OK

def test_evaluate_bad_facts_file_is_a_usage_error(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "facts.json"
    bad.write_text('{"devices": [', encoding="utf-8")
    assert main(["evaluate", str(bad), "--site", str(DEMO_SITE)]) == exitcodes.USAGE
    assert "not valid JSON" in " ".join(capsys.readouterr().err.split())
    bad.write_text('{"meta": {}}', encoding="utf-8")
    assert main(["evaluate", str(bad), "--site", str(DEMO_SITE)]) == exitcodes.USAGE
    assert "not a camaudit scan document" in " ".join(capsys.readouterr().err.split())


def test_a_facts_file_that_is_missing_or_not_text_is_a_usage_error_naming_it(tmp_path, capsys):
    binary = tmp_path / "facts.json"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    for path, says in ((binary, "cannot read file"), (tmp_path / "absent.json", "file not found")):
        code = main(["evaluate", str(path), "--site", str(DEMO_SITE)])
        err = capsys.readouterr().err
        assert code == exitcodes.USAGE and str(path) in err.replace("\n", "") and says in " ".join(err.split()), err
