"""`camaudit capture` and `camaudit lab replay` end to end, as subprocesses against a lab camera."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sys
from pathlib import Path

import pytest

from lab import DEMO_FLEET, load_fleet, run_fleet
from probes.discovery.model import DiscoveredDevice
from probes.onvif import OnvifReader

ROOT = Path(__file__).resolve().parents[3]
ENV = {"COLUMNS": "200", "PATH": "/usr/bin:/bin", "CAM_PASSWORD": "demo-pass"}


async def camaudit(*args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "scanner", *args, cwd=ROOT,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
                                                env=ENV)
    out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    return proc.returncode or 0, out.decode(), err.decode()


@pytest.mark.asyncio
async def test_capture_then_replay_from_the_command_line(tmp_path: Path) -> None:
    fleet = load_fleet(DEMO_FLEET)
    fleet.cameras = [c for c in fleet.cameras if c.name == "bank-vault"]
    archive = tmp_path / "bank.json"
    async with run_fleet(fleet, port_override=0) as running:
        cam = running.cameras[0]
        code, out, err = await camaudit("capture", f"{cam.address}:{cam.port}", "--out", str(archive),
                                        "--user", "auditor", "--password-env", "CAM_PASSWORD")
        assert code == 0, err
        assert "credentials removed; identifiers pseudonymised" in out
    text = archive.read_text()
    assert "demo-pass" not in text and cam.address not in text
    assert json.loads(text)["format"] == "camaudit.capture/1"

    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "scanner", "lab", "replay", str(archive), "--bind", "127.0.30.2", cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=ENV)
    try:
        assert proc.stdout is not None
        line = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode()
        xaddr = re.search(r"http://\S+", line)
        assert xaddr, line
        async with OnvifReader(username="auditor", password="demo-pass") as reader:
            facts = await reader.read(DiscoveredDevice(addresses=["127.0.30.2"], xaddrs=[xaddr.group(0)]))
        assert facts.facts["identity.model"].value == cam.spec.identity.model
        assert facts.facts["identity.serial"].value.startswith("SERIAL")
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        await asyncio.wait_for(proc.wait(), 30)


@pytest.mark.asyncio
async def test_capture_refuses_a_public_address_and_a_missing_password(tmp_path: Path) -> None:
    code, _, err = await camaudit("capture", "8.8.8.8:80", "--out", str(tmp_path / "x.json"))
    assert code == 1 and "public address" in err
    code, _, err = await camaudit("capture", "127.0.0.1:9", "--out", str(tmp_path / "x.json"), "--user", "a")
    assert code == 1 and "--password-env" in err
    assert not (tmp_path / "x.json").exists()


@pytest.mark.asyncio
async def test_replay_names_a_file_that_is_not_an_archive(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "something-else"}')
    code, out, err = await camaudit("lab", "replay", str(bad))
    assert code == 1 and str(bad) in err + out and "camaudit.capture/1" in err + out
