"""Waiting for a condition in a test: a deadline against hanging, never a timing assertion."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable


async def until(check: Callable[[], bool | Awaitable[bool]], what: str, *, timeout: float = 30.0,
                every: float = 0.1) -> None:
    """Return once `check()` (plain or async) holds; fail naming `what` if it never does within `timeout` s."""

    async def holds() -> bool:
        result = check()
        return bool(await result) if inspect.isawaitable(result) else bool(result)

    try:
        async with asyncio.timeout(timeout):
            while not await holds():
                await asyncio.sleep(every)
    except TimeoutError:
        raise AssertionError(f"never happened: {what}") from None
