"""`camaudit profiles list|show|schema|check|checks`: the shipped profiles and precise errors for user files."""

from __future__ import annotations

import json
from pathlib import Path

from scanner import exitcodes
from scanner.cli import main

SHIPPED = ("gdpr-baseline", "cz-uoou-2024", "gr-hdpa-1-2011", "fr-cnil-2020", "nl-ap-frt", "edps-thermal-2020")


def test_list(capsys, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["profiles", "list"]) == 0
    out = capsys.readouterr().out
    for pid in SHIPPED:
        assert pid in out


def test_show_table_and_json(capsys, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "250")
    assert main(["profiles", "show", "gr-hdpa-1-2011"]) == 0
    out = capsys.readouterr().out
    assert "GR-SCHOOL-1" in out and "school_hours" in out and "GR art 18" in out and "max_hours=48" in out
    assert main(["profiles", "show", "cz-uoou-2024", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    rules = {r["id"]: r for r in doc["rules"]}
    assert rules["CZ-RET-1"]["params"] == {"limit_hours": 72.0}
    assert rules["CZ-INFO-1"]["manual"] == {"attestation": "signage", "scope": "device"}
    assert rules["GDPR-SEC-1"]["profile"] == "gdpr-baseline"
    assert doc["extends"] == ["gdpr-baseline"]


def test_show_unknown_profile_is_a_usage_error(capsys) -> None:
    assert main(["profiles", "show", "gr-hdpa"]) == exitcodes.USAGE
    assert "unknown profile 'gr-hdpa'" in capsys.readouterr().err


def test_schema(capsys) -> None:
    assert main(["profiles", "schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["title"] == "camaudit compliance profile"
    assert "retention_limit" in json.dumps(schema)


def test_check_user_profile(tmp_path: Path, capsys) -> None:
    good = tmp_path / "mine.yaml"
    good.write_text('id: mine\ntitle: Mine\nsource: policy\njurisdiction: CZ\nversion: "1"\n'
                    "extends: [gdpr-baseline]\nrules:\n  - id: GDPR-RET-1\n    severity: high\n")
    assert main(["profiles", "check", str(good)]) == 0
    assert "ok (mine, 13 rules)" in capsys.readouterr().out  # the baseline's rules (GDPR-RET-1 overridden)
    bad = tmp_path / "bad.yaml"
    bad.write_text(good.read_text().replace("severity: high", "severity: high\n    params: {x: 1}"))
    assert main(["profiles", "check", str(bad)]) == exitcodes.USAGE
    err = capsys.readouterr().err
    assert "".join(f"{bad}:10: rules.0.params.x: unknown parameter".split()) in "".join(err.split())


def test_checks_lists_parameters(capsys, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["profiles", "checks"]) == 0
    out = capsys.readouterr().out
    assert "retention_limit" in out and "max_hours = required" in out
