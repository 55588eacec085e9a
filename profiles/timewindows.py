"""Time windows: daily ranges such as '20:00-08:00' and weekly windows compared as sets of minutes.

Rules about hours compare *weekly windows* (what the camera records or operates, the hours the premises
are open, a night period) instead of asking "is it open now?", so a verdict does not change with the hour
a scan happens to run. A `WeeklyWindows` is a set of half-open intervals in local wall-clock minutes from
Monday 00:00 of one week; a recording schedule, declared opening hours or a fixed night window all turn
into one, and `overlap`/`outside` answer the rules' questions. Wall-clock minutes make a daylight-saving
change irrelevant here: "08:00-16:00" is the same window on the day the clocks change.

`overlap`/`complement` do the same for the ranges of one day ('HH:MM-HH:MM' lists), for rules that report
dated clashes ("Wed 2026-11-25 09:00-11:00") from a recording schedule (`_observe.records_during`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

_WINDOW = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")
DAY = 24 * 60
WEEK = 7 * DAY
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def parse_window(text: str) -> tuple[time, time | None]:
    """'HH:MM-HH:MM' -> (start, end); end None means midnight (24:00)."""
    m = _WINDOW.match(text)
    if not m or (m[3] == "24" and m[4] != "00"):
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


def _minute_of(t: time | None) -> int:
    return DAY if t is None else t.hour * 60 + t.minute


@dataclass(frozen=True, slots=True)
class WeeklyWindows:
    """A set of weekly time intervals: sorted, merged, half-open (start, end) minutes from Monday 00:00."""

    intervals: tuple[tuple[int, int], ...] = ()

    # ---- building --------------------------------------------------------------------------------------------

    @classmethod
    def of(cls, intervals: Iterable[tuple[int, int]]) -> WeeklyWindows:
        """Normalise raw intervals: clip to the week (an interval past Sunday 24:00 wraps to Monday), merge."""
        pieces: list[tuple[int, int]] = []
        for start, end in intervals:
            if end <= start:
                continue
            if end - start >= WEEK:
                return cls(((0, WEEK),))
            start %= WEEK
            end = start + (end - start if end - start < WEEK else WEEK)
            if end > WEEK:
                pieces += [(start, WEEK), (0, end - WEEK)]
            else:
                pieces.append((start, end))
        merged: list[tuple[int, int]] = []
        for start, end in sorted(pieces):
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], end))
            else:
                merged.append((start, end))
        return cls(tuple(merged))

    @classmethod
    def always(cls) -> WeeklyWindows:
        return cls(((0, WEEK),))

    @classmethod
    def never(cls) -> WeeklyWindows:
        return cls(())

    @classmethod
    def daily(cls, ranges: Iterable[str]) -> WeeklyWindows:
        """The same 'HH:MM-HH:MM' ranges every day (a range ending before it starts runs past midnight)."""
        return cls.from_days({day: list(ranges) for day in range(7)})

    @classmethod
    def from_days(cls, days: Mapping[int, Iterable[str]]) -> WeeklyWindows:
        """Ranges per weekday (0 = Monday); '22:00-06:00' on Sunday ends Monday 06:00."""
        raw: list[tuple[int, int]] = []
        for day, ranges in days.items():
            base = day * DAY
            for text in ranges:
                start_t, end_t = parse_window(text)
                start, end = _minute_of(start_t), _minute_of(end_t)
                raw.append((base + start, base + (end if end > start else end + DAY)))
        return cls.of(raw)

    # ---- set algebra -----------------------------------------------------------------------------------------

    def overlap(self, other: WeeklyWindows) -> WeeklyWindows:
        """The minutes in both."""
        out: list[tuple[int, int]] = []
        for a_start, a_end in self.intervals:
            for b_start, b_end in other.intervals:
                start, end = max(a_start, b_start), min(a_end, b_end)
                if start < end:
                    out.append((start, end))
        return WeeklyWindows.of(out)

    def outside(self, other: WeeklyWindows) -> WeeklyWindows:
        """The minutes of self that are not in other."""
        out: list[tuple[int, int]] = []
        for start, end in self.intervals:
            cursor = start
            for b_start, b_end in other.intervals:
                if b_end <= cursor or b_start >= end:
                    continue
                if b_start > cursor:
                    out.append((cursor, b_start))
                cursor = max(cursor, b_end)
            if cursor < end:
                out.append((cursor, end))
        return WeeklyWindows.of(out)

    def union(self, other: WeeklyWindows) -> WeeklyWindows:
        return WeeklyWindows.of(self.intervals + other.intervals)

    @property
    def empty(self) -> bool:
        return not self.intervals

    @property
    def minutes(self) -> int:
        return sum(end - start for start, end in self.intervals)

    def contains(self, minute_of_week: int) -> bool:
        return any(start <= minute_of_week < end for start, end in self.intervals)

    # ---- showing ---------------------------------------------------------------------------------------------

    def describe(self, limit: int = 6) -> str:
        """'mon 07:30-16:30, tue 07:30-16:30 ...' (an interval over midnight is shown as it starts)."""
        if not self.intervals:
            return "never"
        if self.intervals == ((0, WEEK),):
            return "all week"
        parts = []
        for start, end in self.intervals[:limit]:
            day, minute = divmod(start, DAY)
            length = end - start
            finish = (minute + length)
            end_day = finish // DAY
            end_text = f"{finish % DAY // 60:02d}:{finish % 60:02d}" if finish % DAY or not end_day else "24:00"
            if end_day and finish % DAY:
                end_text = f"{DAY_NAMES[(day + end_day) % 7]} {end_text}"
            parts.append(f"{DAY_NAMES[day]} {minute // 60:02d}:{minute % 60:02d}-{end_text}")
        more = len(self.intervals) - limit
        return ", ".join(parts) + (f" (+{more} more)" if more > 0 else "")


def minute_of_week(local: datetime) -> int:
    """Minutes since Monday 00:00 of the local wall-clock time."""
    return local.weekday() * DAY + local.hour * 60 + local.minute


def week_days(day: date) -> list[date]:
    """The seven dates from `day` on: the week a rule judges (the one after `--at`, as issue 18's schedules)."""
    return [day + timedelta(days=i) for i in range(7)]
