"""1,000 generated cameras start in one process, each on its own address; the figure is printed."""

from __future__ import annotations

import asyncio
import os
import time

from lab import generate_fleet, run_fleet
from tests.lab.soapclient import soap


def _rss_mb() -> float:
    with open(f"/proc/{os.getpid()}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


async def test_thousand_cameras_in_one_process(http, capsys) -> None:
    before = _rss_mb()
    started = time.perf_counter()
    fleet = generate_fleet(1000, network="127.0.40.0/22")
    generated = time.perf_counter()
    async with run_fleet(fleet, port_override=0) as running:
        assert len(running.cameras) == 1000
        assert len({(c.address, c.port) for c in running.cameras}) == 1000
        sample = running.cameras[::97]
        replies = await asyncio.gather(*(soap(http, c, "tds", "GetSystemDateAndTime", user=None) for c in sample))
        assert all(r.status == 200 for r in replies)
        info = await soap(http, running.cameras[-1], "tds", "GetDeviceInformation", password="bench-pass")
        assert info.text(".//tds:SerialNumber") == running.cameras[-1].spec.serial
        with capsys.disabled():
            print(f"\n[lab] 1000 cameras: generate {generated - started:.2f} s, start {running.start_seconds:.2f} s, "
                  f"RSS {before:.0f} -> {_rss_mb():.0f} MB")
        assert [c.received for c in sample[1:]] == [["tds:GetSystemDateAndTime"]] * (len(sample) - 1)
