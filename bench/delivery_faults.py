"""The kill-point table of the delivery guarantee: alerts due / arrived / duplicated per SIGKILL barrier.

    python bench/delivery_faults.py [--history sqlite|postgresql://...] [--tree PATH]

`--tree` runs the scanner of another checkout (with the same barrier names patched in) to measure before/after.
Prints a Markdown table; see tests/scanner/test_delivery_faults.py for the assertions.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from probes.barrier import BARRIERS
from tests.scanner import _faults


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--history", default="sqlite")
    parser.add_argument("--tree", type=Path, default=ROOT)
    parser.add_argument("barriers", nargs="*", default=list(BARRIERS))
    args = parser.parse_args()
    print("| kill point | alerts due | delivered | duplicated copies | alerts with >1 message_id | history |")
    print("|---|---|---|---|---|---|")
    for barrier in args.barriers:
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            async with _faults.lab_site(work) as site:
                history = str(work / "history.sqlite") if args.history == "sqlite" else args.history
                if history.startswith("postgresql://"):
                    from tests.scanner.history.conftest import pg_schema

                    async with pg_schema() as url:
                        outcome = await _faults.kill_and_rerun(barrier, work / "run", site, url, tree=args.tree)
                else:
                    outcome = await _faults.kill_and_rerun(barrier, work / "run", site, history, tree=args.tree)
        print(outcome.row() + ("" if outcome.killed else " (barrier not reached)"), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
