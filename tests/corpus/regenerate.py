"""Write tests/corpus/<name>/capture.json and facts.json: one archive per demo camera.

    /work/tools/nsrun XX .venv/bin/python -m tests.corpus.regenerate            # every demo camera
    /work/tools/nsrun XX .venv/bin/python -m tests.corpus.regenerate --facts-only  # re-read the archives

Run it only when the reader's output is meant to change; review the diff of facts.json like code.
`--facts-only` keeps the archives (also those captured elsewhere, e.g. from a bug report) and
rewrites each expected fact sheet from a read of the replayed archive.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path

from lab import DEMO_FLEET, load_fleet, run_fleet
from lab.replay import run_replay
from probes.discovery.model import DiscoveredDevice
from probes.onvif import CredentialPlan, OnvifReader
from probes.onvif.capture import capture_device
from probes.onvif.capture.compare import fact_sheet

CORPUS = Path(__file__).parent
USER, PASSWORD = "auditor", "demo-pass"  # the demo fleet's auditor; corpus archives are read with it
REPLAY_HOST = "127.0.30.1"


async def expected_facts(archive: Path) -> dict[str, object]:
    async with (run_replay(archive, host=REPLAY_HOST) as replay,
                OnvifReader(username=USER, password=PASSWORD) as reader):
        facts = await reader.read(DiscoveredDevice(addresses=[replay.address], xaddrs=[replay.xaddr]))
    return fact_sheet(facts, ports=replay.captured_ports)


async def main(facts_only: bool) -> None:
    if not facts_only:
        plan = CredentialPlan.single(USER, PASSWORD)
        async with run_fleet(load_fleet(DEMO_FLEET), port_override=0) as running:
            for cam in running.cameras:
                capture = await capture_device(DiscoveredDevice(addresses=[cam.address], xaddrs=[cam.xaddr]),
                                               credentials=plan)
                (CORPUS / cam.name).mkdir(exist_ok=True)
                capture.archive.write(CORPUS / cam.name / "capture.json")
    for archive in sorted(CORPUS.glob("*/capture.json")):
        sheet = await expected_facts(archive)
        (archive.parent / "facts.json").write_text(json.dumps(sheet, indent=1, sort_keys=True) + "\n")
        print(f"{archive.parent.name}: {len(sheet)} facts")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--facts-only", action="store_true", help="keep the archives, rewrite facts.json")
    asyncio.run(main(parser.parse_args().facts_only))
