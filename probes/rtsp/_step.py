"""The RTSP step of a scan, device by device as their ONVIF reads end.

Started per sheet, the probes' round trips overlap the reading of the cameras still in flight instead of
running as one more phase after the last sheet (at 200 ms per reply that phase was several waves of four
round trips). Two sheets that would send the same requests (two endpoints of one camera: same address,
same stream URIs, same credentials) share one probe, so a camera is never described twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from types import TracebackType
from typing import Any, Self, TypeVar

from probes.facts import DeviceFacts
from probes.rtsp._probe import Target, _Outcome, device_facts, not_probed, probe_streams, stream_targets

Credentials = Callable[[DeviceFacts], tuple[str, str] | None]
_Key = tuple[str, tuple[tuple[str, bool], ...], tuple[str, str] | None]
T = TypeVar("T")


class StreamProbes:
    """`start(sheet)` for each sheet as it arrives; leaving the `async with` waits until every sheet holds its
    RTSP facts (`rtsp.*`, `media.audio_streamed`). At most `concurrency` probes run at once."""

    def __init__(self, credentials_for: Credentials | None = None, *, concurrency: int = 64, timeout_s: float = 5.0,
                 deadline_s: float = 20.0, max_reply_bytes: int = 256 * 1024) -> None:
        self._credentials_for = credentials_for
        self._gate = asyncio.Semaphore(max(1, concurrency))
        self._timeout_s, self._deadline_s, self._max_reply_bytes = timeout_s, deadline_s, max_reply_bytes
        self._probes: dict[_Key, asyncio.Task[_Outcome | None]] = {}
        self._tasks: set[asyncio.Task[object]] = set()  # running or failed: a task that succeeded lets go of its frame

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        """Wait for every probe; when the body failed (or a probe did), cancel the rest and let that error through
        unchanged (not wrapped in an exception group, as a TaskGroup would)."""
        tasks, self._tasks = list(self._tasks), set()
        self._probes.clear()
        try:
            if exc_type is None:
                await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    def start(self, device: DeviceFacts) -> None:
        """Probe `device`'s streams in the background and store the facts in its sheet when done."""
        targets, why_not = stream_targets(device)
        if not targets:
            device.facts = {**device.facts, **not_probed(why_not)}
            return
        credentials = self._credentials_for(device) if self._credentials_for else None
        key: _Key = (device.address, tuple((t.uri, t.tls) for t in targets), credentials)
        probe = self._probes.get(key)
        if probe is None:
            probe = self._probes[key] = self._spawn(self._probe(device.address, targets, credentials),
                                                    f"rtsp[{device.address}]")
        self._spawn(self._store(device, probe), f"rtsp[{device.address}].store")

    def _spawn(self, work: Coroutine[Any, Any, T], name: str) -> asyncio.Task[T]:
        task = asyncio.create_task(work, name=name)
        self._tasks.add(task)  # held until done (the loop keeps only weak references)
        task.add_done_callback(self._let_go)
        return task

    def _let_go(self, task: asyncio.Task[Any]) -> None:
        """Forget a task that succeeded; one that failed stays, so that leaving the step raises its error."""
        if task.cancelled() or task.exception() is None:
            self._tasks.discard(task)

    async def _probe(self, address: str, targets: list[Target], credentials: tuple[str, str] | None) -> _Outcome | None:
        async with self._gate:
            return await probe_streams(address, targets, credentials, timeout_s=self._timeout_s,
                                       deadline_s=self._deadline_s, max_reply_bytes=self._max_reply_bytes)

    async def _store(self, device: DeviceFacts, probe: asyncio.Task[_Outcome | None]) -> None:
        out = await probe
        device.facts = {**device.facts, **device_facts(device, out, self._deadline_s)}  # assigned: the sheet types
