"""Output through a real pipe: ids whole, one table row per line, --json listings, NO_COLOR, literal errors."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from reports.jsonout import write_json
from tests.reports.factory import make_scan

ROOT = Path(__file__).resolve().parents[2]

SHIPPED = ("gdpr-baseline", "cz-uoou-2024", "gr-hdpa-1-2011", "fr-cnil-2020", "nl-ap-frt", "edps-thermal-2020")
ANSI = re.compile(r"\x1b\[[0-9;]*m")

def _piped(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`camaudit ARGS | ...`: stdout and stderr are pipes, no COLUMNS, no colour forcing unless asked."""
    base = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "NO_COLOR", "FORCE_COLOR")}
    return subprocess.run([sys.executable, "-m", "scanner", *args], capture_output=True, text=True,
                          env={**base, **env}, timeout=120, check=False, cwd=ROOT)

def test_profiles_list_piped_keeps_ids_whole_for_grep() -> None:
    done = _piped("profiles", "list")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    for pid in SHIPPED:
        hits = [line for line in lines if re.search(rf"(^|\W){re.escape(pid)}(\W|$)", line)]
        assert hits, f"{pid} not found whole in piped output"
    assert "…" not in done.stdout
    assert not ANSI.search(done.stdout)  # a pipe gets no colours

def test_profiles_show_piped_keeps_rule_ids_and_titles_on_their_line() -> None:
    done = _piped("profiles", "show", "cz-uoou-2024")
    assert done.returncode == 0, done.stderr
    doc = json.loads(_piped("profiles", "show", "cz-uoou-2024", "--json").stdout)
    for rule in doc["rules"]:
        line = next((ln for ln in done.stdout.splitlines() if f" {rule['id']} " in ln), None)
        assert line is not None, rule["id"]
        assert rule["title"] in line  # the rule's row is one line: grep by id shows its title
    assert "…" not in done.stdout

def test_listings_have_json() -> None:
    listed = json.loads(_piped("profiles", "list", "--json").stdout)
    assert {p["id"] for p in listed} == set(SHIPPED)
    assert all(p["rules"] > 0 for p in listed)
    baseline = next(p for p in listed if p["id"] == "gdpr-baseline")
    assert baseline["extends"] == []
    checks = json.loads(_piped("profiles", "checks", "--json").stdout)
    assert any(c["check"] == "retention_within_limit" or c["params"].get("properties") for c in checks)

def test_report_summary_piped_keeps_long_camera_names(tmp_path: Path) -> None:
    scan = make_scan(3, hostile=False)
    long_name = "building-7-north-stairwell-level-minus-two-emergency-exit-cam"  # > 40 characters
    scan.declared_names[scan.devices[0].device_id] = long_name
    doc = tmp_path / "scan.json"
    write_json(scan, doc)
    done = _piped("report", str(doc))
    assert long_name in done.stdout
    failing = [f for f in scan.findings if f.device_id == scan.devices[0].device_id and f.result == "fail"]
    if failing:  # each failing row is one line: grep by camera name shows the rule id too
        assert any(long_name in ln and failing[0].rule_id in ln for ln in done.stdout.splitlines())


@pytest.mark.parametrize("how", ["NO_COLOR", "--no-color"])
def test_no_color_is_honoured(how: str) -> None:
    coloured = _piped("profiles", "list", FORCE_COLOR="1")
    assert ANSI.search(coloured.stdout)  # the control: forced colours do reach the pipe
    if how == "NO_COLOR":
        plain = _piped("profiles", "list", FORCE_COLOR="1", NO_COLOR="1")
    else:
        plain = _piped("profiles", "list", "--no-color", FORCE_COLOR="1")  # after the command, too
    assert plain.returncode == 0, plain.stderr
    assert not re.search(r"\x1b\[[0-9;]*3[0-9]m|\x1b\[[0-9;]*38;", plain.stdout)  # no foreground colour codes
    assert "gdpr-baseline" in plain.stdout


@pytest.mark.parametrize("text", ["x[postgres]", "^[a-z]*$", "[bold]boom[/bold]"])
def test_error_messages_are_printed_literally(text: str) -> None:
    done = _piped("profiles", "show", text, FORCE_COLOR="1")
    assert done.returncode == 1
    assert text in ANSI.sub("", done.stderr), done.stderr

def test_usage_error_message_is_literal() -> None:
    done = _piped("history", "--status", "[postgres]")
    assert done.returncode == 1
    assert "'[postgres]'" in done.stderr


@pytest.mark.parametrize("command", [["scan"], ["discover"], ["init", "--out", "-"]])
def test_public_target_refusal_names_the_option_once(command: list[str]) -> None:
    done = _piped(*command, "--targets", "8.8.8.0/24")
    assert done.returncode == 1
    assert "use --allow-public if you really own them" in done.stderr
    assert "(or --allow-public)" not in done.stderr and "pydantic" not in done.stderr

def test_init_without_user_warns_that_the_scan_would_be_anonymous() -> None:
    done = _piped("init", "--targets", "127.0.0.1/32", "--ports", "9", "--timeout", "0.2", "--out", "-",
                  "--allow-empty")
    assert done.returncode == 0, done.stderr
    assert "warning: no --user given" in done.stderr and "reads anonymously" in done.stderr
    assert not re.search(r"^credentials:", done.stdout, re.M)  # only a commented example
