"""Discovery's Hello/Bye listener in a namespace, driven step by step by a test (no sleeping on luck).

    python hello_proc.py CIDR [CIDR ...]

Prints "listening" once it has joined 239.255.255.250 and FF02::C on the interfaces the scope allows.
Each stdin line "<uuid> hello|bye" waits (up to WAIT_S) until that announcement was heard and prints
"heard" or "missing"; at end of input it prints the heard devices as one JSON line and exits.
"""

from __future__ import annotations

import asyncio
import json
import sys

from probes.discovery._interfaces import select_interfaces, select_interfaces6
from probes.discovery._wsd_probe import HelloListener
from probes.scope import Scope

WAIT_S = 20.0


def _heard(listener: HelloListener, uuid: str, kind: str) -> bool:
    return any(d.endpoint_uuid == uuid and d.bye == (kind == "bye") for d in listener.devices)


async def main(targets: list[str]) -> None:
    scope = Scope.parse(targets)
    interfaces, _ = select_interfaces(scope)
    interfaces6, _ = select_interfaces6(scope)
    async with HelloListener(scope, interfaces, interfaces6) as listener:
        if listener.error:
            print(f"error {listener.error}", flush=True)
            return
        print("listening", flush=True)
        loop = asyncio.get_running_loop()
        while line := await asyncio.to_thread(sys.stdin.readline):
            uuid, kind = line.split()
            until = loop.time() + WAIT_S
            while not _heard(listener, uuid, kind) and loop.time() < until:
                await asyncio.sleep(0.02)
            print("heard" if _heard(listener, uuid, kind) else "missing", flush=True)
    print(json.dumps([d.model_dump(mode="json") for d in listener.devices]), flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
