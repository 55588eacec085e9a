"""Reading across processes: one event loop is one core, so a large site is split over worker processes.

    async for sheet in read_sharded(endpoints, ReaderOptions(username=..., password=...), workers=4):
        ...

Each worker is a fresh (spawned) process with its own `OnvifReader`, reading every `workers`-th endpoint
with its share of the concurrency; sheets come back one by one as they finish, in completion order, so
the caller sees one merged stream exactly as from `OnvifReader.read_all`. One shared deadline bounds the
whole phase: every worker and the parent hold the same instant (`time.monotonic` is machine-wide), the
worst case of the per-device deadlines plus start-up time. A worker that dies or hangs costs only the
sheets it had not sent: those endpoints are reported unread with the reason, never dropped. A forbidden
operation in any worker is a bug in camaudit and fails the read, as in one process.
"""

from __future__ import annotations

import asyncio
import logging
import math
import multiprocessing
import os
import queue as queue_mod
import resource
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from probes.discovery.model import DiscoveredDevice
from probes.facts import DeviceFacts
from probes.onvif._allowlist import ForbiddenOperation
from probes.onvif._reader import MiB, OnvifReader, find_exception, unread_facts
from probes.onvif.credentials import CredentialPlan
from probes.onvif.trust import CaBundle
from probes.runloop import run

log = logging.getLogger(__name__)

MIN_PER_WORKER = 64
"""Endpoints a worker must have before one more pays for its start-up (about a second of imports)."""

STARTUP_S = 30.0
"""Start-up allowance in the shared deadline: a spawned worker imports the reader before it reads."""


@dataclass(frozen=True, slots=True)
class ReaderOptions:
    """What `OnvifReader` is built from, in a form that crosses a process boundary (pickled to the worker
    over a pipe: the credentials never touch a file, a log or the command line)."""

    username: str | None = None
    password: str | None = None
    credentials: CredentialPlan | None = None
    concurrency: int = 128
    per_device_concurrency: int = 4
    device_deadline_s: float = 30
    request_timeout_s: float = 5
    max_reply_bytes: int = 2 * MiB
    ca_bundle: CaBundle | None = None  # certificates only (public): tls.verification

    def reader(self) -> OnvifReader:
        return OnvifReader(username=self.username, password=self.password, credentials=self.credentials,
                           concurrency=self.concurrency, per_device_concurrency=self.per_device_concurrency,
                           device_deadline_s=self.device_deadline_s, request_timeout_s=self.request_timeout_s,
                           max_reply_bytes=self.max_reply_bytes, ca_bundle=self.ca_bundle)

    def __repr__(self) -> str:  # never show the password
        return f"ReaderOptions(username={self.username!r}, concurrency={self.concurrency})"


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def worker_count(requested: int | None, endpoints: int) -> int:
    """Workers for `endpoints`: as asked (never more than one per endpoint), or by default the cores
    available, while each worker still gets `MIN_PER_WORKER` endpoints."""
    if requested is not None:
        return max(1, min(requested, endpoints))
    return max(1, min(available_cores(), endpoints // MIN_PER_WORKER))


def phase_budget_s(options: ReaderOptions, shard_size: int) -> float:
    """The worst case of one worker: its endpoints in waves of `concurrency`, each wave within the
    per-device deadline, plus start-up. Past it something hangs outside the deadlines."""
    waves = math.ceil(shard_size / options.concurrency) if shard_size else 0
    return STARTUP_S + waves * (options.device_deadline_s + 1)


async def read_sharded(devices: Sequence[DiscoveredDevice], options: ReaderOptions, *,
                       workers: int = 1) -> AsyncIterator[DeviceFacts]:
    """Fact sheets of `devices` in completion order, read by `workers` processes (1: in this process)."""
    if workers <= 1 or len(devices) < 2:
        async with options.reader() as reader:
            async for sheet in reader.read_all(devices):
                yield sheet
        return
    workers = min(workers, len(devices))
    shards = [list(devices[i::workers]) for i in range(workers)]
    share = replace(options, concurrency=max(1, math.ceil(options.concurrency / workers)))
    stop_at = time.monotonic() + phase_budget_s(share, max(len(s) for s in shards))
    context = multiprocessing.get_context("spawn")  # never fork a process that runs an event loop
    inbox: Any = context.Queue()
    procs = [context.Process(target=_work, args=(i, shard, share, stop_at, inbox),
                             name=f"camaudit-read-{i}", daemon=True) for i, shard in enumerate(shards)]
    for proc in procs:
        proc.start()
    pending = [dict(enumerate(shard)) for shard in shards]
    finished: dict[int, str] = {}  # worker -> why it stopped early ("" when it ended normally)
    try:
        while len(finished) < workers:
            left = stop_at - time.monotonic()
            if left <= 0:
                for i in range(workers):
                    finished.setdefault(i, "the reading phase's shared deadline passed")
                break
            msg = await asyncio.to_thread(_next, inbox, min(left, 0.5))
            if msg is None:
                for i, proc in enumerate(procs):
                    if i not in finished and not proc.is_alive() and not _drained(inbox):
                        finished[i] = f"reader process {proc.name} ended (exit code {proc.exitcode})"
                continue
            kind, i, *rest = msg
            if kind == "facts":
                index, sheet = rest
                pending[i].pop(index, None)
                yield sheet
            elif kind == "done":
                finished[i] = ""
                # what sizing and the benchmark need: the reading's CPU per process (the busiest bounds the wall)
                cpu, startup = rest
                log.debug("reader process %d done: %.3f s CPU (%.3f s of it starting)", i, cpu, startup,
                          extra={"reader_cpu_s": cpu, "reader_startup_cpu_s": startup})
            elif kind == "forbidden":
                raise ForbiddenOperation(rest[0])
            else:  # "crashed"
                log.error("reader process %d failed: %s", i, rest[0])
                finished[i] = f"reader process failed: {rest[0]}"
    finally:
        for proc in procs:
            if proc.is_alive():
                proc.terminate()
        for proc in procs:
            proc.join(timeout=5)
        inbox.close()
    for i, left_over in enumerate(pending):
        why = finished.get(i) or "the reader process ended before reading this endpoint"
        for device in left_over.values():
            yield unread_facts(device, why)


def _next(inbox: Any, timeout: float) -> Any:
    try:
        return inbox.get(timeout=timeout)
    except queue_mod.Empty:
        return None


def _drained(inbox: Any) -> bool:
    """False while messages may still be on their way (a worker's last sheets arrive after its exit)."""
    return not inbox.empty()


def _work(index: int, shard: list[DiscoveredDevice], options: ReaderOptions, stop_at: float, outbox: Any) -> None:
    """A worker process: read `shard`, send each sheet as it finishes, then "done" with its CPU time (and the
    part spent starting: interpreter, imports, unpickling the shard)."""
    startup = _cpu_s()
    try:
        run(_read_shard(index, shard, options, stop_at, outbox))
        outbox.put(("done", index, _cpu_s(), startup))
    except BaseException as exc:  # noqa: BLE001 - the parent reports this worker's unread endpoints
        forbidden = find_exception(exc, ForbiddenOperation)
        if forbidden is not None:
            outbox.put(("forbidden", index, str(forbidden)))
        else:
            outbox.put(("crashed", index, f"{type(exc).__name__}: {exc}"))
    finally:
        outbox.close()
        outbox.join_thread()  # every sheet is in the pipe before the process ends


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def _read_shard(index: int, shard: list[DiscoveredDevice], options: ReaderOptions, stop_at: float,
                      outbox: Any) -> None:
    async with options.reader() as reader:

        async def one(n: int, device: DiscoveredDevice) -> None:
            outbox.put(("facts", index, n, await reader.read(device)))

        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout_at(loop.time() + (stop_at - time.monotonic())), asyncio.TaskGroup() as group:
                for n, device in enumerate(shard):
                    group.create_task(one(n, device), name=f"onvif[{device.key}].read")
        except TimeoutError:
            return  # the parent reports what was not sent as unread at the shared deadline
