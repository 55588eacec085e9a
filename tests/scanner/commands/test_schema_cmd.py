"""`camaudit schema --check`: every problem of every file, located, with suggestions; exit 1 if any."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

BAD = """\
name: t
scop:
  targets: [192.0.2.0/24]
cameras:
  - name: door
    match: {ip: 192.0.2.10}
    class: 9
    area: entrance
    purposes: [property_protection]
    retention_hourz: 3
"""


def _check(*files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scanner", "schema", "--check", *map(str, files)],
                          capture_output=True, text=True, timeout=60, check=False, cwd=ROOT)


def test_lists_every_problem_with_file_line_and_suggestion(tmp_path: Path) -> None:
    bad = tmp_path / "site.yaml"
    bad.write_text(BAD, encoding="utf-8")
    good = ROOT / "examples" / "site.example.yaml"
    done = _check(bad, good)
    assert done.returncode == 1
    assert f"{good}: ok" in done.stdout  # the other file is still checked
    err = done.stderr.splitlines()
    assert err[0] == f"error: {bad}: 3 problems"
    assert err[1:] == [
        f"  {bad}:2: scop: unknown key; did you mean 'scope'?",
        f"  {bad}:7: cameras.0.class: Input should be less than or equal to 4 (got 9)",
        f"  {bad}:10: cameras.0.retention_hourz: unknown key; did you mean 'retention_hours'?",
    ]
    assert "more problem" not in done.stderr


def test_good_files_exit_0() -> None:
    done = _check(ROOT / "examples" / "site.example.yaml")
    assert done.returncode == 0 and "ok (2 cameras" in done.stdout
