"""A Schedule service's iCalendar (RFC 5545) as weekly windows: {"mon": ["07:00-16:30"], ...}, camera local time.

ONVIF schedules (tsc:Schedule/Standard) are iCalendar VEVENTs with a weekly or daily RRULE. Parsing and
recurrence use icalendar and dateutil; the occurrences of two full reference weeks are laid onto the weekdays, and a
recurrence that is not the same every week (INTERVAL=2, MONTHLY, one-off events) is refused rather than guessed.
Times stay as written (floating = the camera's local time); a UTC or TZID time is kept as its wall-clock time
and reported with its zone.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from dateutil.rrule import rrulestr
from icalendar import Calendar

from probes.onvif._xml import SchemaViolation

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_ICAL_CHARS = 64 * 1024


def _as_datetime(value: Any, what: str) -> datetime:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time())
    raise SchemaViolation(f"schedule {what} is not a date-time: {value!r}")


def _add(windows: dict[str, list[str]], start: datetime, end: datetime) -> None:
    """Lay [start, end) onto the weekdays, splitting at midnight (a full day is 00:00-24:00)."""
    while start < end:
        midnight = datetime.combine(start.date() + timedelta(days=1), time(), start.tzinfo)
        stop = min(end, midnight)
        label = f"{start:%H:%M}-{'24:00' if stop == midnight else f'{stop:%H:%M}'}"
        day = windows.setdefault(DAYS[start.weekday()], [])
        if label not in day:
            day.append(label)
        start = stop


def weekly_windows(text: str) -> tuple[dict[str, list[str]], str | None]:
    """(day -> sorted windows, time zone name or None for floating local time); SchemaViolation if not weekly."""
    if len(text) > MAX_ICAL_CHARS:
        raise SchemaViolation(f"schedule iCalendar longer than {MAX_ICAL_CHARS} characters")
    try:
        calendar = Calendar.from_ical(text)
    except (ValueError, IndexError, KeyError) as exc:
        raise SchemaViolation(f"schedule is not valid iCalendar: {exc}") from None
    events = list(calendar.walk("VEVENT"))
    if not events:
        raise SchemaViolation("schedule iCalendar has no VEVENT")
    weeks: list[dict[str, list[str]]] = [{}, {}]
    zone: str | None = None
    for event in events:
        if event.get("DTSTART") is None:
            raise SchemaViolation("schedule VEVENT without DTSTART")
        start = _as_datetime(event.decoded("DTSTART"), "DTSTART")
        if event.get("DTEND") is not None:
            length = _as_datetime(event.decoded("DTEND"), "DTEND") - start
        elif event.get("DURATION") is not None:
            length = event.decoded("DURATION")
        else:
            length = timedelta(days=1) if not isinstance(event.decoded("DTSTART"), datetime) else timedelta(0)
        if length <= timedelta(0) or length > timedelta(days=7):
            raise SchemaViolation(f"schedule VEVENT lasts {length}: not a window of a weekly schedule")
        if start.tzinfo is not None:
            zone = str(start.tzinfo)
        rule = event.get("RRULE")
        if rule is None:
            raise SchemaViolation("schedule VEVENT without RRULE: a one-off event is not a weekly schedule")
        freq = str((rule.get("FREQ") or ["?"])[0]).upper()
        if freq not in ("WEEKLY", "DAILY"):
            raise SchemaViolation(f"schedule RRULE FREQ={freq} does not repeat every week")
        try:
            recurrence = rrulestr(rule.to_ical().decode(), dtstart=start)
        except (ValueError, TypeError) as exc:
            raise SchemaViolation(f"schedule RRULE cannot be read: {exc}") from None
        # two full reference weeks after the first one (which DTSTART may cut): both must be the same
        first = recurrence.after(start, inc=True)
        if first is None:
            continue  # a rule that never occurs adds no window
        anchor = datetime.combine(first.date() - timedelta(days=first.weekday() - 7), time(), first.tzinfo)
        for occurrence in recurrence.between(anchor, anchor + timedelta(days=14), inc=True):
            if occurrence >= anchor + timedelta(days=14):
                continue
            week = 0 if occurrence < anchor + timedelta(days=7) else 1
            _add(weeks[week], occurrence.replace(tzinfo=None), occurrence.replace(tzinfo=None) + length)
    for days in weeks:
        for day in days:
            days[day].sort()
    if weeks[0] != weeks[1]:
        raise SchemaViolation("schedule does not repeat every week (e.g. INTERVAL=2 or a monthly rule)")
    return {day: weeks[0][day] for day in DAYS if weeks[0].get(day)}, zone
