"""The systemd units of docs/scheduled-scans.md, exactly as written, pass `systemd-analyze verify`, and they
fit the installation of docs/install.md (its venv, its user, capabilities instead of root)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.docs.markdown import block_with, blocks

DOC = "docs/scheduled-scans.md"
SYSTEM_UNITS = Path("/usr/lib/systemd/system")
pytestmark = pytest.mark.skipif(not shutil.which("systemd-analyze") or not SYSTEM_UNITS.is_dir(),
                                reason="needs systemd-analyze (Debian package systemd)")

def _units() -> dict[str, str]:
    found = {b.path: b.text for b in blocks(DOC, "ini") if b.path and b.path.startswith("/etc/systemd/system/")}
    assert set(found) == {"/etc/systemd/system/camaudit-watch.service",
                          "/etc/systemd/system/camaudit-watch.service.d/credentials.conf",
                          "/etc/systemd/system/camaudit-scan.service", "/etc/systemd/system/camaudit-scan.timer"}
    return found

def _root(tmp_path: Path, units: dict[str, str]) -> Path:
    """A file-system root with systemd's own units, the documented ones, and the documented executable."""
    root = tmp_path / "root"
    shutil.copytree(SYSTEM_UNITS, root / "usr/lib/systemd/system", symlinks=True)
    for path, text in units.items():
        target = root / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    exe = root / "opt/camaudit/bin/camaudit"
    exe.parent.mkdir(parents=True)
    exe.write_text("#!/bin/sh\n")
    exe.chmod(0o755)
    return root

def _verify(root: Path, *names: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["systemd-analyze", "verify", f"--root={root}", *names], capture_output=True, text=True,
                          timeout=120, check=False)

def test_units_verify_as_written(tmp_path: Path) -> None:
    root = _root(tmp_path, _units())
    done = _verify(root, "camaudit-watch.service", "camaudit-scan.service", "camaudit-scan.timer")
    assert done.returncode == 0 and not done.stderr.strip() and not done.stdout.strip(), done.stderr

def test_verify_catches_a_broken_unit(tmp_path: Path) -> None:
    """The control: the same check fails on a typo and on a program that is not installed."""
    units = _units()
    path = "/etc/systemd/system/camaudit-scan.service"
    units[path] = units[path].replace("Type=oneshot", "Type=oneshoot").replace("/opt/camaudit/", "/usr/local/nope/")
    done = _verify(_root(tmp_path, units), "camaudit-scan.service")
    assert "oneshoot" in done.stderr and "/usr/local/nope/bin/camaudit" in done.stderr

def test_units_fit_the_documented_installation() -> None:
    install = block_with("docs/install.md", "python3 -m venv /opt/camaudit").text
    assert "useradd --system --user-group" in install and " camaudit\n" in install
    for path, text in _units().items():
        if not path.endswith(".service"):
            continue
        assert "DynamicUser" not in text  # a dynamic user could not read the files install.md creates
        assert "User=camaudit" in text and "ExecStart=/opt/camaudit/bin/camaudit " in text
        assert "ProtectHome=yes" in text and "/home/" not in text and "/root/" not in text
        assert "AmbientCapabilities=CAP_NET_RAW" in text and "CapabilityBoundingSet=CAP_NET_RAW" in text
        assert "EnvironmentFile=/etc/camaudit/secrets.env" in text  # install.md's secrets file
    dropin = _units()["/etc/systemd/system/camaudit-watch.service.d/credentials.conf"]
    assert "LoadCredential=camera-password:/etc/camaudit/camera.password" in dropin
    assert "--mqtt-password-file %d/mqtt-password" in dropin and "EnvironmentFile=\n" in dropin
