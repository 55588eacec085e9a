"""Daily windows wrapping midnight (fuel stations at night: 20:00-08:00)."""

from __future__ import annotations

from datetime import time

import pytest

from profiles.timewindows import complement, in_window, overlap, parse_window


@pytest.mark.parametrize(("at", "window", "inside"), [
    (time(22, 0), "20:00-08:00", True), (time(7, 59), "20:00-08:00", True), (time(8, 0), "20:00-08:00", False),
    (time(12, 0), "20:00-08:00", False), (time(20, 0), "20:00-08:00", True), (time(9, 0), "08:00-17:00", True),
    (time(17, 0), "08:00-17:00", False), (time(23, 59), "18:00-24:00", True), (time(0, 0), "18:00-24:00", False),
])
def test_in_window(at, window, inside) -> None:
    assert in_window(at, window) is inside


def test_bad_window() -> None:
    with pytest.raises(ValueError, match="not a time window"):
        parse_window("8-20")


@pytest.mark.parametrize(("a", "b", "both"), [
    (["07:00-16:30"], ["08:00-12:00", "13:00-17:00"], ["08:00-12:00", "13:00-16:30"]),
    (["20:00-08:00"], ["07:30-16:30"], ["07:30-08:00"]),  # a wrapping window counts its two same-day parts
    (["00:00-24:00"], ["07:30-16:30"], ["07:30-16:30"]),
    (["00:00-07:30", "16:30-24:00"], ["07:30-16:30"], []),  # touching is not overlapping
    (["08:00-10:00", "09:00-11:00"], ["00:00-24:00"], ["08:00-11:00"]),  # merged
    ([], ["07:30-16:30"], []),
])
def test_overlap(a, b, both) -> None:
    assert overlap(a, b) == both
    assert overlap(b, a) == both


@pytest.mark.parametrize(("windows", "rest"), [
    (["07:30-16:30"], ["00:00-07:30", "16:30-24:00"]),
    ([], ["00:00-24:00"]),
    (["00:00-24:00"], []),
    (["20:00-08:00"], ["08:00-20:00"]),
])
def test_complement(windows, rest) -> None:
    assert complement(windows) == rest


# ---- weekly windows: the comparison every hours rule uses (and issue 18 feeds recording schedules into) ----

from profiles.timewindows import DAY, WEEK, WeeklyWindows  # noqa: E402

WEEKDAYS = WeeklyWindows.from_days({d: ["08:00-14:00"] for d in range(5)})


def test_weekly_windows_wrap_midnight_and_the_week() -> None:
    night = WeeklyWindows.daily(["20:00-08:00"])
    assert night.minutes == 7 * 12 * 60
    assert night.contains(6 * DAY + 23 * 60) and night.contains(7 * 60)  # Sunday 23:00, Monday 07:00
    assert not night.contains(12 * 60)
    assert WeeklyWindows.from_days({6: ["22:00-06:00"]}).intervals == ((0, 360), (6 * DAY + 1320, WEEK))


@pytest.mark.parametrize(("a", "b", "overlap", "outside"), [
    (WeeklyWindows.always(), WEEKDAYS, 5 * 360, WEEK - 5 * 360),
    (WEEKDAYS, WeeklyWindows.always(), 5 * 360, 0),
    (WeeklyWindows.never(), WEEKDAYS, 0, 0),
    (WeeklyWindows.daily(["20:00-08:00"]), WEEKDAYS, 0, 7 * 12 * 60),
    (WeeklyWindows.daily(["13:00-15:00"]), WEEKDAYS, 5 * 60, 7 * 120 - 5 * 60),
])
def test_weekly_overlap_and_outside(a, b, overlap, outside) -> None:
    assert a.overlap(b).minutes == overlap == b.overlap(a).minutes
    assert a.outside(b).minutes == outside
    assert a.outside(b).overlap(b).empty


def test_weekly_describe() -> None:
    assert WeeklyWindows.always().describe() == "all week"
    assert WeeklyWindows.never().describe() == "never"
    assert WeeklyWindows.always().outside(WEEKDAYS).describe().startswith("mon 00:00-08:00, mon 14:00-tue 08:00")
    assert WeeklyWindows.from_days({4: ["18:00-24:00"]}).describe() == "fri 18:00-24:00"


def test_24_only_as_midnight() -> None:
    with pytest.raises(ValueError):
        parse_window("20:00-24:30")
