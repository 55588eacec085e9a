"""`camaudit scan --observe`: a capture that cannot start is a scan error (incomplete), never a silent all-clear,
and the read goes on. (The live capture itself is tested in namespaces: tests/probes/egress/test_live_netns.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from scanner import exitcodes
from tests.scanner.test_rtsp_scan import scan_lab

pytestmark = pytest.mark.slow


async def test_a_capture_that_cannot_start_makes_the_scan_incomplete(tmp_path: Path, monkeypatch) -> None:
    doc, _, code = await scan_lab(tmp_path, monkeypatch, "--observe", "1s", "--observe-iface", "camaudit-none0")
    assert any("traffic observation failed" in e and "camaudit-none0" in e for e in doc["meta"]["errors"])
    assert code in (exitcodes.INCOMPLETE, exitcodes.FINDINGS_INCOMPLETE)
    assert all("egress.observed" not in d["facts"] for d in doc["devices"])
    assert len(doc["devices"]) == 3  # the read went on


def test_observe_without_an_interface_is_refused_before_scanning(tmp_path: Path, capsys) -> None:
    from scanner.cli import main

    site = tmp_path / "site.yaml"
    site.write_text(yaml.safe_dump({"name": "s", "timezone": "UTC", "scope": {"targets": ["192.0.2.0/28"]}}))
    assert main(["scan", "--site", str(site), "--observe", "10m"]) == exitcodes.USAGE
    assert "--observe needs an interface" in capsys.readouterr().err
