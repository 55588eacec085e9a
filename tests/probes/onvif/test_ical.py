"""A Schedule service's iCalendar as weekly windows: the shapes devices send, and what is refused, not guessed."""

from __future__ import annotations

import pytest

from probes.onvif._ical import weekly_windows
from probes.onvif._xml import SchemaViolation


def cal(*events: str) -> str:
    body = "".join(f"BEGIN:VEVENT\r\n{e}END:VEVENT\r\n" for e in events)
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n{body}END:VCALENDAR\r\n"


WEEKDAYS = {d: ["07:30-16:30"] for d in ("mon", "tue", "wed", "thu", "fri")}


@pytest.mark.parametrize(("text", "windows", "zone"), [
    (cal("DTSTART:20240101T073000\r\nDTEND:20240101T163000\r\nRRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR\r\n"),
     WEEKDAYS, None),
    # overnight every day, split at midnight
    (cal("DTSTART:20240101T200000\r\nDTEND:20240102T070000\r\nRRULE:FREQ=DAILY\r\n"),
     {d: ["00:00-07:00", "20:00-24:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}, None),
    # DURATION instead of DTEND; DTSTART on a Wednesday with MO,WE (the first week is cut, not the pattern)
    (cal("DTSTART:20260325T080000Z\r\nDURATION:PT2H\r\nRRULE:FREQ=WEEKLY;BYDAY=MO,WE\r\n"),
     {"mon": ["08:00-10:00"], "wed": ["08:00-10:00"]}, "UTC"),
    # a whole day as a DATE value
    (cal("DTSTART;VALUE=DATE:20240106\r\nRRULE:FREQ=WEEKLY;BYDAY=SA\r\n"), {"sat": ["00:00-24:00"]}, None),
    # two events on one day
    (cal("DTSTART:20240101T000000\r\nDTEND:20240101T060000\r\nRRULE:FREQ=WEEKLY;BYDAY=MO\r\n",
         "DTSTART:20240101T220000\r\nDTEND:20240102T000000\r\nRRULE:FREQ=WEEKLY;BYDAY=MO\r\n"),
     {"mon": ["00:00-06:00", "22:00-24:00"]}, None),
])
def test_weekly_windows(text: str, windows: dict, zone: str | None) -> None:
    assert weekly_windows(text) == (windows, zone)


@pytest.mark.parametrize(("text", "why"), [
    (cal("DTSTART:20240101T080000\r\nDTEND:20240101T100000\r\nRRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO\r\n"),
     "does not repeat every week"),
    (cal("DTSTART:20240101T080000\r\nDTEND:20240101T100000\r\nRRULE:FREQ=MONTHLY;BYMONTHDAY=1\r\n"),
     "does not repeat every week"),
    (cal("DTSTART:20240101T080000\r\nDTEND:20240101T100000\r\n"), "one-off event"),
    (cal("DTSTART:20240101T100000\r\nDTEND:20240101T080000\r\nRRULE:FREQ=DAILY\r\n"), "not a window"),
    ("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "no VEVENT"),
    ("this is not a calendar", "not valid iCalendar"),
])
def test_refused_rather_than_guessed(text: str, why: str) -> None:
    with pytest.raises(SchemaViolation, match=why):
        weekly_windows(text)
