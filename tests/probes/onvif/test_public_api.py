"""The public surface of probes.onvif and its debug entry point."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys

import probes.onvif
from lab import parse_fleet, run_fleet
from probes.facts import FACT_CATALOGUE
from probes.onvif import ONVIF_FACTS, READ_OPERATIONS


def test_exported_members() -> None:
    public = sorted(n for n in dir(probes.onvif) if not n.startswith("_") and n[0].isupper())
    assert sorted(probes.onvif.__all__) == public


def test_allowlist_is_reads_only() -> None:
    assert READ_OPERATIONS and all(op.split(":")[1].startswith("Get") for op in READ_OPERATIONS)


def test_onvif_facts_cover_the_catalogue() -> None:
    discovery = {"identity.mac_vendor", "identity.endpoints", "network.open_ports", "network.segment"}
    rtsp = {"rtsp.server", "rtsp.auth", "rtsp.streams", "media.audio_streamed", "rtsp.audio_matches_profiles"}
    egress = {"egress.observed"}
    assert set(FACT_CATALOGUE) - set(ONVIF_FACTS) == discovery | rtsp | egress  # probes/rtsp, probes/egress


async def test_debug_cli_prints_the_fact_sheet() -> None:
    fleet = parse_fleet("""
version: 1
cameras:
  - {name: cli-cam, address: 127.0.12.40, port: 0, identity: {model: CLI-1},
     auth: {users: {auditor: {password: cli-pass, level: Administrator}}}}
""", "cli-test.yaml")
    async with run_fleet(fleet, port_override=0) as running:
        cam = running.cameras[0]
        env = {**os.environ, "CLI_TEST_PW": "cli-pass"}
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "probes.onvif", f"{cam.address}:{cam.port}", "--user", "auditor",
            "--password-env", "CLI_TEST_PW", stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode()
    sheet = json.loads(out)
    assert sheet["facts"]["identity.model"]["value"] == "CLI-1"
    assert sheet["facts"]["auth.schemes"]["value"] == ["ws-usernametoken"]
    assert "cli-pass" not in out.decode()


def test_debug_cli_refuses_public_addresses_and_password_arguments() -> None:
    proc = subprocess.run([sys.executable, "-m", "probes.onvif", "8.8.8.8:80"], capture_output=True, text=True,
                          timeout=60, check=False)
    assert proc.returncode != 0 and "public address" in proc.stderr
    proc = subprocess.run([sys.executable, "-m", "probes.onvif", "127.0.0.1:9", "--user", "u"],
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode != 0 and "--password-env" in proc.stderr
