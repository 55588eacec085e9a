"""One way to run the process's event loop: uvloop when it is installed (the `fast` extra), else asyncio's,
with the garbage collector tuned for a batch job.

`CAMAUDIT_EVENT_LOOP=asyncio` forces the standard loop (to compare, or to rule uvloop out when debugging);
`CAMAUDIT_EVENT_LOOP=uvloop` insists on uvloop and fails when it is missing.
"""

from __future__ import annotations

import asyncio
import gc
import os
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's loop factory, or None for asyncio's default loop."""
    choice = os.environ.get("CAMAUDIT_EVENT_LOOP", "").strip().lower()
    if choice == "asyncio":
        return None
    try:
        import uvloop
    except ImportError:
        if choice == "uvloop":
            raise RuntimeError("CAMAUDIT_EVENT_LOOP=uvloop, but uvloop is not installed "
                               "(pip install 'camaudit[fast]')") from None
        return None
    new_loop: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    return new_loop


def loop_name() -> str:
    return "asyncio" if loop_factory() is None else "uvloop"


GC_THRESHOLDS = (500_000, 20, 100)
"""A scan allocates millions of short-lived objects while it keeps every camera's facts: with the default
(700, 10, 10) the collector ran every 700 allocations and re-traversed the growing heap again and again
(30 % of the scanner's CPU at 300 cameras, bench/README.md). Each young collection also traverses what the
reads in flight hold at that moment, so fewer, larger batches cost less: 500,000 against 50,000 took the
collector from 0.5 to 0.3 s at 1,000 cameras and from 9.5 to 3.7 s at 10,000, at the same peak RSS
(bench/README.md, round eleven). Reads leave no cycles behind (tests/probes/onvif/test_reader_memory.py),
so a larger batch holds no more memory; young cycles are still collected, the few long-lived ones wait for
a rarer full collection."""


def tune_gc() -> None:
    """Move what exists now (imported modules, the site) out of the collector's way and collect less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def run(main: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(main)` on the chosen loop, with the collector tuned (`tune_gc`).

    The result is handed back outside the main task: on Python 3.11, `asyncio.Runner.run` looks its SIGINT
    handler up through `signal.getsignal`, whose enum conversion formats that handler, hence the main task,
    hence the task's result, with `repr`; for a whole scan's result that took 3.3 s of CPU at 1,000 cameras
    after the work was done (bench/README.md "Round seven").
    """
    tune_gc()
    box: list[T] = []

    async def main_task() -> None:
        box.append(await main)

    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        runner.run(main_task())
    return box[0]
