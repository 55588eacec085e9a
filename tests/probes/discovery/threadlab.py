"""Lab responders on their own thread and event loop, so a test can block the scanner's loop while the
cameras keep answering (a loaded machine, where the scanner is descheduled and the replies pile up)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Sequence
from typing import Self

from lab.responders import LabResponders, ResponderCamera


class ThreadedResponders:
    """`with ThreadedResponders(cameras) as lab:` unicast WS-Discovery answered from another thread."""

    def __init__(self, cameras: Sequence[ResponderCamera]) -> None:
        self.cameras = list(cameras)
        self.responders: LabResponders | None = None
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="threaded-lab", daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        if not self._ready.wait(60) or self._error is not None:
            raise RuntimeError(f"lab responders did not start: {self._error!r}")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(60)

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # noqa: BLE001 - reported by __enter__
            self._error = exc
            self._ready.set()

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        async with LabResponders(self.cameras) as responders:
            self.responders = responders
            self._ready.set()
            await self._stop.wait()

    @property
    def probes_received(self) -> int:
        return self.responders.probes_received if self.responders is not None else 0

    def wait_sent(self, count: int, *, timeout: float = 60.0) -> int:
        """Block this thread (and so its event loop) until the lab sent `count` ProbeMatches; returns how many."""
        assert self.responders is not None
        give_up = time.monotonic() + timeout
        while self.responders.probe_matches_sent < count and time.monotonic() < give_up:
            time.sleep(0.01)
        return self.responders.probe_matches_sent
