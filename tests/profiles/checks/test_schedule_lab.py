"""Recording schedules end to end: the lab serves schedules (iCalendar) and runs jobs by them at its clock; the
reader reads them with tsc:GetSchedules (only the tokens the jobs name); the school rule compares them with the
school hours. Real ONVIF over sockets."""

from __future__ import annotations

import aiohttp
import pytest

from lab import clock as lab_clock
from lab import parse_fleet, run_fleet
from profiles.findings import Result
from tests.lab.soapclient import soap
from tests.profiles.factbook import decl, inventory, judge
from tests.profiles.labread import read_sheets

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
AFTER_HOURS = {"mon": ["00:00-07:30", "16:30-24:00"], "tue": ["00:00-07:30", "16:30-24:00"],
               "wed": ["00:00-07:30", "16:30-24:00"], "thu": ["00:00-07:30", "16:30-24:00"],
               "fri": ["00:00-07:30", "16:30-24:00"], "sat": ["00:00-24:00"], "sun": ["00:00-24:00"]}


def _windows_yaml(windows: dict[str, list[str]]) -> str:
    return "{" + ", ".join(f"{d}: [{', '.join(repr(w) for w in ws)}]" for d, ws in windows.items()) + "}"


def _fleet() -> str:
    today = lab_clock.now().weekday()
    near = {DAYS[(today + k) % 7] for k in (-1, 0, 1)}  # whatever the hour of the run, "now" is in one of them
    far = [d for d in DAYS if d not in near]
    return f"""
version: 1
defaults:
  auth: {{schemes: [ws-usernametoken], users: {{auditor: {{password: demo-pass, level: Administrator}}}}}}
cameras:
  - name: after-hours
    address: 127.0.10.111
    identity: {{endpoint_uuid: "urn:uuid:00000000-0000-4000-8000-000000000111"}}
    recording:
      recordings: [{{token: R1, max_retention: PT24H}}]
      jobs: [{{token: J1, recording: R1, schedule: AfterHours}}]
      schedules:
        - {{token: AfterHours, name: After hours, windows: {_windows_yaml(AFTER_HOURS)}}}
        - {{token: Unused, name: never asked, windows: {{mon: ["00:00-24:00"]}}}}
  - name: daytime
    address: 127.0.10.112
    identity: {{endpoint_uuid: "urn:uuid:00000000-0000-4000-8000-000000000112"}}
    recording:
      recordings: [{{token: R1, max_retention: PT24H}}]
      jobs: [{{token: J1, recording: R1, schedule: Day}}]
      schedules: [{{token: Day, name: Day, windows: {{wed: ["09:00-11:00"]}}}}]
  - name: state-now
    address: 127.0.10.113
    identity: {{endpoint_uuid: "urn:uuid:00000000-0000-4000-8000-000000000113"}}
    recording:
      recordings: [{{token: R1, max_retention: PT24H}}, {{token: R2, max_retention: PT24H}}]
      jobs: [{{token: Near, recording: R1, schedule: Near}}, {{token: Far, recording: R2, schedule: Far}}]
      schedules:
        - {{token: Near, windows: {{{', '.join(f'{d}: ["00:00-24:00"]' for d in sorted(near))}}}}}
        - {{token: Far, windows: {{{', '.join(f'{d}: ["00:00-24:00"]' for d in far)}}}}}
  - name: no-schedule-service
    address: 127.0.10.114
    identity: {{endpoint_uuid: "urn:uuid:00000000-0000-4000-8000-000000000114"}}
    recording:
      recordings: [{{token: R1, max_retention: PT24H}}]
      jobs: [{{token: J1, recording: R1, schedule: Vendor_Night}}]
"""


@pytest.mark.asyncio
async def test_schedules_read_judged_and_jobs_follow_the_lab_clock() -> None:
    async with run_fleet(parse_fleet(_fleet()), port_override=0) as running:
        sheets = await read_sheets(running, "auditor", "demo-pass")
        # the lab runs each job by its schedule at the lab clock: a job in a schedule covering today is Active
        async with aiohttp.ClientSession() as http:
            cam = running.camera("state-now")
            states = {}
            for job in ("Near", "Far"):
                reply = await soap(http, cam, "trc", "GetRecordingJobState", f"<JobToken>{job}</JobToken>")
                states[job] = reply.text(".//trc:State/tt:State")
        asked = [r for r in running.camera("after-hours").requests if r.operation == "tsc:GetSchedules"]
    assert states == {"Near": "Active", "Far": "Idle"}
    assert len(asked) == 1  # one request, for the token the job names ("Unused" is never asked for)

    read = sheets["after-hours"].get("recording.schedules")
    assert read.ok and read.source == "tsc:GetSchedules"
    assert [(s.token, s.name, {d: list(w) for d, w in s.windows.items()}) for s in read.value] == [
        ("AfterHours", "After hours", AFTER_HOURS)]
    school = decl(sector="school", area="school_corridor", **{"class": 3})
    inv = inventory(school, opening_hours={"weekdays": ["07:30-16:30"]})

    outside = judge("school_hours", sheets["after-hours"], school, inv=inv)
    assert outside.result is Result.PASS, outside.message
    assert "records schedule 'After hours' (read), outside school hours" in outside.message

    inside = judge("school_hours", sheets["daytime"], school, inv=inv)
    assert inside.result is Result.FAIL and "records during school hours (schedule 'Day' (read)): Wed" in inside.message
    assert "09:00-11:00" in inside.message

    unread = sheets["no-schedule-service"].get("recording.schedules")
    assert unread.status == "unsupported"
    unknown = judge("school_hours", sheets["no-schedule-service"], school, inv=inv)
    assert unknown.result is Result.UNKNOWN and "follows schedule 'Vendor_Night', which was not read" in unknown.message
    declared = decl(sector="school", area="school_corridor", recording_schedule={"weekdays": ["18:00-24:00"]},
                    **{"class": 3})
    fallback = judge("school_hours", sheets["no-schedule-service"], declared,
                     inv=inventory(declared, opening_hours={"weekdays": ["07:30-16:30"]}))
    assert fallback.result is Result.PASS and "declared `recording_schedule`" in fallback.message
