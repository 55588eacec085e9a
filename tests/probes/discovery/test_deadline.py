"""The one-deadline rules of discovery: the TCP quick pass fits the budget, retries stay worth doing."""

from __future__ import annotations

import asyncio

from probes.discovery._budget import deadline_of, remaining
from probes.discovery._tcp_probe import (
    QUICK_CONNECT_FLOOR,
    QUICK_SHARE,
    fitted_quick_timeout,
    quick_timeout,
    retry_timeout,
)


def test_small_scopes_keep_the_usual_quick_timeout() -> None:
    assert fitted_quick_timeout(2.0, pairs=14 * 3, concurrency=256, budget=2.0) == quick_timeout(2.0) == 0.3
    assert fitted_quick_timeout(10.0, pairs=254 * 2, concurrency=256, budget=10.0) == quick_timeout(10.0) == 1.0


def test_a_silent_slash_24_fits_its_waves_into_the_budget() -> None:
    pairs, concurrency, budget = 254 * 9, 256, 2.0
    connect = fitted_quick_timeout(2.0, pairs=pairs, concurrency=concurrency, budget=budget)
    assert QUICK_CONNECT_FLOOR <= connect < quick_timeout(2.0)
    assert connect * pairs / concurrency <= QUICK_SHARE * budget + 1e-9


def test_a_huge_scope_never_goes_below_the_floor() -> None:
    assert fitted_quick_timeout(2.0, pairs=65534 * 9, concurrency=256, budget=2.0) == QUICK_CONNECT_FLOOR
    assert fitted_quick_timeout(2.0, pairs=10, concurrency=256, budget=0.0) == QUICK_CONNECT_FLOOR


async def test_retry_gets_what_remains_but_at_least_twice_the_quick_pass() -> None:
    now = asyncio.get_running_loop().time()
    assert retry_timeout(2.0, now - 1.0, quick=0.2) == 0.4  # deadline passed: the minimum
    assert 0.5 < retry_timeout(2.0, now + 0.8, quick=0.2) <= 0.8  # what remains
    assert retry_timeout(9.0, now + 30.0, quick=0.9) == 3.0  # never more than max(1 s, T/3)


async def test_budget_helpers() -> None:
    loop = asyncio.get_running_loop()
    given = loop.time() + 5.0
    assert deadline_of(given, 1.0) == given
    assert loop.time() + 0.9 < deadline_of(None, 1.0) <= loop.time() + 1.0
    assert remaining(loop.time() - 3.0) == 0.0
    assert 4.0 < remaining(given) <= 5.0
