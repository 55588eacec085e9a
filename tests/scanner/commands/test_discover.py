"""`camaudit discover` end to end: a subprocess against lab cameras on loopback, table and JSON output."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from tests.probes.discovery.loopfleet import LoopbackFleet, loopback_subnet

ROOT = Path(__file__).resolve().parents[3]


async def camaudit(*args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "scanner", *args, cwd=ROOT,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
                                                env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"})
    out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    return proc.returncode or 0, out.decode(), err.decode()


async def test_table_and_json_list_the_fleet(tmp_path: Path) -> None:
    async with LoopbackFleet(loopback_subnet()) as fleet:
        out_file = tmp_path / "devices.json"
        code, out, err = await camaudit("discover", "--targets", str(fleet.net), "--ports",
                                        *map(str, fleet.all_ports), "--timeout", "1", "--json", str(out_file))
        assert code == 0, err
        devices = json.loads(out_file.read_text())
        assert sorted(d["addresses"][0] for d in devices) == sorted(fleet.ports)
        assert {d["endpoint_uuid"] for d in devices} == fleet.uuids()
        assert {d["endpoint_uuid"] for d in devices if "ws-discovery-unicast" in d["signals"]} == \
            fleet.uuids(discoverable_only=True)
        rows = {line.split()[1]: line for line in out.splitlines() if line.startswith("│ ")}
        for camera in fleet.cameras:
            assert camera.address in rows  # the table, one row per device
        for device in devices:  # what the scopes said is in the row: name, model
            row = rows[device["addresses"][0]]
            for value in (device["name"], device["model"] or device["hardware"]):
                if value:
                    assert value in row, (value, row)
        assert any(d["hardware"] or d["model"] for d in devices)  # the control: scopes did carry models
        if any(d["onvif_ports"] for d in devices):
            assert "*" in out and "ports: * = an ONVIF device service answered there" in out
        assert "ws-discovery-unicast" in out and "skipped ws-discovery:" in out

        code, out, err = await camaudit("discover", "--targets", str(fleet.net), "--signals", "tcp", "--ports",
                                        *map(str, fleet.all_ports), "--timeout", "1", "--json", "-")
        assert code == 0, err
        devices = json.loads(out)  # stdout is pure JSON; the table went to stderr
        assert {s for d in devices for s in d["signals"]} == {"tcp"}
        assert fleet.cameras[0].address in err


async def test_bad_targets_are_a_usage_error() -> None:
    code, _, err = await camaudit("discover", "--targets", "8.8.8.0/24")
    assert code == 1 and "globally routable" in err
    code, _, err = await camaudit("discover", "--targets", "not-an-ip")
    assert code == 1 and "not an IP address" in err


async def test_site_file_gives_scope_ports_and_declared_hosts(tmp_path: Path) -> None:
    async with LoopbackFleet(loopback_subnet(), count=2) as fleet:
        first, second = (c.address for c in fleet.cameras)
        site = tmp_path / "site.yaml"
        site.write_text(
            "name: loop-test\n"
            "scope:\n"
            f"  targets: [{fleet.net}]\n"
            f"  hosts: ['{second}:{fleet.ports[second]}']\n"
            f"  ports: [{fleet.ports[first]}]\n"
            "scan:\n"
            "  discovery_timeout_s: 1\n")
        code, out, err = await camaudit("discover", "--site", str(site), "--json", "-")
    assert code == 0, err
    devices = {d["addresses"][0]: d for d in json.loads(out)}
    assert set(devices) == {first, second}
    assert devices[first]["onvif_ports"] == [fleet.ports[first]]  # from the site's ports
    assert devices[second]["onvif_ports"] == [fleet.ports[second]]  # from the host:port entry
