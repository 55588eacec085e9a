"""The one deadline of a discovery run (event-loop clock): each signal stops listening at it."""

from __future__ import annotations

import asyncio


def deadline_of(deadline: float | None, timeout: float) -> float:
    """`deadline` when the caller gave one (discover_report does), else `timeout` from now (a signal run alone)."""
    return deadline if deadline is not None else asyncio.get_running_loop().time() + timeout


def remaining(deadline: float) -> float:
    """Seconds left until `deadline`, never negative."""
    return max(0.0, deadline - asyncio.get_running_loop().time())
