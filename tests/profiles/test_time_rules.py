"""Time semantics through the evaluator (Greek site, Europe/Athens, public holidays of GR from `holidays`):
the next working day (exact limit, one hour over, Tuesday vs Friday, a public holiday, a daylight-saving
change), school hours as weekly windows (the hour of the scan does not matter), declared school breaks,
opening hours for shops and places of worship."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from profiles import evaluate, load_profiles
from profiles.findings import Result as R
from tests.profiles.factbook import camera, decl, failed, inventory

ATHENS = ZoneInfo("Europe/Athens")
GR = load_profiles(["gr-hdpa-1-2011"])
H = 3600
SCHOOL = {"sector": "school", "area": "school_corridor"}
IDLE = {"recording.jobs": [{"token": "J1", "recording": "R1", "mode": "Idle", "schedule": None}],
        "recording.active": False}
ALWAYS = {"recording.jobs": [{"token": "J1", "recording": "R1", "mode": "Active", "schedule": None}],
          "recording.active": True}


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(f"{day}T{hour:02d}:00").replace(tzinfo=ATHENS)


def kept(hours: float) -> dict:
    return {**IDLE, "recording.recordings": [{"token": "R1", "max_retention_seconds": hours * H}]}


def judge(facts: dict, fields: dict, when: datetime, rule: str = "GR-SCHOOL-1", **site):  # type: ignore[no-untyped-def]
    declaration = decl(**fields)
    inv = inventory(declaration, timezone="Europe/Athens", jurisdiction="GR",
                    **{"opening_hours": {"weekdays": ["08:00-14:00"]}, **site})
    evaluation = evaluate([camera(facts=facts)], inv, GR, at=when)
    [found] = [f for f in evaluation.findings if f.rule_id == rule]
    return found


@pytest.mark.parametrize(("hours", "day", "result", "text"), [
    # Tuesday: the next working day is Wednesday, 24 h away
    (24, "2026-12-01", R.PASS, "footage kept at most 24 h (next working day Wed 2026-12-02)"),
    (25, "2026-12-01", R.FAIL, "must be deleted by the next working day, Wed 2026-12-02 (24 h"),
    (72, "2026-12-01", R.FAIL, "Wed 2026-12-02 (24 h"),
    # Friday: Monday, 72 h away
    (72, "2026-12-04", R.PASS, "next working day Mon 2026-12-07"),
    (73, "2026-12-04", R.FAIL, "Mon 2026-12-07 (3 days (72 h)"),
    # a public holiday: Ohi Day, Wednesday 28 October 2026, so Tuesday's footage may wait until Thursday
    (48, "2026-10-27", R.PASS, "next working day Thu 2026-10-29"),
    (49, "2026-10-27", R.FAIL, "Thu 2026-10-29 (2 days (48 h); public holidays of GR)"),
    # Clean Monday (23 February 2026): Friday's footage may wait until Tuesday
    (96, "2026-02-20", R.PASS, "next working day Tue 2026-02-24"),
    (97, "2026-02-20", R.FAIL, "Tue 2026-02-24"),
    # daylight saving ends on Sunday 25 October 2026: Friday to Monday is 73 real hours
    (73, "2026-10-23", R.PASS, "footage kept at most 73 h"),
    (74, "2026-10-23", R.FAIL, "(73 h;"),
    # daylight saving starts on Sunday 29 March 2026: Friday to Monday is 71 real hours
    (71, "2026-03-27", R.PASS, "footage kept at most 71 h"),
    (72, "2026-03-27", R.FAIL, "(71 h;"),
])
def test_school_retention_until_the_next_working_day(hours: float, day: str, result: R, text: str) -> None:
    finding = judge(kept(hours), SCHOOL, at(day))
    assert finding.result is result, finding.message
    assert text in finding.message


def test_school_retention_unknown_when_not_read() -> None:
    finding = judge({**IDLE, "recording.recordings": failed("recording.recordings")}, SCHOOL, at("2026-12-01"))
    assert finding.result is R.UNKNOWN and "recording.recordings" in finding.message


@pytest.mark.parametrize("hour", [3, 10, 13, 23])
def test_school_hours_verdict_does_not_flip_with_the_hour(hour: int) -> None:
    recording = {**kept(24), **ALWAYS}
    finding = judge(recording, SCHOOL, at("2026-12-01", hour))
    assert finding.result is R.FAIL and "records during school hours (continuously" in finding.message
    assert "Tue 2026-12-01 08:00-14:00; Wed 2026-12-02 08:00-14:00" in finding.message
    idle = judge(kept(24), SCHOOL, at("2026-12-01", hour))
    assert idle.result is R.PASS, idle.message


@pytest.mark.parametrize(("day", "result", "text"), [
    # a week entirely inside a declared school break: no school hours, recording all day is allowed
    ("2026-12-29", R.PASS, "school break (Christmas)"),
    # the week before: ordinary school week
    ("2026-12-15", R.FAIL, "records during school hours"),
    # a week with a public holiday (Ohi Day, Wed 28 Oct): recording during the other days still fails
    ("2026-10-27", R.FAIL, "follows no schedule): Tue 2026-10-27 08:00-14:00; Thu 2026-10-29 08:00-14:00"),
])
def test_school_breaks_and_holidays_move_with_at(day: str, result: R, text: str) -> None:
    breaks = [{"start": "2026-12-24", "end": "2027-01-07", "name": "Christmas"},
              {"start": "2026-12-28", "end": "2027-01-03"}]
    finding = judge({**kept(24), **ALWAYS}, SCHOOL, at(day), school_breaks=breaks)
    assert finding.result is result, finding.message
    assert text in finding.message


@pytest.mark.parametrize(("facts", "fields", "day", "hour", "result", "text"), [
    # a church open on Sunday mornings: recording all week records while open, whatever the hour of the scan
    (ALWAYS, {"sector": "εκκλησία", "area": "worship_interior", "opening_hours": {"sun": ["08:00-12:00"]}},
     "2026-12-01", 10, R.FAIL, "records while open to the public (continuously: recording job J1 follows no "
                               "schedule): Sun 2026-12-06 08:00-12:00"),
    (ALWAYS, {"sector": "place_of_worship", "area": "worship_interior", "opening_hours": {"sun": ["08:00-12:00"]}},
     "2026-12-06", 23, R.FAIL, "Sun 2026-12-06 08:00-12:00"),
    ({"recording.jobs": [{"token": "J1", "recording": "R1", "mode": "Active", "schedule": "Night"}],
      "recording.schedules": [{"token": "Night", "name": "Night", "timezone": None, "special_days": False,
                               "windows": {d: ["20:00-24:00", "00:00-06:00"] for d in
                                           ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}}]},
     {"sector": "place_of_worship", "area": "worship_interior", "opening_hours": {"sun": ["08:00-12:00"]}},
     "2026-12-06", 10, R.PASS, "records schedule 'Night' (read), only while closed to the public"),
    ({"recording.jobs": failed("recording.jobs")},
     {"sector": "place_of_worship", "area": "worship_interior", "opening_hours": {"sun": ["08:00-12:00"]}},
     "2026-12-06", 10, R.UNKNOWN, "recording.jobs"),
])
def test_worship_hours(facts: dict, fields: dict, day: str, hour: int, result: R, text: str) -> None:
    finding = judge(facts, fields, at(day, hour), rule="GR-OTHER-1")
    assert finding.result is result, finding.message
    assert text in finding.message


@pytest.mark.parametrize(("fields", "day", "result", "text"), [
    # a shop open on weekdays: the special rules apply (a sales floor needs verification) at 10:00 and 23:00
    ({"sector": "shop", "area": "sales_floor"}, "2026-12-01", R.MANUAL, "allowed only if"),
    # a camera operating only at night never runs under the shop regime
    ({"sector": "shop", "area": "sales_floor", "operating_hours": {"daily": ["22:00-06:00"]}}, "2026-12-01",
     R.NOT_APPLICABLE, "the general rules apply"),
    # a week in which every opening day is a public holiday or declared closed: general rules only
    ({"sector": "shop", "area": "sales_floor",
      "opening_hours": {"weekdays": ["08:00-14:00"], "holidays": ["2026-12-21", "2026-12-22", "2026-12-23",
                                                                  "2026-12-24"]}}, "2026-12-21",
     R.NOT_APPLICABLE, "Fri 2026-12-25 (public holiday (Christmas Day))"),
    # no opening hours: unknown, naming the field
    ({"sector": "shop", "area": "sales_floor"}, "2026-12-01", R.UNKNOWN, "opening_hours"),
])
def test_shop_regime_uses_weekly_windows(fields: dict, day: str, result: R, text: str) -> None:
    site = {"opening_hours": None} if result is R.UNKNOWN else {}
    for hour in (10, 23):
        finding = judge({}, fields, at(day, hour), rule="GR-SHOP-1", **site)
        assert finding.result is result, finding.message
        assert text in finding.message
