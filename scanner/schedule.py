"""When `camaudit watch` scans: fixed intervals (`--every 6h`) or cron expressions, plus jitter.

The loop runs one job at a time: a job that overruns its slot makes the loop skip
the slots it missed (logged), never start a second job or catch up in a burst. The
clock is injectable so tests run schedules in virtual time; the real clock sleeps
in short steps against the wall clock, so a suspended host or a clock change does
not stretch a six-hour wait.
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from croniter import croniter

from probes import clock as product_clock
from probes.errors import ConfigError

log = logging.getLogger("camaudit.watch")

MAX_SLEEP_STEP = 30.0  # s: re-read the wall clock at least this often while waiting
MIN_INTERVAL = timedelta(seconds=1)

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])")


def parse_duration(text: str) -> timedelta:
    """'30m', '6h', '1d', '90s', '1h30m' (units s, m, h, d, w) -> timedelta."""
    compact = text.strip().lower().replace(" ", "")
    if not compact or _DURATION.sub("", compact):
        raise ConfigError(f"{text!r} is not a duration like 30m, 6h, 1d or 1h30m", field="duration")
    seconds = sum(float(n) * _UNITS[u] for n, u in _DURATION.findall(compact))
    if seconds <= 0:
        raise ConfigError(f"duration {text!r} must be positive", field="duration")
    return timedelta(seconds=seconds)


def format_duration(delta: timedelta) -> str:
    seconds = delta.total_seconds()
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, sec = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{sec:02d}s"


class Schedule(Protocol):
    """Nominal scan times."""

    def next_after(self, after: datetime) -> datetime:
        """The first slot strictly after `after` (aware UTC)."""
        ...

    def describe(self) -> str: ...


@dataclass(frozen=True)
class Every:
    """Every `interval`, counted from `anchor` (the watch's start)."""

    interval: timedelta
    anchor: datetime

    def __post_init__(self) -> None:
        if self.interval < MIN_INTERVAL:
            raise ConfigError(f"--every must be at least {MIN_INTERVAL.total_seconds():g}s", field="--every")

    def next_after(self, after: datetime) -> datetime:
        if after < self.anchor:
            return self.anchor
        return self.anchor + ((after - self.anchor) // self.interval + 1) * self.interval

    def describe(self) -> str:
        return f"every {format_duration(self.interval)}"


@dataclass(frozen=True)
class Cron:
    """A five-field cron expression, read in a time zone (the site's)."""

    expression: str
    timezone: str = "UTC"

    def __post_init__(self) -> None:
        if not croniter.is_valid(self.expression) or len(self.expression.split()) != 5:
            raise ConfigError(f"{self.expression!r} is not a cron expression like '0 */6 * * *' "
                              "(minute hour day month weekday)", field="--cron")

    def next_after(self, after: datetime) -> datetime:
        from zoneinfo import ZoneInfo

        local = after.astimezone(ZoneInfo(self.timezone))
        return croniter(self.expression, local).get_next(datetime).astimezone(UTC)

    def describe(self) -> str:
        return f"cron '{self.expression}' ({self.timezone})"


@dataclass(frozen=True)
class Jitter:
    """A random delay after each slot: a fraction of the period (`10%`) or at most a duration (`5m`)."""

    fraction: float | None = None
    fixed: timedelta | None = None

    @classmethod
    def parse(cls, text: str) -> Jitter:
        text = text.strip()
        if text.endswith("%"):
            try:
                percent = float(text[:-1])
            except ValueError:
                raise ConfigError(f"--jitter {text!r} is not a percentage like 10%", field="--jitter") from None
            if not 0 <= percent < 100:
                raise ConfigError("--jitter must be between 0% and 99%", field="--jitter")
            return cls(fraction=percent / 100)
        if text in ("0", "none", "off"):
            return cls(fraction=0.0)
        return cls(fixed=parse_duration(text))

    def maximum(self, period: timedelta) -> timedelta:
        """The largest delay for a slot whose period (gap to the next slot) is `period`; kept below it."""
        limit = period * self.fraction if self.fraction is not None else (self.fixed or timedelta(0))
        return min(limit, period * 0.9)

    def delay(self, period: timedelta, rng: random.Random) -> timedelta:
        top = self.maximum(period).total_seconds()
        return timedelta(seconds=rng.uniform(0, top)) if top > 0 else timedelta(0)


class Clock(Protocol):
    def now(self) -> datetime: ...

    async def sleep_until(self, when: datetime, stop: asyncio.Event) -> bool:
        """Wait until `when`; False when `stop` was set first."""
        ...


class SystemClock:
    """The wall clock, waited on in short steps."""

    def now(self) -> datetime:
        return product_clock.now()

    async def sleep_until(self, when: datetime, stop: asyncio.Event) -> bool:
        while not stop.is_set():
            remaining = (when - self.now()).total_seconds()
            if remaining <= 0:
                return True
            try:
                await asyncio.wait_for(stop.wait(), min(remaining, MAX_SLEEP_STEP))
            except TimeoutError:
                continue
        return False


Job = Callable[[datetime], Awaitable[object]]


async def _wait(clock: Clock, when: datetime, stop: asyncio.Event, early: asyncio.Event | None) -> str:
    """Sleep until `when`: "slot", or "stop" / "early" when that event is set first."""
    if early is None:
        return "slot" if await clock.sleep_until(when, stop) else "stop"
    interrupt = asyncio.Event()

    async def relay(event: asyncio.Event) -> None:
        await event.wait()
        interrupt.set()

    relays = [asyncio.create_task(relay(stop)), asyncio.create_task(relay(early))]
    try:
        reached = await clock.sleep_until(when, interrupt)
    finally:
        for task in relays:
            task.cancel()
    if reached:
        return "slot"
    return "early" if early.is_set() and not stop.is_set() else "stop"  # a clock may end the wait itself


async def run_schedule(schedule: Schedule, job: Job, *, stop: asyncio.Event, clock: Clock | None = None,
                       jitter: Jitter | None = None, rng: random.Random | None = None,
                       immediately: bool = True, max_runs: int | None = None,
                       early: asyncio.Event | None = None) -> int:
    """Run `job(due)` at each slot until `stop` is set (or `max_runs`); returns how many jobs ran.

    The job must handle its own failures (an exception escaping it is logged and the
    loop waits for the next slot). Jobs never overlap: slots missed while a job ran
    are skipped. `early` set while waiting runs the job at once (due: now), an extra run
    that leaves the schedule as it was; the job clears `early`.
    """
    clock = clock or SystemClock()
    rng = rng or random.Random()
    runs = 0
    due = clock.now() if immediately else schedule.next_after(clock.now())
    first = immediately
    while not stop.is_set():
        following = schedule.next_after(due)
        delay = timedelta(0) if first or jitter is None else jitter.delay(following - due, rng)
        first = False
        woke = await _wait(clock, due + delay, stop, early)
        if woke == "stop":
            break
        extra = woke == "early"
        try:
            await job(clock.now() if extra else due)
        except asyncio.CancelledError:
            if stop.is_set():
                break
            raise
        except Exception:
            log.exception("scheduled job for %s failed", due.isoformat())
        runs += 1
        if max_runs is not None and runs >= max_runs:
            break
        if extra:  # the slot waited for stays next, unless the extra run took its time
            following = due
        now = clock.now()
        skipped = 0
        while following <= now:
            skipped += 1
            following = schedule.next_after(following)
        if skipped and extra:
            log.info("the early scan ran into the slot at %s; next scan at %s", due.isoformat(timespec="seconds"),
                     following.isoformat(timespec="seconds"))
        elif skipped:
            log.warning("the last scan overran %d slot(s) of %s; next scan at %s", skipped,
                        schedule.describe(), following.isoformat(timespec="seconds"))
        due = following
    return runs
