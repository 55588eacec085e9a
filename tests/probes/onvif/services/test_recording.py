"""Recording reader helpers: the recording fact reads a job's mode the way the job model does."""

from __future__ import annotations

import pytest

from probes.factvalues.recording import RecordingJob
from probes.onvif.services.recording import _any_active


@pytest.mark.parametrize(("modes", "want"), [
    (["Active"], True), (["ACTIVE"], True), (["active"], True), (["Idle", "Active"], True),
    (["Idle"], False), ([], False),
])
def test_any_active_agrees_with_the_job_model(modes: list[str], want: bool) -> None:
    jobs = [RecordingJob.model_validate({"token": f"job{i}", "mode": m, "recording": "rec"})
            for i, m in enumerate(modes)]
    assert _any_active(jobs) is want
    assert _any_active(jobs) is any(j.active for j in jobs)
