"""The CLI spine: version, help, documented exit codes, and `camaudit` alone running the demo end to end."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from scanner import __version__
from scanner.cli import COMMANDS, main


def _run(*args: str, cwd: Path | None = None, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scanner", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=timeout, check=False)


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"camaudit {__version__}"


def test_help_lists_every_command() -> None:
    out = _run("--help").stdout
    for name in COMMANDS:
        assert f"    {name} " in out, name
    assert "Exit codes" in out


def test_usage_errors_exit_1() -> None:
    assert _run("scan", "--no-such-option").returncode == 1
    bad = _run("scan", "--targets", "8.8.8.0/24")
    assert bad.returncode == 1 and "--allow-public" in bad.stderr


@pytest.mark.slow
def test_no_command_runs_the_demo_end_to_end(tmp_path: Path) -> None:
    """`camaudit --json F` = the demo: 14 lab cameras discovered, read, judged; failing findings are its point.

    It exits 0 and says so (`camaudit scan` would exit 3), so `bash dev/demo && bash dev/test` goes on.
    """
    done = _run("--json", "scan.json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Demo ran as intended: 14 cameras read" in done.stderr
    assert "`camaudit scan` exits 4 for this result" in done.stderr
    assert (tmp_path / "camaudit-demo.html").is_file()  # the demo's default report
    scan = json.loads((tmp_path / "scan.json").read_text(encoding="utf-8"))
    assert len(scan["devices"]) == 14
    assert not any(d["errors"] for d in scan["devices"])
    failing = {(f["device_name"], f["rule_id"]) for f in scan["findings"] if f["result"] == "fail"}
    assert ("lobby-old", "GDPR-INV-2") in failing  # declared but absent
    assert ("hotel-corridor", "GR-HOTEL-1") in failing
    assert not any(name in ("hotel-lobby", "parking-lot") for name, _ in failing)  # the good examples


def test_a_demo_whose_fleet_was_not_read_keeps_the_scans_exit_code(tmp_path: Path) -> None:
    """Another `--fleet` outside the demo site's scope: no camera of it is read, so the demo did not run as
    intended and says so, with the scan's exit code (4: failing and incomplete), not 0."""
    fleet = tmp_path / "elsewhere.yaml"
    fleet.write_text("version: 1\ncameras:\n  - {name: elsewhere, address: 127.0.47.10, port: 8000}\n",
                     encoding="utf-8")
    done = _run("demo", "--fleet", str(fleet), "--json", "scan.json", cwd=tmp_path)
    assert done.returncode == 4, done.stderr
    assert "Demo ran as intended" not in done.stderr
    assert "did not run as intended: 1 of the fleet's 1 cameras were not read (127.0.47.10)" in done.stderr
    assert "Verdict INCOMPLETE" in done.stdout + done.stderr
    assert json.loads((tmp_path / "scan.json").read_text(encoding="utf-8"))["devices"] == []


def test_demo_with_its_addresses_taken_says_what_is_taken(tmp_path: Path) -> None:
    """Another demo holds 127.0.10.11:8000: a clear message and exit 2, no traceback, no mixed fleets."""
    import socket

    with socket.socket() as holder:
        holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        holder.bind(("127.0.10.11", 8000))
        holder.listen()
        done = _run("demo", "-q", cwd=tmp_path, timeout=60)
    assert done.returncode == 2
    assert "the demo fleet cannot start" in done.stderr and "127.0.10.11:8000" in done.stderr
    assert "Another `camaudit demo` or `camaudit lab serve`" in done.stderr
    assert "Traceback" not in done.stderr
