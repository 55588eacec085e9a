"""Recording and search: recordings, jobs, the summary, whether a job records, and the schedules (tsc) the
jobs name."""

from __future__ import annotations

import asyncio

from probes.facts import FactStatus
from probes.factvalues.recording import RecordingJob
from probes.onvif import _parsers as P
from probes.onvif.services._context import MAX_FANOUT, ReadContext

KEYS = ("recording.recordings", "recording.jobs", "recording.summary", "recording.active", "recording.schedules")
"""The facts this reader sets."""


async def read_recording(ctx: ReadContext) -> None:
    await asyncio.gather(
        ctx.read("recording.recordings", "trc:GetRecordings", P.recordings),
        ctx.read("recording.jobs", "trc:GetRecordingJobs", P.recording_jobs),
        ctx.read("recording.summary", "tse:GetRecordingSummary", P.recording_summary),
    )
    ctx.derive("recording.active", ["recording.jobs"], _any_active)
    await _schedules(ctx)


async def _schedules(ctx: ReadContext) -> None:
    """The schedules the recording jobs name (tsc:GetSchedules, only those tokens): when a job records."""
    key, op = "recording.schedules", "tsc:GetSchedules"
    ctx.sheet.start(key)
    jobs = ctx.sheet.facts.get("recording.jobs")
    if jobs is None or not jobs.ok:
        status = jobs.status if jobs is not None and jobs.status is FactStatus.UNSUPPORTED else \
            FactStatus.NOT_PROBED
        ctx.sheet.fail(key, status, op, "recording.jobs was not read: which schedules they follow is unknown")
        return
    job_list: list[RecordingJob] = jobs.value or []
    tokens = sorted({j.schedule for j in job_list if j.schedule})[:MAX_FANOUT]
    if not tokens:
        ctx.sheet.ok(key, [], "derived from recording.jobs", reason="no recording job names a schedule")
        return
    ctx.record(key, op, await ctx.call(op, tuple(("Token", t) for t in tokens)), P.schedules)


def _any_active(jobs: list[RecordingJob]) -> bool:
    """Some job records now. The mode is compared as `RecordingJob.active` does (case-insensitively), so the
    recording fact and the job list never disagree about a firmware that writes "ACTIVE"."""
    return any(j.active for j in jobs)
