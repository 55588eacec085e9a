"""Reading the fact sheet of one device: the registry's phases in order, the readers of a phase together.

Every fact is set exactly once, with its status, source and evidence, by the reader the registry names
for it (`probes/onvif/services/_registry.py`, which also says why the phases are in this order).
"""

from __future__ import annotations

import asyncio

from probes.onvif.services._context import ReadContext
from probes.onvif.services._current import current_keys
from probes.onvif.services._registry import BY_PHASE, Reader


async def read_device(ctx: ReadContext) -> None:
    """Run every reader on `ctx`; cancellation (the device deadline) may stop it anywhere."""
    for readers in BY_PHASE:
        if len(readers) == 1:  # alone: awaited in this task, so a device error reaches the caller as it is
            await _run(readers[0], ctx)
            continue
        async with asyncio.TaskGroup() as group:  # a bug in one reader cancels the others, nothing leaks
            for reader in readers:
                group.create_task(_run(reader, ctx), name=f"onvif[{ctx.ch.address}].{reader.name}")


async def _run(reader: Reader, ctx: ReadContext) -> None:
    token = current_keys.set(reader.keys)
    try:
        await reader.read(ctx)
    finally:
        current_keys.reset(token)
