"""Feature presence from every source, over real sockets (issue 14, cases 4-6).

A feature is absent only when GetServices, GetCapabilities, the media profiles' configurations and the
feature service itself agree; disagreement is read anyway and recorded on the fact; one operation that
answers ActionNotSupported on an offered service is unknown, never absence.
"""

from __future__ import annotations

from typing import Any

import pytest
import pytest_asyncio

from lab import run_fleet
from probes.discovery.model import DiscoveredDevice
from probes.facts import ABSENCE_PREFIX, DeviceFacts, FactStatus
from probes.onvif import READ_OPERATIONS, OnvifReader
from tests.scanner.identitylab import PASSWORD, USER, fleet

pytestmark = pytest.mark.asyncio(loop_scope="module")

ALL_BUT_PTZ = ["device", "media", "media2", "imaging", "events", "deviceio"]
PTZ = {"presets": [{"token": "1", "name": "Gate"}, {"token": "2", "name": "Door"}]}
CAMERAS: list[dict[str, Any]] = [
    # GetServices omits PTZ; GetCapabilities lists it; every profile carries a PTZ configuration
    {"name": "ptz-unlisted", "address": "127.0.41.11", "ptz": PTZ, "services_listed": ALL_BUT_PTZ},
    # GetServices and GetCapabilities omit PTZ; only the profiles' PTZ configuration shows it
    {"name": "ptz-profiles-only", "address": "127.0.41.12", "ptz": PTZ, "services_listed": ALL_BUT_PTZ,
     "capabilities_listed": ALL_BUT_PTZ},
    # the mirror case: GetServices invents a PTZ service, nothing is configured and the service is not there
    {"name": "ptz-invented", "address": "127.0.41.13", "services_listed": [*ALL_BUT_PTZ, "ptz"]},
    # PTZ offered and configured, but tptz:GetNodes answers ActionNotSupported (real firmware does)
    {"name": "ptz-nodes-refused", "address": "127.0.41.14", "ptz": PTZ,
     "misbehaviour": [{"mode": "action_not_supported", "operations": ["tptz:GetNodes"]}]},
    # a recording service whose GetRecordingJobs is refused: not "not recording"
    {"name": "jobs-refused", "address": "127.0.41.15",
     "recording": {"recordings": [{"token": "Rec_1", "max_retention": "P7D"}],
                   "jobs": [{"token": "Job_1", "recording": "Rec_1"}]},
     "misbehaviour": [{"mode": "action_not_supported", "operations": ["trc:GetRecordingJobs"]}]},
    # an analytics service with no readable configuration: not "no biometric analytics"
    {"name": "analytics-unreadable", "address": "127.0.41.16", "services": [*ALL_BUT_PTZ, "analytics"],
     "misbehaviour": [{"mode": "action_not_supported",
                       "operations": ["tr2:GetAnalyticsConfigurations", "trt:GetVideoAnalyticsConfigurations"]}]},
    # GetServices fails, GetCapabilities answers in a non-conforming namespace
    {"name": "services-broken", "address": "127.0.41.17",
     "misbehaviour": [{"mode": "http500_for_unimplemented", "operations": ["tds:GetServices"]},
                      "capabilities_foreign_namespace"]},
    # GetServices lists only the device service; GetCapabilities lists Media; GetProfiles answers
    {"name": "services-device-only", "address": "127.0.41.18", "services_listed": ["device"],
     "capabilities_listed": ALL_BUT_PTZ},
    # nothing anywhere: absence proven by every source
    {"name": "plain", "address": "127.0.41.19"},
]


class Run:
    sheets: dict[str, DeviceFacts]
    asked: dict[str, list[str]]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def run() -> Run:
    out = Run()
    out.sheets = {}
    async with run_fleet(fleet(CAMERAS), port_override=0) as running:
        by_address = {c.address: c.name for c in running.cameras}
        async with OnvifReader(username=USER, password=PASSWORD, device_deadline_s=15) as reader:
            async for sheet in reader.read_all([DiscoveredDevice(addresses=[c.address], xaddrs=[c.xaddr])
                                                for c in running.cameras]):
                out.sheets[by_address[sheet.address]] = sheet
        out.asked = {c.name: list(c.received) for c in running.cameras}
    return out


def fact(run: Run, name: str, key: str) -> Any:
    return run.sheets[name].get(key)


async def test_only_read_operations_were_sent(run: Run) -> None:
    for name, ops in run.asked.items():
        assert set(ops) <= READ_OPERATIONS, name


@pytest.mark.parametrize("name", ["ptz-unlisted", "ptz-profiles-only"])
async def test_ptz_hidden_from_getservices_is_read_and_present(run: Run, name: str) -> None:
    """Before: ptz.present false (GetServices alone decided) and GDPR-MIN-1 passed."""
    present = fact(run, name, "ptz.present")
    assert present.ok and present.value is True, present
    assert "sources disagree" in (present.reason or "")
    presets = fact(run, name, "ptz.presets")
    assert presets.ok and [p.token for p in presets.value] == ["1", "2"]
    assert "tptz:GetNodes" in run.asked[name]


async def test_an_invented_ptz_service_is_not_a_ptz_head_nor_proof_of_none(run: Run) -> None:
    present = fact(run, "ptz-invented", "ptz.present")
    assert present.status is FactStatus.UNSUPPORTED, present  # unknown: the listed service cannot be read
    assert "ActionNotSupported" in (present.reason or "") or "not supported" in (present.reason or "").lower()


async def test_getnodes_refused_is_not_absence_and_presets_are_still_asked(run: Run) -> None:
    """Before: ptz.present false, GetPresets never asked."""
    nodes = fact(run, "ptz-nodes-refused", "ptz.nodes")
    assert nodes.status is FactStatus.UNSUPPORTED
    present = fact(run, "ptz-nodes-refused", "ptz.present")
    assert present.ok and present.value is True and "PTZ configuration" in (present.reason or "")
    presets = fact(run, "ptz-nodes-refused", "ptz.presets")
    assert presets.ok and len(presets.value) == 2
    assert "tptz:GetPresets" in run.asked["ptz-nodes-refused"]
    assert presets.source == "tptz:GetPresets"  # cites the operation that answered, not the refused one


async def test_refused_recording_jobs_leave_recording_unknown(run: Run) -> None:
    """Before: recording.active false ("not recording")."""
    active = fact(run, "jobs-refused", "recording.active")
    assert active.status is FactStatus.UNSUPPORTED and not active.ok
    assert fact(run, "jobs-refused", "recording.recordings").ok


async def test_unreadable_analytics_leave_biometrics_unknown(run: Run) -> None:
    """Before: analytics.biometric ok [] ("no biometric analytics")."""
    biometric = fact(run, "analytics-unreadable", "analytics.biometric")
    assert not biometric.ok and biometric.status is FactStatus.UNSUPPORTED


async def test_failed_getservices_with_foreign_capabilities_never_reads_as_no_services(run: Run) -> None:
    """Before: services ok [] and recording/thermal/analytics 'absent'."""
    services = fact(run, "services-broken", "services")
    assert services.ok and services.source == "tds:GetCapabilities"
    assert "non-conforming" in (services.reason or "") and services.value
    for key in ("recording.active", "thermal.radiometry", "cloud.uplinks"):
        assert not fact(run, "services-broken", key).absent, key  # GetServices failed: nothing proven absent
    assert fact(run, "services-broken", "media.profiles").ok


async def test_media_listed_only_by_getcapabilities_is_read(run: Run) -> None:
    """Before: media 'unsupported' although GetCapabilities listed Media and GetProfiles answered."""
    service = fact(run, "services-device-only", "media.service")
    assert service.ok, service
    assert fact(run, "services-device-only", "media.profiles").ok


async def test_absence_proven_by_every_source_names_them(run: Run) -> None:
    for key in ("ptz.present", "ptz.nodes", "recording.active", "analytics.biometric", "cloud.uplinks",
                "thermal.radiometry"):
        f = fact(run, "plain", key)
        assert f.ok and f.absent, (key, f)
        assert f.source.startswith(ABSENCE_PREFIX) and "tds:GetServices" in f.source
    assert "tds:GetCapabilities" in fact(run, "plain", "ptz.present").source
    assert "media profiles" in fact(run, "plain", "ptz.present").source
