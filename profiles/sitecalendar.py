"""The site's calendar: time zone, public holidays (the `holidays` library), school breaks, working days.

Time-aware rules ask it for the weekly windows of the week being judged (declared hours minus closed
days) and for working-day arithmetic ("until the next working day"). `--at` picks the week and the day;
the hour of the scan never matters to a weekly comparison.
"""

from __future__ import annotations

import functools
import zoneinfo
from datetime import UTC, date, datetime, time, timedelta

import holidays

from profiles.inventory import DateRange, Hours, Inventory
from profiles.timewindows import DAY_NAMES, WeeklyWindows, week_days


@functools.cache
def _country_holidays(country: str) -> holidays.HolidayBase | None:
    code, _, subdiv = country.partition("-")
    try:
        return holidays.country_holidays(code, subdiv=subdiv or None)
    except NotImplementedError:
        return None


class SiteCalendar:
    """Working days, public holidays and school breaks of one site."""

    def __init__(self, timezone: str, country: str | None, school_breaks: list[DateRange] | None = None) -> None:
        self.tz = zoneinfo.ZoneInfo(timezone)
        self.country = country
        self._holidays = _country_holidays(country) if country else None
        self.school_breaks = list(school_breaks or ())

    @classmethod
    def of(cls, inventory: Inventory) -> SiteCalendar:
        country = inventory.country
        if country is None and inventory.jurisdiction and len(inventory.jurisdiction) == 2:
            country = inventory.jurisdiction.upper()  # EU and other non-countries give no holidays
        return cls(inventory.timezone, country, inventory.school_breaks)

    @property
    def knows_holidays(self) -> bool:
        return self._holidays is not None

    def describe_source(self) -> str:
        if self._holidays is None:
            return "no country declared, so public holidays are not considered" if not self.country else \
                f"no public-holiday calendar for {self.country}"
        return f"public holidays of {self.country}"

    def public_holiday(self, day: date) -> str | None:
        """The holiday's name, or None."""
        if self._holidays is None:
            return None
        name = self._holidays.get(day)
        return str(name) if name else None

    def school_break(self, day: date) -> DateRange | None:
        return next((b for b in self.school_breaks if b.covers(day)), None)

    def is_working_day(self, day: date) -> bool:
        """Monday to Friday and not a public holiday."""
        return day.weekday() < 5 and self.public_holiday(day) is None

    def next_working_day(self, day: date) -> date:
        nxt = day + timedelta(days=1)
        while not self.is_working_day(nxt):
            nxt += timedelta(days=1)
        return nxt

    def hours_between_days(self, first: date, last: date) -> float:
        """Real elapsed hours from local midnight of `first` to local midnight of `last` (DST-aware)."""
        start = datetime.combine(first, time(0), self.tz).astimezone(UTC)  # same-tzinfo subtraction ignores DST
        end = datetime.combine(last, time(0), self.tz).astimezone(UTC)
        return (end - start).total_seconds() / 3600

    def closed_days(self, hours: Hours, days: list[date], *, school: bool = False) -> dict[date, str]:
        """Which of `days` the premises are closed all day, and why (declared, public holiday, school break)."""
        closed: dict[date, str] = {}
        for day in days:
            if not getattr(hours, DAY_NAMES[day.weekday()]):
                continue  # not an opening day anyway
            if day in hours.holidays:
                closed[day] = "declared closed"
            elif not hours.open_on_public_holidays and (name := self.public_holiday(day)):
                closed[day] = f"public holiday ({name})"
            elif school and (brk := self.school_break(day)):
                closed[day] = f"school break{f' ({brk.name})' if brk.name else ''}"
        return closed

    def week_windows(self, hours: Hours, day: date, *, school: bool = False) -> tuple[WeeklyWindows, dict[date, str]]:
        """The weekly windows of `hours` over the seven days from `day`, without their closed days."""
        days = week_days(day)
        closed = self.closed_days(hours, days, school=school)
        ranges = {d.weekday(): list(getattr(hours, DAY_NAMES[d.weekday()])) for d in days if d not in closed}
        return WeeklyWindows.from_days(ranges), closed
