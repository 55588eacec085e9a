"""Recording (trc) and Search (tse): recordings with MaximumRetentionTime, jobs, stored data span."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from lab.model import Camera, JobMode, Recording, RecordingConfig, Service, duration_seconds
from lab.services._registry import Ctx, by_token, capabilities, iso, op
from lab.services.schedule import job_active
from lab.soap import SoapRequest, sub

R = Service.RECORDING
S = Service.SEARCH
PROFILE_SOURCE = "http://www.onvif.org/ver10/schema/Profile"


def _config(ctx: Ctx) -> RecordingConfig:
    return ctx.cam.recording or RecordingConfig()


def _recording(ctx: Ctx, token: str | None) -> Recording:
    return by_token(_config(ctx).recordings, token, fault="NoRecording", what="recording")


def _job_profile(cam: Camera, job: Any) -> str:
    return job.source or cam.media.profiles[0].token


def tracks(cam: Camera, rec: Recording) -> list[tuple[str, str]]:
    """(token, type) of a recording's tracks: video, plus audio when a job records a profile with audio."""
    out = [("VIDEO001", "Video")]
    profiles = {p.token: p for p in cam.media.profiles}
    for job in (cam.recording.jobs if cam.recording else []):
        if job.recording == rec.token and profiles[_job_profile(cam, job)].audio:
            out.append(("AUDIO001", "Audio"))
            break
    out.append(("META001", "Metadata"))
    return out


def data_span(ctx: Ctx, rec: Recording | None = None) -> tuple[datetime, datetime]:
    """(from, until) of the stored data: the retention window ending now (or yesterday if no job is active)."""
    cfg = _config(ctx)
    recs = [rec] if rec else cfg.recordings
    if cfg.stored_history:
        history = duration_seconds(cfg.stored_history)
    else:
        finite = [duration_seconds(r.max_retention) for r in recs if duration_seconds(r.max_retention) > 0]
        history = max(finite) if finite and len(finite) == len(recs) else 90 * 86400.0
    active = any(j.mode is JobMode.ACTIVE and (rec is None or j.recording == rec.token) for j in cfg.jobs)
    until = ctx.now if active else ctx.now - timedelta(days=1)
    return until - timedelta(seconds=history), until


def _source(parent: Any, ctx: Ctx, rec: Recording) -> None:
    src = sub(parent, "tt:Source")
    sub(src, "tt:SourceId", rec.source_id or ctx.xaddr(Service.DEVICE))
    sub(src, "tt:Name", rec.source_name or ctx.cam.name)
    sub(src, "tt:Location", ctx.cam.identity.location or "")
    sub(src, "tt:Description", f"{ctx.cam.identity.manufacturer} {ctx.cam.identity.model}")
    sub(src, "tt:Address", rec.source_address or rec.source_id or ctx.xaddr(Service.DEVICE))


def _recording_configuration(parent: Any, name: str, ctx: Ctx, rec: Recording) -> None:
    cfg = sub(parent, name)
    _source(cfg, ctx, rec)
    sub(cfg, "tt:Content", rec.content)
    sub(cfg, "tt:MaximumRetentionTime", rec.max_retention)


@capabilities(R)
def recording_capabilities(ctx: Ctx, parent: Any) -> Any:
    return sub(parent, "trc:Capabilities", attrs={
        "DynamicRecordings": False, "DynamicTracks": False, "Encoding": "H264 H265 G711 AAC",
        "MaxRate": 16384.0, "MaxTotalRate": 65536.0, "MaxRecordings": 4.0, "MaxRecordingJobs": 4,
        "Options": True, "MetadataRecording": False})


@op(R, "GetRecordings")
def get_recordings(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    for rec in _config(ctx).recordings:
        item = sub(resp, "trc:RecordingItem")
        sub(item, "tt:RecordingToken", rec.token)
        _recording_configuration(item, "tt:Configuration", ctx, rec)
        tr = sub(item, "tt:Tracks")
        for token, kind in tracks(ctx.cam, rec):
            track = sub(tr, "tt:Track")
            sub(track, "tt:TrackToken", token)
            tc = sub(track, "tt:Configuration")
            sub(tc, "tt:TrackType", kind)
            sub(tc, "tt:Description", f"{kind} track")


@op(R, "GetRecordingConfiguration")
def get_recording_configuration(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    rec = _recording(ctx, req.arg("RecordingToken"))
    _recording_configuration(resp, "trc:RecordingConfiguration", ctx, rec)


def _job_configuration(parent: Any, name: str, ctx: Ctx, job: Any) -> None:
    cfg = sub(parent, name, attrs={"ScheduleToken": job.schedule})
    sub(cfg, "tt:RecordingToken", job.recording)
    sub(cfg, "tt:Mode", job.mode.value)
    sub(cfg, "tt:Priority", job.priority)
    src = sub(cfg, "tt:Source")
    token_el = sub(src, "tt:SourceToken", attrs={"Type": PROFILE_SOURCE})
    sub(token_el, "tt:Token", _job_profile(ctx.cam, job))


def _job(ctx: Ctx, token: str | None) -> Any:
    return by_token(_config(ctx).jobs, token, fault="NoRecordingJob", what="recording job")


@op(R, "GetRecordingJobs")
def get_recording_jobs(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    for job in _config(ctx).jobs:
        item = sub(resp, "trc:JobItem")
        sub(item, "tt:JobToken", job.token)
        _job_configuration(item, "tt:JobConfiguration", ctx, job)


@op(R, "GetRecordingJobConfiguration")
def get_recording_job_configuration(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    _job_configuration(resp, "trc:JobConfiguration", ctx, _job(ctx, req.arg("JobToken")))


@op(R, "GetRecordingJobState")
def get_recording_job_state(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    job = _job(ctx, req.arg("JobToken"))
    state = sub(resp, "trc:State")
    sub(state, "tt:RecordingToken", job.recording)
    # an Active job records only inside its schedule, judged at the camera's clock (lab.clock + offset)
    active = job.mode is JobMode.ACTIVE and job_active(ctx, job.schedule)
    sub(state, "tt:State", "Active" if active else "Idle")


@capabilities(S)
def search_capabilities(ctx: Ctx, parent: Any) -> Any:
    return sub(parent, "tse:Capabilities", attrs={"MetadataSearch": False, "GeneralStartEvents": False})


@op(S, "GetRecordingSummary")
def get_recording_summary(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    summary = sub(resp, "tse:Summary")
    count = len(_config(ctx).recordings)
    start, until = data_span(ctx) if count else (ctx.now, ctx.now)
    sub(summary, "tt:DataFrom", iso(start))
    sub(summary, "tt:DataUntil", iso(until))
    sub(summary, "tt:NumberRecordings", count)


@op(S, "GetRecordingInformation")
def get_recording_information(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    rec = _recording(ctx, req.arg("RecordingToken"))
    start, until = data_span(ctx, rec)
    info = sub(resp, "tse:RecordingInformation")
    sub(info, "tt:RecordingToken", rec.token)
    _source(info, ctx, rec)
    sub(info, "tt:EarliestRecording", iso(start))
    sub(info, "tt:LatestRecording", iso(until))
    sub(info, "tt:Content", rec.content)
    for token, kind in tracks(ctx.cam, rec):
        track = sub(info, "tt:Track")
        sub(track, "tt:TrackToken", token)
        sub(track, "tt:TrackType", kind)
        sub(track, "tt:Description", f"{kind} track")
        sub(track, "tt:DataFrom", iso(start))
        sub(track, "tt:DataTo", iso(until))
    active = any(j.mode is JobMode.ACTIVE and j.recording == rec.token for j in _config(ctx).jobs)
    sub(info, "tt:RecordingStatus", "Recording" if active else "Stopped")
