"""POSIX TZ strings with their daylight saving rules ("CET-1CEST,M3.5.0,M10.5.0/3"), as cameras report them.

ONVIF's tt:TimeZone/tt:TZ is a POSIX TZ string (POSIX.1-2017 XBD 8.3 "TZ"). `zoneinfo` reads only tz
database names, and dateutil's `tzstr` accepts non-POSIX text ("(UTC+08:00) Beijing" comes back with
invented US rules) and lacks `<+0530>` names and signed rule times. This strict reader follows the
standard's grammar (with the POSIX.1-2024 / RFC 8536 extension of rule times to -167..167 hours) and
refuses anything else, so a guess is never taken for a device's rule.

    std offset [dst [offset] [,start[/time],end[/time]]]

Offsets count west of Greenwich as positive ("EST5"); the DST offset defaults to one hour ahead of
standard time; rules are `Jn` (1-365, February 29 never counted), `n` (0-365, counted) or `Mm.w.d`
(day d of week w of month m, w 5 = the last, d 0 = Sunday); a rule time defaults to 02:00:00, the start
in standard time, the end in daylight time. Without rules the standard leaves DST "implementation
defined": `rules` is then None and nobody here guesses them.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

_NAME = r"(?:[A-Za-z]{3,}|<[A-Za-z0-9+-]{3,}>)"
_OFFSET = r"[+-]?\d{1,2}(?::\d{1,2}(?::\d{1,2})?)?"
_TIME = r"[+-]?\d{1,3}(?::\d{1,2}(?::\d{1,2})?)?"
_RULE = r"(?:J\d{1,3}|\d{1,3}|M\d{1,2}\.\d\.\d)"
_TRANSITION = rf"({_RULE})(?:/({_TIME}))?"
_TZ = re.compile(rf"^({_NAME})({_OFFSET})(?:({_NAME})({_OFFSET})?(?:,{_TRANSITION},{_TRANSITION})?)?$")


@dataclass(frozen=True, slots=True)
class Rule:
    """One transition date rule and its local time (seconds after midnight, may be negative or > 24 h)."""

    kind: str  # "J" (Julian, no Feb 29), "n" (zero-based day of year), "M" (month.week.day)
    day: int  # J: 1-365, n: 0-365; M: the day of week 0-6 (Sunday = 0)
    month: int = 0  # M only
    week: int = 0  # M only: 1-5, 5 = the last such day of the month
    time_s: int = 7200

    def on(self, year: int) -> datetime:
        """The transition's local wall time in `year` (naive)."""
        if self.kind == "J":
            start = date(year, 1, 1) + timedelta(days=self.day - 1)
            if calendar.isleap(year) and self.day >= 60:  # Feb 29 is not counted: J60 is always March 1
                start += timedelta(days=1)
        elif self.kind == "n":
            start = date(year, 1, 1) + timedelta(days=self.day)
        else:
            first = date(year, self.month, 1)
            day = 1 + (self.day - (first.weekday() + 1) % 7) % 7  # first such weekday (date.weekday: Monday = 0)
            day += 7 * (self.week - 1)
            last = calendar.monthrange(year, self.month)[1]
            while day > last:  # week 5: the last one
                day -= 7
            start = date(year, self.month, day)
        return datetime(start.year, start.month, start.day) + timedelta(seconds=self.time_s)


@dataclass(frozen=True, slots=True)
class PosixTz:
    """A parsed POSIX TZ string; offsets east-positive (the usual sign, not the POSIX one)."""

    std_offset_s: int
    dst_offset_s: int | None = None  # None: the zone has no daylight saving time
    rules: tuple[Rule, Rule] | None = None  # (start, end); None: no DST, or DST named without rules

    @property
    def dst_unknown(self) -> bool:
        """DST is named but its rules are not given (implementation defined: not guessed here)."""
        return self.dst_offset_s is not None and self.rules is None

    def dst_at(self, utc: datetime) -> bool:
        """Daylight saving time is in effect at this instant (False when unknown)."""
        if self.dst_offset_s is None or self.rules is None:
            return False
        start, end = self.rules
        naive = utc.astimezone(UTC).replace(tzinfo=None)
        year = (naive + timedelta(seconds=self.std_offset_s)).year
        for y in (year - 1, year, year + 1):  # a southern season spans the new year
            begins = start.on(y) - timedelta(seconds=self.std_offset_s)
            ends = end.on(y if end.on(y) > start.on(y) else y + 1) - timedelta(seconds=self.dst_offset_s)
            if begins <= naive < ends:
                return True
        return False

    def offset_at_local(self, local: datetime) -> tuple[int, bool]:
        """(east-positive offset, DST?) in effect at a naive local wall time. In the hour that repeats when
        DST ends, the first (daylight) reading; in the hour skipped when it starts, standard time (both as
        `zoneinfo` does with fold=0: the offset before the transition)."""
        if self.dst_offset_s is None or self.rules is None:
            return self.std_offset_s, False
        as_dst = (local - timedelta(seconds=self.dst_offset_s)).replace(tzinfo=UTC)
        as_std = (local - timedelta(seconds=self.std_offset_s)).replace(tzinfo=UTC)
        dst_fits, std_fits = self.dst_at(as_dst), not self.dst_at(as_std)
        if dst_fits and (not std_fits or as_dst < as_std):
            return self.dst_offset_s, True
        return self.std_offset_s, False


def parse_posix_tz(text: str | None) -> PosixTz | None:
    """The TZ string parsed, or None when it is not POSIX TZ syntax (then nothing is derived from it)."""
    m = _TZ.match((text or "").strip())
    if m is None:
        return None
    _, std_off, dst_name, dst_off, start, start_time, end, end_time = m.groups()
    std = _seconds(std_off, 24)
    if std is None:
        return None
    if dst_name is None:
        return PosixTz(-std)
    dst = _seconds(dst_off, 24) if dst_off else std - 3600
    if dst is None:
        return PosixTz(-std)  # the standard part still says the standard offset
    if start is None:
        return PosixTz(-std, -dst)
    rules = (_rule(start, start_time), _rule(end, end_time))
    if rules[0] is None or rules[1] is None:
        return None
    return PosixTz(-std, -dst, (rules[0], rules[1]))


def _seconds(text: str, max_hours: int) -> int | None:
    sign = -1 if text.startswith("-") else 1
    parts = [int(p) for p in text.lstrip("+-").split(":")]
    if parts[0] > max_hours or any(p > 59 for p in parts[1:]):
        return None
    return sign * sum(p * f for p, f in zip(parts, (3600, 60, 1), strict=False))


def _rule(text: str, time: str | None) -> Rule | None:
    time_s = _seconds(time, 167) if time else 7200
    if time_s is None:
        return None
    if text.startswith("J"):
        day = int(text[1:])
        return Rule("J", day, time_s=time_s) if 1 <= day <= 365 else None
    if text.startswith("M"):
        month, week, weekday = (int(p) for p in text[1:].split("."))
        if not (1 <= month <= 12 and 1 <= week <= 5 and 0 <= weekday <= 6):
            return None
        return Rule("M", weekday, month, week, time_s)
    day = int(text)
    return Rule("n", day, time_s=time_s) if 0 <= day <= 365 else None
