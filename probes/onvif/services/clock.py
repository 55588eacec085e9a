"""Device service, first: the device clock (tds:GetSystemDateAndTime without credentials), whose offset
WS-UsernameToken needs."""

from __future__ import annotations

from datetime import datetime

from probes.facts import FactStatus
from probes.factvalues.clock import ClockSource
from probes.onvif import _parsers as P
from probes.onvif._devclock import device_utc
from probes.onvif._records import SystemDateTime
from probes.onvif._transport import Reply
from probes.onvif._xml import Element
from probes.onvif.services._context import ReadContext, evidence_of

KEYS = ("clock.source", "clock.skew_seconds")
"""The facts this reader sets."""


async def read_clock(ctx: ReadContext) -> None:
    ctx.sheet.start("clock.source", "clock.skew_seconds")
    op = "tds:GetSystemDateAndTime"
    out = await ctx.call_pre_auth(op)
    parsed: list[SystemDateTime] = []

    def source(el: Element) -> ClockSource:  # parsed once for both clock facts
        parsed.append(P.system_date_time(el))
        return parsed[0].source

    value = ctx.record("clock.source", op, out, source)
    if value is None:
        f = ctx.sheet.facts["clock.source"]
        ctx.sheet.fail("clock.skew_seconds", f.status, op, f.reason or "", f.evidence)
        return
    assert isinstance(out, Reply)
    reading = parsed[0]
    utc: datetime | None
    utc, note = device_utc(reading.utc, reading.local, reading.timezone)
    ev = evidence_of(op, out)
    if utc is None:
        ctx.sheet.fail("clock.skew_seconds", FactStatus.ERROR, op,
                       "the device reports neither UTCDateTime nor LocalDateTime", ev)
        return
    midpoint = out.sent_at + (out.received_at - out.sent_at) / 2
    skew = round((utc - midpoint).total_seconds(), 1)
    ctx.ch.clock_offset_s = skew  # WS-UsernameToken's Created follows the device clock, however it was read
    reason = "device clock has 1 s resolution; skew measured at the request midpoint"
    ctx.sheet.ok("clock.skew_seconds", skew, op, ev, reason=f"{note}; {reason}" if note else reason)
