"""Schedule (tsc, ver10): the weekly schedules recording jobs follow, served as iCalendar like real devices do."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from lab.model import DAYS, Schedule, Service
from lab.services._registry import Ctx, capabilities, op
from lab.soap import SoapRequest, sub

SC = Service.SCHEDULE
_MONDAY = date(1970, 1, 5)  # DTSTART anchor: a Monday, in floating (camera local) time
_BYDAY = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def _stamp(day: date, hhmm: str) -> str:
    if hhmm == "24:00":
        day, hhmm = day + timedelta(days=1), "00:00"
    return f"{day:%Y%m%d}T{hhmm.replace(':', '')}00"


def to_ical(schedule: Schedule) -> str:
    """One weekly VEVENT per distinct window, on every day that has it (RFC 5545, CRLF lines)."""
    if schedule.ical is not None:
        return schedule.ical
    by_window: dict[str, list[int]] = {}
    for index, day in enumerate(DAYS):
        for window in schedule.windows.get(day, []):  # type: ignore[call-overload]
            by_window.setdefault(window, []).append(index)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//camaudit lab//schedule//EN"]
    for n, (window, days) in enumerate(by_window.items()):
        start, end = window.split("-")
        first = _MONDAY + timedelta(days=days[0])
        lines += ["BEGIN:VEVENT", f"UID:{schedule.token}-{n}@lab", f"DTSTART:{_stamp(first, start)}",
                  f"DTEND:{_stamp(first, end)}", f"RRULE:FREQ=WEEKLY;BYDAY={','.join(_BYDAY[d] for d in days)}",
                  "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "\r\n".join(lines) + "\r\n"


def schedules(ctx: Ctx) -> dict[str, Schedule]:
    return {s.token: s for s in (ctx.cam.recording.schedules if ctx.cam.recording else [])}


def job_active(ctx: Ctx, schedule_token: str | None) -> bool:
    """Whether a job following `schedule_token` records now, at the camera's clock (no schedule: always)."""
    if schedule_token is None:
        return True
    schedule = schedules(ctx).get(schedule_token)
    if schedule is None:
        return False  # a job whose schedule does not exist never triggers
    now = ctx.now
    return schedule.active_at(now.weekday(), f"{now:%H:%M}")


@capabilities(SC)
def schedule_capabilities(ctx: Ctx, parent: Any) -> Any:
    return sub(parent, "tsc:Capabilities", attrs={"MaxLimit": 10, "MaxSchedules": 10, "MaxTimePeriodsPerDay": 4,
                                                  "MaxSpecialDayGroups": 0, "MaxDaysInSpecialDayGroup": 0,
                                                  "MaxSpecialDaysSchedules": 0, "ExtendedRecurrenceSupported": False,
                                                  "SpecialDaysSupported": False, "StateReportingSupported": True})


@op(SC, "GetSchedules")
def get_schedules(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    known = schedules(ctx)
    for token in req.args("Token"):  # tokens the device does not know are skipped, as the spec says
        schedule = known.get(token)
        if schedule is None:
            continue
        el = sub(resp, "tsc:Schedule", attrs={"token": schedule.token})
        sub(el, "tsc:Name", schedule.name or schedule.token)
        sub(el, "tsc:Standard", to_ical(schedule))
