"""Daily time windows such as '20:00-08:00' (wrapping midnight), for time-aware rules."""

from __future__ import annotations

import re
from datetime import time

_WINDOW = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")


def parse_window(text: str) -> tuple[time, time | None]:
    """'HH:MM-HH:MM' -> (start, end); end None means midnight (24:00)."""
    m = _WINDOW.match(text)
    if not m:
        raise ValueError(f"{text!r} is not a time window like '20:00-08:00'")
    start = time(int(m[1]), int(m[2]))
    end = None if m[3] == "24" else time(int(m[3]), int(m[4]))
    return start, end


def in_window(at: time, window: str) -> bool:
    """Whether local time `at` falls in the window; a window whose end is before its start wraps midnight."""
    start, end = parse_window(window)
    at = at.replace(tzinfo=None)
    if end is None:
        return at >= start
    if start <= end:
        return start <= at < end
    return at >= start or at < end
