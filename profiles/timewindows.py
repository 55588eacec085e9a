"""Daily time windows such as '20:00-08:00' (wrapping midnight), for time-aware rules."""

from __future__ import annotations

import re
from collections.abc import Sequence
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


def _minutes(window: str) -> list[tuple[int, int]]:
    """[start, end) minute ranges of one day; a wrapping window gives its two same-day parts (as in_window)."""
    start, end = parse_window(window)
    lo, hi = start.hour * 60 + start.minute, 1440 if end is None else end.hour * 60 + end.minute
    return [(lo, hi)] if lo < hi else [(lo, 1440), (0, hi)]


def overlap(windows: Sequence[str], other: Sequence[str]) -> list[str]:
    """The parts of one day inside a window of both lists, merged and sorted ('HH:MM-HH:MM', '24:00' = midnight)."""
    parts = sorted((max(a0, b0), min(a1, b1)) for wa in windows for a0, a1 in _minutes(wa)
                   for wb in other for b0, b1 in _minutes(wb) if max(a0, b0) < min(a1, b1))
    merged: list[list[int]] = []
    for lo, hi in parts:
        if merged and lo <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    return [f"{lo // 60:02d}:{lo % 60:02d}-{hi // 60:02d}:{hi % 60:02d}" for lo, hi in merged]


def complement(windows: Sequence[str]) -> list[str]:
    """The parts of one day outside every window ('HH:MM-HH:MM'; an empty list gives the whole day)."""
    covered = overlap(windows, ["00:00-24:00"])
    out, at = [], 0
    for window in covered:
        lo, hi = _minutes(window)[0]
        if lo > at:
            out.append(f"{at // 60:02d}:{at % 60:02d}-{lo // 60:02d}:{lo % 60:02d}")
        at = max(at, hi)
    if at < 1440:
        out.append(f"{at // 60:02d}:{at % 60:02d}-24:00")
    return out
