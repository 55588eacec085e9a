"""Sector and time-aware checks (GR art 14.3-21): fixed evaluation times in the site's time zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from profiles.findings import Result as R
from tests.profiles.factbook import TUESDAY_10, TUESDAY_22, failed, run_case

H = 3600
PRAGUE = ZoneInfo("Europe/Prague")
SCHOOL = {"sector": "school", "area": "school_corridor", "class_": 3}
SHORT = {"recording.recordings": [{"token": "R1", "max_retention_seconds": 24 * H}]}
AFTER_HOURS = {"mon": ["00:00-07:30", "16:30-24:00"], "tue": ["00:00-07:30", "16:30-24:00"],
               "wed": ["00:00-07:30", "16:30-24:00"], "thu": ["00:00-07:30", "16:30-24:00"],
               "fri": ["00:00-07:30", "16:30-24:00"], "sat": ["00:00-24:00"], "sun": ["00:00-24:00"]}
SCHEDULED = {**SHORT, "recording.jobs": [{"token": "J1", "recording": "R1", "mode": "Active",
                                          "schedule": "AfterHours"}],
             "recording.schedules": [{"token": "AfterHours", "name": "After hours", "windows": AFTER_HOURS,
                                      "timezone": None, "special_days": False}]}
DAYTIME = {**SCHEDULED, "recording.schedules": [{"token": "AfterHours", "name": "After hours", "timezone": None,
                                                 "special_days": False,
                                                 "windows": {**AFTER_HOURS, "wed": ["00:00-24:00"]}}]}
UNREAD = {**SCHEDULED, "recording.schedules": failed("recording.schedules", "unsupported", "no schedule service")}
IDLE = {**SHORT, "recording.jobs": [{"token": "J1", "recording": "R1", "mode": "Idle", "schedule": None}],
        "recording.active": False}
HOTEL = {"allowed": ["entrance", "reception"], "banned": ["hotel_corridor"]}
SHOP = {"allowed": ["cash_desk"], "banned": ["fitting_room"], "conditional": {"sales_floor": "large store"},
        "while_open": True}
SUNDAY_10 = datetime(2026, 11, 29, 10, 0, tzinfo=PRAGUE)
SATURDAY_06 = datetime(2026, 11, 28, 6, 0, tzinfo=PRAGUE)

SATURDAY_ONLY = {**SCHEDULED, "recording.schedules": [{"token": "AfterHours", "name": "Weekend", "timezone": None,
                                                       "special_days": False, "windows": {"sat": ["08:00-18:00"]}}]}

CASES = [
    # school_hours (GR-SCHOOL-1): the schedule is compared with the school hours of the whole coming week, so the
    # verdict does not depend on the hour of the scan
    ("school_hours", SHORT, SCHOOL, {}, TUESDAY_10, R.FAIL,
     "records during school hours (continuously: recording job RecordingJob_1 follows no schedule): "
     "Tue 2026-11-24 07:30-16:30"),
    ("school_hours", SHORT, SCHOOL, {}, TUESDAY_22, R.FAIL, "continuously: recording job RecordingJob_1"),
    ("school_hours", SCHEDULED, SCHOOL, {}, TUESDAY_22, R.PASS,
     "records schedule 'After hours' (read), outside school hours in the week from Tue 2026-11-24"),
    ("school_hours", SCHEDULED, SCHOOL, {}, TUESDAY_10, R.PASS,
     "records schedule 'After hours' (read), outside school hours in the week from Tue 2026-11-24"),
    ("school_hours", DAYTIME, SCHOOL, {}, TUESDAY_10, R.FAIL,
     "records during school hours (schedule 'After hours' (read)): Wed 2026-11-25 07:30-16:30"),
    ("school_hours", UNREAD, SCHOOL, {}, TUESDAY_10, R.UNKNOWN,
     "follows schedule 'AfterHours', which was not read (fact `recording.schedules` is unsupported"),
    ("school_hours", UNREAD, {**SCHOOL, "recording_schedule": {"weekdays": ["17:00-24:00"]}}, {}, TUESDAY_10,
     R.PASS, "declared `recording_schedule` (schedule 'AfterHours' not read)"),
    ("school_hours", UNREAD, {**SCHOOL, "recording_schedule": {"weekdays": ["07:00-09:00"]}}, {}, TUESDAY_10,
     R.FAIL, "Tue 2026-11-24 07:30-09:00"),
    ("school_hours", IDLE, SCHOOL, {}, TUESDAY_10, R.PASS, "not recording in the week from Tue 2026-11-24"),
    ("school_hours", {**IDLE, "recording.recordings": [{"token": "R1", "max_retention_seconds": 7 * 24 * H}]},
     SCHOOL, {}, TUESDAY_10, R.FAIL, "must be deleted by the next working day, Wed 2026-11-25 (24 h"),
    ("school_hours", {**IDLE, "cloud.uplinks": [{"remote_address": "wss://parents.example", "status": "Connected",
                                                      "user_level": "Operator"}]},
     SCHOOL, {}, TUESDAY_10, R.FAIL, "streams or uploads to uplink wss://parents.example"),
    ("school_hours", {**SCHEDULED, "cloud.uplinks": failed("cloud.uplinks")}, SCHOOL, {}, TUESDAY_22, R.UNKNOWN,
     "cloud.uplinks"),
    ("school_hours", {**SHORT, "recording.jobs": failed("recording.jobs")}, SCHOOL, {}, TUESDAY_10, R.UNKNOWN,
     "fact `recording.jobs` is error"),
    ("school_hours", {**SHORT, "recording.jobs": failed("recording.jobs")},
     {**SCHOOL, "recording_schedule": {"weekend": ["00:00-24:00"]}}, {}, TUESDAY_10, R.PASS,
     "declared `recording_schedule` (recording jobs not read)"),
    ("school_hours", SHORT, {**SCHOOL, "opening_hours": {"weekdays": ["08:00-12:00"]}}, {}, TUESDAY_10, R.FAIL,
     "Tue 2026-11-24 08:00-12:00"),
    # sector_areas (GR-HOTEL-1 / GR-SHOP-1)
    ("sector_areas", {}, {"sector": "hotel", "area": "reception"}, HOTEL, TUESDAY_10, R.PASS, "allowed place"),
    ("sector_areas", {}, {"sector": "hotel", "area": "hotel_corridor"}, HOTEL, TUESDAY_10, R.FAIL,
     "cameras are not allowed in a hotel_corridor in a hotel"),
    ("sector_areas", {}, {"sector": "hotel", "area": "lift"}, HOTEL, TUESDAY_10, R.FAIL,
     "not among the places allowed"),
    ("sector_areas", {}, {"sector": "hotel", "area": "lift"}, {**HOTEL, "unlisted": "manual"}, TUESDAY_10,
     R.MANUAL, "verify"),
    ("sector_areas", {}, {"sector": "shop", "area": "sales_floor"}, SHOP, TUESDAY_10, R.MANUAL,
     "allowed only if large store"),
    ("sector_areas", {}, {"sector": "shop", "area": "sales_floor"}, SHOP, TUESDAY_22, R.MANUAL,
     "allowed only if large store"),
    ("sector_areas", {}, {"sector": "shop", "area": "sales_floor", "operating_hours": {"daily": ["18:00-24:00"]}},
     SHOP, TUESDAY_10, R.NOT_APPLICABLE, "does not operate while the premises are open (mon 07:30-16:30"),
    ("sector_areas", {}, {"sector": "shop", "area": "fitting_room"}, SHOP, TUESDAY_22, R.FAIL, "fitting_room"),
    ("sector_areas", {}, None, SHOP, TUESDAY_10, R.UNKNOWN, "not declared"),
    # hospital_areas (GR-HOSP-1)
    ("hospital_areas", {}, {"sector": "hospital", "area": "waiting_room"}, {}, TUESDAY_10, R.FAIL,
     "not allowed in a waiting_room"),
    ("hospital_areas", {}, {"sector": "hospital", "area": "entrance"}, {}, TUESDAY_10, R.PASS, "allowed place"),
    ("hospital_areas", {}, {"sector": "hospital", "area": "parking"}, {}, TUESDAY_10, R.MANUAL,
     "verify it is a critical installation"),
    ("hospital_areas", {}, {"sector": "hospital", "area": "patient_room"}, {}, TUESDAY_10, R.FAIL,
     "not allowed in a patient_room"),
    ("hospital_areas", SHORT, {"sector": "hospital", "area": "icu", "purposes": ["patient_care"]}, {}, TUESDAY_10,
     R.FAIL, "no authority permit attested"),
    ("hospital_areas", SHORT, {"sector": "hospital", "area": "icu", "purposes": ["patient_care"],
                               "attestations": {"authority_permit": True}}, {}, TUESDAY_10, R.PASS, "permit"),
    ("hospital_areas", {"recording.recordings": [{"token": "R1", "max_retention_seconds": 72 * H}]},
     {"sector": "hospital", "area": "icu", "purposes": ["patient_care"], "attestations": {"authority_permit": True}},
     {}, TUESDAY_10, R.FAIL, "exceeds 2 days (48 h)"),
    ("hospital_areas", {"recording.recordings": failed("recording.recordings")},
     {"sector": "hospital", "area": "icu", "purposes": ["patient_care"]}, {}, TUESDAY_10, R.UNKNOWN,
     "recording.recordings"),
    # other_premises (GR-OTHER-1)
    ("other_premises", {}, {"sector": "fuel_station", "area": "cash_desk"}, {}, TUESDAY_10, R.FAIL,
     "records the cash_desk at night (20:00-08:00), when only fuel_pumps, warehouse may be watched"),
    ("other_premises", {}, {"sector": "fuel_station", "area": "cash_desk"}, {}, TUESDAY_22, R.FAIL,
     "records the cash_desk at night (20:00-08:00)"),
    ("other_premises", {}, {"sector": "fuel_station", "area": "cash_desk",
                            "operating_hours": {"daily": ["08:00-20:00"]}}, {}, TUESDAY_22, R.PASS,
     "the cash_desk may be watched whenever the camera records"),
    ("other_premises", {}, {"sector": "fuel_station", "area": "dining"}, {}, TUESDAY_10, R.FAIL,
     "records the dining at night (20:00-08:00), when only fuel_pumps, warehouse may be watched; records the "
     "dining by day"),
    ("other_premises", {}, {"sector": "fuel_station", "area": "fuel_pumps"}, {}, SATURDAY_06, R.PASS,
     "may be watched whenever"),
    ("other_premises", {"recording.active": False, "recording.jobs": []},
     {"sector": "fuel_station", "area": "cash_desk"}, {}, TUESDAY_22, R.PASS, "does not record"),
    ("other_premises", {"recording.active": failed("recording.active"), "recording.jobs": failed("recording.jobs")},
     {"sector": "fuel_station", "area": "cash_desk"}, {}, TUESDAY_22, R.UNKNOWN, "recording.jobs"),
    # places of worship: recording while open to the public fails, whatever the day of the scan
    ("other_premises", {}, {"sector": "place_of_worship", "area": "worship_interior",
                            "opening_hours": {"sun": ["09:00-12:00"]}}, {}, SUNDAY_10, R.FAIL,
     "place_of_worship: records while open to the public (continuously: recording job RecordingJob_1 follows no "
     "schedule): Sun 2026-11-29 09:00-12:00"),
    ("other_premises", {}, {"sector": "place_of_worship", "area": "worship_interior",
                            "opening_hours": {"sun": ["09:00-12:00"]}}, {}, TUESDAY_10, R.FAIL,
     "Sun 2026-11-29 09:00-12:00"),
    ("other_premises", SATURDAY_ONLY, {"sector": "place_of_worship", "area": "worship_interior",
                                       "opening_hours": {"sun": ["09:00-12:00"]}}, {}, TUESDAY_10, R.PASS,
     "records schedule 'Weekend' (read), only while closed to the public"),
    ("other_premises", {**SATURDAY_ONLY, "recording.schedules": failed("recording.schedules")},
     {"sector": "place_of_worship", "area": "worship_interior", "opening_hours": {"sun": ["09:00-12:00"]}}, {},
     TUESDAY_10, R.UNKNOWN, "which was not read"),
    ("other_premises", {}, {"sector": "museum", "area": "exhibits"}, {}, TUESDAY_10, R.PASS, "museum camera"),
    ("other_premises", {}, {"sector": "museum", "area": "dining"}, {}, TUESDAY_10, R.FAIL, "aim at the exhibits"),
    ("other_premises", {}, {"sector": "hotel"}, {}, TUESDAY_10, R.NOT_APPLICABLE, "no art 21 rule"),
    # sector_regime (GR-HOURS-1): informational, tells which regime applies
    ("sector_regime", {}, {"sector": "bank"}, {}, TUESDAY_10, R.PASS,
     "the bank rules apply while open (mon 07:30-16:30"),
    ("sector_regime", {}, {"sector": "bank"}, {}, TUESDAY_22, R.PASS,
     "the bank rules apply while open (mon 07:30-16:30"),
]


@pytest.mark.parametrize(("check_id", "facts", "fields", "params", "at", "result", "text"), CASES)
def test_sector_checks(check_id, facts, fields, params, at, result, text) -> None:
    run_case(check_id, facts, fields, params, result, text, at=at)


def test_time_rules_need_opening_hours() -> None:
    from tests.profiles.factbook import camera, decl, inventory, judge

    declaration = decl(**{"sector": "school", "area": "school_corridor", "class": 3})
    outcome = judge("school_hours", camera(facts=SHORT), declaration, inv=inventory(declaration, opening_hours=None))
    assert outcome.result is R.UNKNOWN
    assert "no opening hours declared for camera 'cam'" in outcome.message


def test_evaluation_time_is_converted_to_the_site_time_zone() -> None:
    """Monday 03:00 UTC is Monday 04:00 in Prague but still Sunday 22:00 in New York: the judged week differs."""
    from tests.profiles.factbook import camera, decl, inventory, judge

    at = datetime(2026, 11, 23, 3, 0, tzinfo=ZoneInfo("UTC"))
    declaration = decl(**SCHOOL)
    prague = judge("school_hours", camera(facts=IDLE), declaration, at=at, inv=inventory(declaration))
    new_york = judge("school_hours", camera(facts=IDLE), declaration, at=at,
                     inv=inventory(declaration, timezone="America/New_York"))
    assert prague.result is R.PASS and "week from Mon 2026-11-23 (Europe/Prague)" in prague.message
    assert new_york.result is R.PASS and "week from Sun 2026-11-22 (America/New_York)" in new_york.message
    # Sunday's footage may stay until Monday (24 h), Monday's until Tuesday: same limit, different days
    assert "next working day Tue 2026-11-24" in prague.message
    assert "next working day Mon 2026-11-23" in new_york.message


def test_school_fails_on_what_it_saw_even_if_retention_is_unknown() -> None:
    from tests.profiles.factbook import camera, decl, judge

    device = camera(facts={"recording.recordings": failed("recording.recordings")})
    outcome = judge("school_hours", device, decl(**{"sector": "school", "area": "school_corridor", "class": 3}))
    assert outcome.result is R.FAIL and "records during school hours" in outcome.message


def test_sector_regime_unknown_without_hours() -> None:
    """GR-HOURS-1 is informational (no fail case): it says which regime applies, or what to declare."""
    from tests.profiles.factbook import camera, decl, inventory, judge

    declaration = decl(sector="shop")
    outcome = judge("sector_regime", camera(), declaration, inv=inventory(declaration, opening_hours=None))
    assert outcome.result is R.UNKNOWN and "add `opening_hours`" in outcome.message


WEDNESDAY_DAY = {**SCHEDULED, "recording.schedules": [{"token": "AfterHours", "name": "Wednesday", "timezone": None,
                                                       "special_days": False, "windows": {"wed": ["09:00-11:00"]}}]}
WEDNESDAY = "2026-11-25"


@pytest.mark.parametrize(("facts", "school", "at", "result", "text"), [
    # inside school hours on a weekday: fails whatever the hour of the scan
    (WEDNESDAY_DAY, SCHOOL, TUESDAY_22, R.FAIL, "Wed 2026-11-25 09:00-11:00"),
    (WEDNESDAY_DAY, SCHOOL, SATURDAY_06, R.FAIL, "Wed 2026-12-02 09:00-11:00"),
    # the same Wednesday declared a holiday: the school is closed all day, recording then is allowed
    (WEDNESDAY_DAY, {**SCHOOL, "opening_hours": {"weekdays": ["07:30-16:30"], "holidays": [WEDNESDAY]}},
     TUESDAY_22, R.PASS, "outside school hours"),
    # a Saturday schedule: outside school hours, judged on a weekday and on the Saturday itself
    (SATURDAY_ONLY, SCHOOL, TUESDAY_10, R.PASS, "records schedule 'Weekend' (read), outside school hours"),
    (SATURDAY_ONLY, SCHOOL, SATURDAY_06, R.PASS, "in the week from Sat 2026-11-28"),
    # overlapping: a Saturday school (opening hours on Saturday too)
    (SATURDAY_ONLY, {**SCHOOL, "opening_hours": {"weekdays": ["07:30-16:30"], "sat": ["08:00-12:00"]}},
     TUESDAY_10, R.FAIL, "Sat 2026-11-28 08:00-12:00"),
])
def test_school_schedule_weekday_saturday_holiday(facts, school, at, result, text) -> None:
    run_case("school_hours", facts, school, {}, result, text, at=at)
