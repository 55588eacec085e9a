"""The one clock of the product: every "now" that ends up in a fact, a scan or a schedule comes from here.

Why: results must not depend on the day they are computed, and tests must be able to move the calendar
without LD_PRELOAD tricks (those hang the network-namespace tests). `CAMAUDIT_CLOCK_OFFSET` shifts this
clock by a signed duration (`365d`, `-2h`, `+90m`, `3600s`); it exists for testing date-sensitive code
(CI runs those tests a year ahead) and is never needed in normal use. It is read once per process, as
configuration is: `now()` runs several times per request (0.2 s of a 1,000-camera audit went to looking the
variable up each time); a test that changes it in-process calls `refresh()`.
"""

from __future__ import annotations

import functools
import os
import re
from datetime import UTC, datetime, timedelta

ENV = "CAMAUDIT_CLOCK_OFFSET"
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_PATTERN = re.compile(r"^\s*([+-]?)(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$")


@functools.lru_cache(maxsize=8)
def parse_offset(text: str) -> timedelta:
    """`365d` / `-2h` / `90` (seconds) as a timedelta; ValueError names the bad value."""
    match = _PATTERN.match(text)
    if not match:
        raise ValueError(f"{ENV}={text!r}: expected a signed duration such as 365d, -2h or 90m")
    sign, number, unit = match.groups()
    seconds = float(number) * _UNITS[unit or "s"]
    return timedelta(seconds=-seconds if sign == "-" else seconds)


_offset: timedelta | None = None  # the variable's shift, once read


def offset() -> timedelta:
    """The injected shift (zero unless CAMAUDIT_CLOCK_OFFSET is set); a bad value raises on every call."""
    global _offset
    if _offset is None:
        raw = os.environ.get(ENV, "").strip()
        _offset = parse_offset(raw) if raw else timedelta(0)
    return _offset


def refresh() -> None:
    """Read CAMAUDIT_CLOCK_OFFSET again at the next `now()` (for tests that change it in-process)."""
    global _offset
    _offset = None


def now() -> datetime:
    """The current time, timezone-aware in UTC, shifted by the injected offset."""
    shift = _offset if _offset is not None else offset()
    return datetime.now(UTC) + shift if shift else datetime.now(UTC)
