"""Reading the device clock when the device reports it badly (probes/onvif/_devclock.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from probes.onvif._devclock import device_utc, posix_offset_s


@pytest.mark.parametrize(("tz", "offset"), [
    ("UTC0", 0), ("CET-1CEST,M3.5.0,M10.5.0/3", 3600), ("EST5EDT", -18000), ("<+0530>-5:30", 19800),
    ("AEST-10AEDT,M10.1.0,M4.1.0/3", 36000), ("(UTC+08:00) Beijing", None), ("", None), (None, None),
    ("GMT+99", None)])
def test_posix_offsets(tz: str | None, offset: int | None) -> None:
    assert posix_offset_s(tz) == offset


T = datetime(2026, 1, 1, 12, 0, 0)


def test_local_time_labelled_utc_is_corrected_only_when_the_tz_says_so() -> None:
    utc, note = device_utc(T.replace(tzinfo=UTC), T, "CET-1CEST")
    assert utc == datetime(2026, 1, 1, 11, 0, 0, tzinfo=UTC) and note and "local time as UTC" in note
    assert device_utc(T.replace(tzinfo=UTC), T, "UTC0") == (T.replace(tzinfo=UTC), None)  # UTC zone: no quirk
    assert device_utc(T.replace(tzinfo=UTC), T, "junk") == (T.replace(tzinfo=UTC), None)  # unknown TZ: as sent


def test_no_utc_datetime() -> None:
    assert device_utc(None, T, "EST5EDT")[0] == datetime(2026, 1, 1, 17, 0, 0, tzinfo=UTC)
    utc, note = device_utc(None, T, "Beijing")
    assert utc == T.replace(tzinfo=UTC) and note and "taken as UTC" in note
    assert device_utc(None, None, "UTC0") == (None, None)
