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
