"""A captured camera replayed inside a network namespace, and a reader run from another one (IPv6 tests)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.netns import Host, NetnsLab

ARCHIVE = Path(__file__).resolve().parents[1] / "corpus" / "bank-vault" / "capture.json"
EXPECTED: dict[str, Any] = json.loads((ARCHIVE.parent / "facts.json").read_text())
PORT = 8000


def serve_replay(lab: NetnsLab, cam: Host, bind: str, port: int = PORT) -> subprocess.Popen[bytes]:
    """`camaudit lab replay` of the bank-vault capture on `bind`:`port`, once it serves."""
    proc = lab.python(cam, ["-m", "scanner", "lab", "replay", str(ARCHIVE), "--bind", bind, "--port", str(port)],
                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "COLUMNS": "300"})
    assert proc.stdout is not None
    line = proc.stdout.readline().decode()
    assert "serving the captured device at" in line, line + (proc.stderr.read().decode() if proc.stderr else "")
    return proc


def read_device(lab: NetnsLab, scanner: Host, target: str) -> dict[str, Any]:
    """The fact sheet `python -m probes.onvif` reads from `target`, as a scan would (the replay's credentials)."""
    result = lab.run(scanner, [sys.executable, "-m", "probes.onvif", target, "--user", "auditor",
                               "--password-env", "CAM_PASSWORD", "--deadline", "30"],
                     env={**os.environ, "CAM_PASSWORD": "demo-pass"})
    assert result.returncode == 0, result.stderr
    sheet: dict[str, Any] = json.loads(result.stdout)
    return sheet
