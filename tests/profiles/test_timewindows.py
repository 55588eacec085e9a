"""Daily windows wrapping midnight (fuel stations at night: 20:00-08:00)."""

from __future__ import annotations

from datetime import time

import pytest

from profiles.timewindows import in_window, parse_window


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
