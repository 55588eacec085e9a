"""Schedules, jitter and the job loop, in virtual time."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta

import pytest

from probes.errors import ConfigError
from scanner.schedule import Cron, Every, Jitter, SystemClock, parse_duration, run_schedule

T0 = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)


class FakeClock:
    """Virtual time: sleeping jumps the clock; jobs advance it to simulate their duration."""

    def __init__(self, start: datetime) -> None:
        self.t = start
        self.sleeps: list[datetime] = []

    def now(self) -> datetime:
        return self.t

    async def sleep_until(self, when: datetime, stop: asyncio.Event) -> bool:
        await asyncio.sleep(0)
        if stop.is_set():
            return False
        self.sleeps.append(when)
        self.t = max(self.t, when)
        return True


@pytest.mark.parametrize(("text", "seconds"), [("30m", 1800), ("6h", 21600), ("1d", 86400), ("90s", 90),
                                               ("1h30m", 5400), ("0.5h", 1800), ("2w", 1209600)])
def test_parse_duration(text, seconds):
    assert parse_duration(text).total_seconds() == seconds


@pytest.mark.parametrize("text", ["", "6", "6x", "h", "-1h", "0s", "1h and 2m"])
def test_parse_duration_rejects(text):
    with pytest.raises(ConfigError):
        parse_duration(text)


def test_every_slots_are_anchored():
    every = Every(timedelta(hours=6), anchor=T0)
    assert every.next_after(T0) == T0 + timedelta(hours=6)
    assert every.next_after(T0 + timedelta(hours=6)) == T0 + timedelta(hours=12)
    assert every.next_after(T0 + timedelta(hours=13, minutes=1)) == T0 + timedelta(hours=18)
    assert every.next_after(T0 - timedelta(hours=1)) == T0
    with pytest.raises(ConfigError):
        Every(timedelta(0), anchor=T0)


def test_cron_in_site_time_zone():
    cron = Cron("0 */6 * * *")
    assert cron.next_after(T0 + timedelta(minutes=1)) == T0 + timedelta(hours=6)
    prague = Cron("30 2 * * *", "Europe/Prague")  # 02:30 local = 01:30 UTC in winter
    assert prague.next_after(T0) == T0 + timedelta(hours=1, minutes=30)
    for bad in ("61 * * * *", "every day", "* * * * * *"):
        with pytest.raises(ConfigError):
            Cron(bad)


def test_jitter():
    rng = random.Random(7)
    ten = Jitter.parse("10%")
    delays = [ten.delay(timedelta(hours=6), rng) for _ in range(200)]
    assert all(timedelta(0) <= d <= timedelta(minutes=36) for d in delays)
    assert len(set(delays)) > 150  # actually random
    assert Jitter.parse("5m").maximum(timedelta(hours=1)) == timedelta(minutes=5)
    assert Jitter.parse("5m").maximum(timedelta(minutes=2)) < timedelta(minutes=2)  # never past the next slot
    assert Jitter.parse("0").delay(timedelta(hours=1), rng) == timedelta(0)
    for bad in ("150%", "x%", "soon"):
        with pytest.raises(ConfigError):
            Jitter.parse(bad)


async def test_loop_runs_on_schedule_with_jitter():
    clock, stop, ran = FakeClock(T0), asyncio.Event(), []

    async def job(due):
        ran.append((due, clock.now()))
        clock.t += timedelta(minutes=5)

    runs = await run_schedule(Every(timedelta(hours=6), anchor=T0), job, stop=stop, clock=clock,
                              jitter=Jitter.parse("10%"), rng=random.Random(1), max_runs=4)
    assert runs == 4
    assert [due for due, _ in ran] == [T0 + timedelta(hours=6 * i) for i in range(4)]
    assert ran[0][1] == T0  # the first scan runs at once, without jitter
    for due, started in ran[1:]:
        assert due < started <= due + timedelta(minutes=36)


async def test_loop_survives_failing_job_and_skips_overrun_slots(caplog):
    clock, stop, ran = FakeClock(T0), asyncio.Event(), []

    async def job(due):
        ran.append(due)
        if len(ran) == 1:
            raise RuntimeError("camera network down")
        if len(ran) == 2:
            clock.t += timedelta(hours=2, minutes=30)  # overruns two 1-hour slots

    await run_schedule(Every(timedelta(hours=1), anchor=T0), job, stop=stop, clock=clock, max_runs=4)
    assert ran == [T0, T0 + timedelta(hours=1), T0 + timedelta(hours=4), T0 + timedelta(hours=5)]
    assert "camera network down" in caplog.text
    assert "overran 2 slot(s)" in caplog.text


async def test_loop_never_runs_two_jobs_at_once():
    stop, active, peak, ran = asyncio.Event(), 0, 0, 0

    async def job(due):
        nonlocal active, peak, ran
        active += 1
        peak = max(peak, active)
        await asyncio.sleep(0.05)  # longer than the interval
        active -= 1
        ran += 1
        if ran == 3:
            stop.set()

    start = datetime.now(UTC)
    await run_schedule(Every(timedelta(seconds=1), anchor=start), job, stop=stop,
                       clock=_FastClock(), immediately=True)
    assert peak == 1 and ran == 3


class _FastClock(SystemClock):
    """Real clock whose waits are cut short (the loop's sequencing is what is tested)."""

    async def sleep_until(self, when, stop):
        await asyncio.sleep(0.01)
        return not stop.is_set()


async def test_stop_interrupts_the_wait():
    stop = asyncio.Event()
    ran = []

    async def job(due):
        ran.append(due)

    task = asyncio.create_task(run_schedule(Every(timedelta(hours=6), anchor=datetime.now(UTC)), job,
                                            stop=stop, clock=SystemClock()))
    while not ran:
        await asyncio.sleep(0.01)
    stop.set()  # the loop is now in a six-hour wait
    assert await asyncio.wait_for(task, 5) == 1


class GatedClock(FakeClock):
    """Virtual time that stands still until the test opens the gate (or the loop is interrupted)."""

    def __init__(self, start: datetime) -> None:
        super().__init__(start)
        self.gate = asyncio.Event()

    async def sleep_until(self, when: datetime, stop: asyncio.Event) -> bool:
        if when <= self.t:
            return not stop.is_set()
        waits = [asyncio.create_task(stop.wait()), asyncio.create_task(self.gate.wait())]
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        for task in waits:
            task.cancel()
        if stop.is_set():
            return False
        self.gate.clear()
        self.t = max(self.t, when)
        return True


async def test_an_early_event_runs_the_job_at_once_and_leaves_the_schedule_as_it_was():
    clock, stop, early, ran = GatedClock(T0), asyncio.Event(), asyncio.Event(), []

    async def job(due):
        was_early = early.is_set()
        early.clear()
        ran.append((due, was_early))
        if len(ran) == 1:
            clock.t += timedelta(hours=1)
            early.set()  # a Hello heard after the first scan
        elif len(ran) == 2:
            clock.gate.set()  # no more announcements: time passes to the next slot

    runs = await run_schedule(Every(timedelta(hours=6), anchor=T0), job, stop=stop, clock=clock, max_runs=3,
                              early=early)
    assert runs == 3
    assert ran == [(T0, False), (T0 + timedelta(hours=1), True), (T0 + timedelta(hours=6), False)]


async def test_an_early_run_that_takes_the_slots_time_takes_its_place(caplog):
    clock, stop, early, ran = GatedClock(T0), asyncio.Event(), asyncio.Event(), []
    caplog.set_level("INFO", logger="camaudit.watch")

    async def job(due):
        early.clear()
        ran.append(due)
        if len(ran) == 1:
            clock.t += timedelta(hours=5, minutes=50)
            early.set()
        elif len(ran) == 2:
            clock.t += timedelta(minutes=20)  # past the 6 h slot
            clock.gate.set()

    await run_schedule(Every(timedelta(hours=6), anchor=T0), job, stop=stop, clock=clock, max_runs=3, early=early)
    assert ran == [T0, T0 + timedelta(hours=5, minutes=50), T0 + timedelta(hours=12)]
    assert "the early scan ran into the slot" in caplog.text and "overran" not in caplog.text


async def test_stop_still_ends_a_wait_that_listens_for_early():
    clock, stop, early = GatedClock(T0), asyncio.Event(), asyncio.Event()
    ran = []

    async def job(due):
        ran.append(due)
        stop.set()

    await asyncio.wait_for(run_schedule(Every(timedelta(hours=6), anchor=T0), job, stop=stop, clock=clock,
                                        early=early), timeout=30)
    assert ran == [T0]
