"""The device's UTC clock from GetSystemDateAndTime, also when the device gets it wrong.

WS-UsernameToken needs `Created` on the device's clock, and real devices report that clock badly:
no UTCDateTime at all (only LocalDateTime and TZ: agsh/onvif#165), the local wall clock labelled
UTC (OpenIPC/majestic-webui#292), TZ strings that are not POSIX ("(UTC+08:00) Beijing",
roleoroleo/onvif_simple_server#52). `device_utc` turns what was reported into the best UTC reading
and a note that says how it was obtained, so the skew fact never hides a guess. A local time is turned
into UTC with the offset in effect then: the TZ string's daylight saving rules apply (`_posixtz`).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from probes.onvif._ns import TT, Service
from probes.onvif._posixtz import parse_posix_tz
from probes.onvif._xml import Element, child, text

_POSIX_TZ = re.compile(r"^(?:<[^<>]{1,16}>|[A-Za-z]{3,})([-+]?)(\d{1,2})(?::([0-5]\d))?(?::[0-5]\d)?(?:[A-Za-z<]|,|$)")
TDS = Service.DEVICE.namespace
_SAME_WITHIN_S = 2  # UTCDateTime and LocalDateTime this close count as the same reading


def posix_offset_s(tz: str | None) -> int | None:
    """East-positive UTC offset (seconds) of a POSIX TZ string's standard time ("CET-1CEST" -> 3600);
    None when the string is not a POSIX TZ (then nothing is derived from it). A string whose DST part is
    not POSIX still gives its standard offset."""
    parsed = parse_posix_tz(tz)
    if parsed is not None:
        return parsed.std_offset_s
    m = _POSIX_TZ.match((tz or "").strip())
    if m is None or int(m.group(2)) > 24:
        return None
    seconds = int(m.group(2)) * 3600 + int(m.group(3) or 0) * 60
    return seconds if m.group(1) == "-" else -seconds  # POSIX counts west of Greenwich as positive


def local_date_time(resp: Element) -> datetime | None:
    """tds:SystemDateAndTime/tt:LocalDateTime as a naive datetime (None when absent or invalid)."""
    sdt = child(resp, TDS, "SystemDateAndTime")
    local = child(sdt, TT, "LocalDateTime") if sdt is not None else None
    if local is None:
        return None
    time_el, date_el = child(local, TT, "Time"), child(local, TT, "Date")
    try:
        parts = [int(text(child(el, TT, name)) or "")
                 for el, name in ((date_el, "Year"), (date_el, "Month"), (date_el, "Day"),
                                  (time_el, "Hour"), (time_el, "Minute"), (time_el, "Second"))
                 if el is not None]
        if len(parts) != 6:
            return None
        year, month, day, hour, minute, second = parts
        return datetime(year, month, day, hour, minute, min(second, 59))
    except (ValueError, TypeError):
        return None


def local_offset_s(tz: str | None, local: datetime) -> tuple[int, str] | None:
    """(east-positive offset in effect at the naive local time `local`, a note on DST or ""); None when
    the TZ is not POSIX. Without DST rules (or with rules that are not POSIX) standard time is assumed."""
    offset = posix_offset_s(tz)
    if offset is None:
        return None
    zone = parse_posix_tz(tz)
    if zone is None or zone.dst_offset_s is None:
        return offset, "" if zone is not None else "; its DST rules are not POSIX: standard time assumed"
    if zone.rules is None:
        return offset, "; it names daylight saving time without rules: standard time assumed"
    effective, dst = zone.offset_at_local(local)
    return effective, " (daylight saving time by its rules)" if dst else ""


def device_utc(utc: datetime | None, local: datetime | None, tz: str | None) -> tuple[datetime | None, str | None]:
    """(the device's UTC clock, a note on how it was derived or None when UTCDateTime was taken as sent)."""
    if utc is None:
        if local is None:
            return None, None
        found = local_offset_s(tz, local)
        if found is None:
            return local.replace(tzinfo=UTC), (f"no UTCDateTime; LocalDateTime taken as UTC (TZ {tz!r} is not a "
                                               "POSIX time zone)")
        offset, dst = found
        return (local - timedelta(seconds=offset)).replace(tzinfo=UTC), (
            f"no UTCDateTime; derived from LocalDateTime and TZ {tz!r}{dst}")
    if local is None or abs((utc.replace(tzinfo=None) - local).total_seconds()) > _SAME_WITHIN_S:
        return utc, None
    found = local_offset_s(tz, local)
    if found is None or not found[0]:
        return utc, None
    offset, dst = found
    return utc - timedelta(seconds=offset), (
        f"UTCDateTime equals LocalDateTime although TZ {tz!r} is UTC{offset / 3600:+g} h{dst}: the device reports "
        "its local time as UTC; corrected by the TZ offset")
