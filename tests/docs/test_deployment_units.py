"""The systemd units of docs/deployment.md, exactly as written, pass `systemd-analyze verify`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.docs.markdown import blocks
from tests.docs.test_systemd_units import SYSTEM_UNITS, _root, _verify

DOC = "docs/deployment.md"
pytestmark = pytest.mark.skipif(not shutil.which("systemd-analyze") or not SYSTEM_UNITS.is_dir(),
                                reason="needs systemd-analyze (Debian package systemd)")


def test_deployment_units_verify_as_written(tmp_path: Path) -> None:
    units = {b.path: b.text for b in blocks(DOC, "ini") if b.path and b.path.startswith("/etc/systemd/system/")}
    assert set(units) == {"/etc/systemd/system/camaudit-agent.service",
                          "/etc/systemd/system/camaudit-collect@.service",
                          "/etc/systemd/system/camaudit-dashboard.service"}
    done = _verify(_root(tmp_path, units), "camaudit-agent.service", "camaudit-collect@1.service",
                   "camaudit-dashboard.service")
    assert done.returncode == 0 and not done.stderr.strip() and not done.stdout.strip(), done.stderr


def test_deployment_commands_exist() -> None:
    """Every option the units and the guide use is one the commands accept (argparse would refuse the unit)."""
    from scanner.cli import build_parser

    parser = build_parser()
    for unit in (b.text for b in blocks(DOC, "ini")):
        line = next((x for x in unit.replace("\\\n", " ").splitlines() if x.startswith("ExecStart=")), None)
        assert line is not None
        argv = line.removeprefix("ExecStart=/opt/camaudit/bin/camaudit ").replace("%H-%i", "host-1").split()
        parser.parse_args(argv)
