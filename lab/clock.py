"""The lab's clock: the same CAMAUDIT_CLOCK_OFFSET shift as the scanner's (`probes/clock.py`).

The lab imports nothing of camaudit's, so this small reading of the variable is deliberately its own.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta

from dateutil import tz as dateutil_tz

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def now() -> datetime:
    """Current UTC time shifted by CAMAUDIT_CLOCK_OFFSET (e.g. `365d`), so lab certificates follow the test clock."""
    raw = os.environ.get("CAMAUDIT_CLOCK_OFFSET", "").strip()
    match = re.match(r"^([+-]?)(\d+(?:\.\d+)?)([smhdw]?)$", raw) if raw else None
    if raw and not match:
        raise ValueError(f"CAMAUDIT_CLOCK_OFFSET={raw!r}: expected a signed duration such as 365d or -2h")
    shift = timedelta(0)
    if match:
        seconds = float(match.group(2)) * _UNITS[match.group(3) or "s"]
        shift = timedelta(seconds=-seconds if match.group(1) == "-" else seconds)
    return datetime.now(UTC) + shift


_TZ_STD = re.compile(r"(?:<[^>]*>|[A-Za-z]+)([-+]?\d+)(?::(\d+))?")


def tz_offset_seconds(tz: str) -> int:
    """East-positive offset of a POSIX TZ string's standard time ("AEST-10AEDT,..." -> +36000); 0 when the
    string is not POSIX (a camera with a bogus TZ shows its UTC time as local time)."""
    m = _TZ_STD.match(tz.strip())
    if m is None or abs(int(m.group(1))) > 24:
        return 0
    hours = int(m.group(1))
    minutes = int(m.group(2) or 0) * (1 if hours >= 0 else -1)
    return -(hours * 3600 + minutes * 60)  # POSIX counts west of Greenwich as positive


_TZ_RULES = re.compile(r"^[A-Za-z]{3,}[-+]?\d[\d:]*[A-Za-z]{3,}([-+]?\d[\d:]*)?,M[\d.]+(/\d+)?,M[\d.]+(/\d+)?$")


def tz_local_offset(tz: str, utc: datetime) -> tuple[int, bool]:
    """(east-positive offset, daylight saving?) of the camera's local time at the instant `utc`: a TZ with
    POSIX `Mm.w.d` rules follows them (dateutil's reading, independent of the scanner's), anything else
    is its standard time."""
    if _TZ_RULES.match(tz.strip()):
        zone = dateutil_tz.tzstr(tz.strip(), posix_offset=True)
        local = utc.astimezone(zone)
        offset, dst = local.utcoffset(), local.dst()
        if offset is not None:
            return int(offset.total_seconds()), bool(dst)
    return tz_offset_seconds(tz), False
