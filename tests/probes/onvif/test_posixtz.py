"""POSIX TZ strings with daylight saving rules (probes/onvif/_posixtz.py).

The grammar is POSIX.1-2017 XBD 8.3 "TZ": `std offset [dst [offset] [,start[/time],end[/time]]]`, offsets
west-positive, `Jn` (February 29 never counted), `n` (zero-based, leap days counted), `Mm.w.d` (w 5 = the
last), rule time 02:00:00 by default. The signed and beyond-24-hour rule times are RFC 8536 section 3.3.1's
extension (POSIX.1-2024); the strings below are the POSIX TZ footers of tz database zones. The
transition instants were read from the tz database (zoneinfo) for 2026 and are written out here, so the
test depends on no installed zone data and on no date.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from probes.onvif._devclock import device_utc, local_offset_s
from probes.onvif._posixtz import parse_posix_tz

H = 3600


@pytest.mark.parametrize(("text", "std", "dst", "rules"), [
    ("UTC0", 0, None, False),
    ("EST5", -5 * H, None, False),
    ("<+0530>-5:30", 5 * H + 1800, None, False),  # a quoted name with a sign (XBD 8.3: "<" ... ">")
    ("EST5EDT", -5 * H, -4 * H, False),  # DST named without rules: "implementation-defined", not guessed
    ("CET-1CEST,M3.5.0,M10.5.0/3", H, 2 * H, True),
    ("EST+5EDT,M3.2.0/2,M11.1.0/2", -5 * H, -4 * H, True),
    ("<+1030>-10:30<+11>-11,M10.1.0,M4.1.0", 10 * H + 1800, 11 * H, True),  # an explicit DST offset
    ("IST-2IDT,M3.4.4/26,M10.5.0", 2 * H, 3 * H, True),  # 26:00 on the Thursday: RFC 8536 3.3.1
    ("<-03>3<-02>,M3.5.0/-2,M10.5.0/-1", -3 * H, -2 * H, True),  # negative rule times: RFC 8536 3.3.1
    ("EST5EDT,J60,J300", -5 * H, -4 * H, True),
    ("EST5EDT,59,299", -5 * H, -4 * H, True),
])
def test_posix_grammar(text: str, std: int, dst: int | None, rules: bool) -> None:
    zone = parse_posix_tz(text)
    assert zone is not None
    assert (zone.std_offset_s, zone.dst_offset_s, zone.rules is not None) == (std, dst, rules)


@pytest.mark.parametrize("text", [
    "(UTC+08:00) Beijing, Chongqing", "Beijing", "", None, "GMT+25", "CET-1CEST,M3.5.0",
    "EST5EDT,M13.1.0,M11.1.0", "EST5EDT,M3.6.0,M11.1.0", "EST5EDT,J0,J300", "EST5EDT,M3.2.7,M11.1.0",
    "EST5EDT,M3.2.0/168,M11.1.0", "CET-1CEST,M3.5.0,M10.5.0/3 junk"])
def test_not_posix_is_refused_not_guessed(text: str | None) -> None:
    assert parse_posix_tz(text) is None


# (TZ, [(UTC instant DST starts), (UTC instant it ends)]) for 2026, per the tz database
TRANSITIONS = [
    ("CET-1CEST,M3.5.0,M10.5.0/3", datetime(2026, 3, 29, 1, tzinfo=UTC), datetime(2026, 10, 25, 1, tzinfo=UTC)),
    ("EST5EDT,M3.2.0,M11.1.0", datetime(2026, 3, 8, 7, tzinfo=UTC), datetime(2026, 11, 1, 6, tzinfo=UTC)),
    ("AEST-10AEDT,M10.1.0,M4.1.0/3", datetime(2026, 10, 3, 16, tzinfo=UTC), datetime(2026, 4, 4, 16, tzinfo=UTC)),
    ("IST-2IDT,M3.4.4/26,M10.5.0", datetime(2026, 3, 27, 0, tzinfo=UTC), datetime(2026, 10, 24, 23, tzinfo=UTC)),
]


@pytest.mark.parametrize(("text", "starts", "ends"), TRANSITIONS, ids=[t[0] for t in TRANSITIONS])
def test_dst_switches_at_the_rule_instants(text: str, starts: datetime, ends: datetime) -> None:
    zone = parse_posix_tz(text)
    assert zone is not None
    second = timedelta(seconds=1)
    assert not zone.dst_at(starts - second) and zone.dst_at(starts)
    assert zone.dst_at(ends - second) and not zone.dst_at(ends)


def test_julian_days_with_and_without_february_29() -> None:
    # XBD 8.3: "Jn ... Leap days shall not be counted" (J60 is March 1 every year); "n ... Leap days shall
    # be counted" (day 59 is February 29 in a leap year, March 1 otherwise). Start at 02:00 local EST.
    julian = parse_posix_tz("EST5EDT,J60,J300")
    zero_based = parse_posix_tz("EST5EDT,59,299")
    assert julian is not None and zero_based is not None
    assert julian.rules is not None and zero_based.rules is not None
    assert julian.rules[0].on(2028) == datetime(2028, 3, 1, 2) == julian.rules[0].on(2027).replace(year=2028)
    assert zero_based.rules[0].on(2028) == datetime(2028, 2, 29, 2)
    assert zero_based.rules[0].on(2027) == datetime(2027, 3, 1, 2)


def test_week_five_is_the_last_such_day() -> None:
    zone = parse_posix_tz("CET-1CEST,M3.5.0,M10.5.0/3")
    assert zone is not None and zone.rules is not None
    assert zone.rules[0].on(2026) == datetime(2026, 3, 29, 2)  # March 2026 has four Sundays after the 1st
    assert zone.rules[1].on(2026) == datetime(2026, 10, 25, 3)


def test_local_times_around_the_switches() -> None:
    zone = parse_posix_tz("CET-1CEST,M3.5.0,M10.5.0/3")
    assert zone is not None
    assert zone.offset_at_local(datetime(2026, 3, 29, 1, 59)) == (H, False)
    assert zone.offset_at_local(datetime(2026, 3, 29, 2, 30)) == (H, False)  # skipped hour: the offset before
    assert zone.offset_at_local(datetime(2026, 3, 29, 3, 0)) == (2 * H, True)
    assert zone.offset_at_local(datetime(2026, 10, 25, 2, 30)) == (2 * H, True)  # repeated hour: the first one
    assert zone.offset_at_local(datetime(2026, 10, 25, 3, 0)) == (H, False)


# ------------------------------------------------- the device clock on both sides of a DST switch

CET = "CET-1CEST,M3.5.0,M10.5.0/3"


@pytest.mark.parametrize(("local", "utc", "dst"), [
    (datetime(2026, 3, 29, 1, 30), datetime(2026, 3, 29, 0, 30, tzinfo=UTC), False),  # before the switch
    (datetime(2026, 3, 29, 3, 30), datetime(2026, 3, 29, 1, 30, tzinfo=UTC), True),  # after it
    (datetime(2026, 10, 25, 1, 30), datetime(2026, 10, 24, 23, 30, tzinfo=UTC), True),
    (datetime(2026, 10, 25, 3, 30), datetime(2026, 10, 25, 2, 30, tzinfo=UTC), False),
])
def test_local_time_labelled_utc_is_corrected_with_the_offset_then(local: datetime, utc: datetime,
                                                                    dst: bool) -> None:
    """The camera's clock (injected: the time it reports) labels its local wall time UTC."""
    corrected, note = device_utc(local.replace(tzinfo=UTC), local, CET)
    assert corrected == utc
    assert note is not None and "reports its local time as UTC" in note
    assert ("daylight saving time by its rules" in note) is dst


@pytest.mark.parametrize(("local", "utc"), [
    (datetime(2026, 3, 8, 1, 59), datetime(2026, 3, 8, 6, 59, tzinfo=UTC)),
    (datetime(2026, 3, 8, 3, 0), datetime(2026, 3, 8, 7, 0, tzinfo=UTC)),
])
def test_no_utc_datetime_is_derived_with_the_offset_then(local: datetime, utc: datetime) -> None:
    assert device_utc(None, local, "EST5EDT,M3.2.0,M11.1.0")[0] == utc


def test_dst_without_rules_keeps_standard_time_and_says_so() -> None:
    summer = datetime(2026, 7, 1, 12)
    utc, note = device_utc(summer.replace(tzinfo=UTC), summer, "CET-1CEST")
    assert utc == datetime(2026, 7, 1, 11, tzinfo=UTC)
    assert note is not None and "without rules: standard time assumed" in note
    assert local_offset_s("UTC0", summer) == (0, "")
    assert local_offset_s("Beijing", summer) is None


def test_a_zone_at_utc_in_winter_but_not_in_summer_is_corrected_in_summer() -> None:
    # GMT0BST: standard offset 0, so only DST shows that the "UTC" is the local wall clock
    winter, summer = datetime(2026, 1, 15, 12), datetime(2026, 7, 15, 12)
    assert device_utc(winter.replace(tzinfo=UTC), winter, "GMT0BST,M3.5.0/1,M10.5.0") == (
        winter.replace(tzinfo=UTC), None)
    assert device_utc(summer.replace(tzinfo=UTC), summer, "GMT0BST,M3.5.0/1,M10.5.0")[0] == datetime(
        2026, 7, 15, 11, tzinfo=UTC)
