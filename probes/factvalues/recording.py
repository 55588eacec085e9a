"""Recording facts: recordings and their retention, jobs, schedules, stored data and storage targets."""

from __future__ import annotations

from typing import Literal

from probes.factvalues._base import FactValue, fact

WeekDay = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class Recording(FactValue):
    token: str
    source: str | None = None  # Source/SourceId
    source_address: str | None = None  # Source/Address: an NVR names the camera it records here
    max_retention_seconds: int  # MaximumRetentionTime (required) in seconds; 0 = unlimited (ONVIF)
    max_retention: str | None = None  # the xs:duration as the device wrote it
    content: str | None = None
    tracks: tuple[str, ...] = ()  # track types (Video, Audio, Metadata)

    @property
    def unlimited(self) -> bool:
        """No maximum retention: kept until the disk is full."""
        return self.max_retention_seconds == 0


class RecordingJob(FactValue):
    token: str
    recording: str  # the recording token it writes to
    mode: str  # Active | Idle (compare case-insensitively: firmware varies)
    schedule: str | None = None  # ScheduleToken; None: the job follows no schedule

    @property
    def active(self) -> bool:
        return self.mode.lower() == "active"


class Schedule(FactValue):
    token: str
    name: str | None = None
    windows: dict[WeekDay, tuple[str, ...]]  # day -> 'HH:MM-HH:MM' windows (camera local time)
    timezone: str | None = None  # None: camera local time
    special_days: bool | None = None


class RecordingSummary(FactValue):
    data_from: str | None = None  # ISO time (Z); None: no data stored
    data_until: str | None = None
    recordings: int


class StorageTarget(FactValue):
    token: str
    type: str  # LocalStorage | NFS | CIFS | CDMI | FTP | ObjectStorageS3 | ObjectStorageAzure ...
    uri: str | None = None  # StorageUri or LocalPath
    local: bool


RECORDINGS = fact("recording.recordings", list[Recording], "trc:GetRecordings", "Recordings on the device")
JOBS = fact("recording.jobs", list[RecordingJob], "trc:GetRecordingJobs", "Recording jobs")
SCHEDULES = fact("recording.schedules", list[Schedule], "tsc:GetSchedules",
                 "The schedules recording jobs follow (asked only for the tokens the jobs name)")
SUMMARY = fact("recording.summary", RecordingSummary, "tse:GetRecordingSummary", "Span of stored data")
ACTIVE = fact("recording.active", bool, "derived from recording.jobs", "At least one recording job is Active")
STORAGE_TARGETS = fact("storage.targets", list[StorageTarget], "tds:GetStorageConfigurations",
                       "Storage targets (local, NFS, CIFS, S3, Azure, FTP ...)")

SPECS = (RECORDINGS, JOBS, SCHEDULES, SUMMARY, ACTIVE, STORAGE_TARGETS)
