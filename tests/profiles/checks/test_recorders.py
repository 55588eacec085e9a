"""Recording off the camera: retention judged on the NVR/VMS that keeps the footage, unknown when nobody says."""

from __future__ import annotations

import pytest

from profiles.findings import Result as R
from tests.profiles.factbook import camera, decl, failed, inventory, judge

H = 3600
CAM_UUID = "00000000-0000-4000-8000-000000000050"
NVR_UUID = "00000000-0000-4000-8000-0000000000a0"
NOTHING = {"recording.recordings": [], "recording.jobs": [], "recording.active": False}


def nvr(*recordings: dict, facts: dict | None = None):
    return camera(address="127.0.10.90", uuid=NVR_UUID, mac="00:11:22:33:44:a0",
                  facts={"recording.recordings": list(recordings), **(facts or {})})


def nvr_rec(token: str, source: str | None, hours: float | None, address: str | None = None) -> dict:
    return {"token": token, "source": source, "source_address": address,
            "max_retention_seconds": int(hours * H) if hours is not None else 0}  # 0: no maximum (ONVIF)


NVR_DECL = {"name": "main-nvr", "kind": "onvif_nvr", "match": {"uuid": NVR_UUID}, "records": ["cam"]}
VMS_DECL = {"name": "milestone", "kind": "vms", "retention_hours": 720, "records": ["cam"]}


def run(check_id, devices, recorders, *, fields=None, **params):
    cam = devices[0]
    declaration = decl(**(fields or {}))
    inv = inventory(declaration, recorders=recorders)
    return judge(check_id, cam, declaration, devices=devices, inv=inv, **params)


def test_nvr_linked_by_source_uuid_judges_the_nvr_retention() -> None:
    cam = camera(facts=NOTHING)
    other = nvr_rec("NVR_Rec_2", "urn:uuid:00000000-0000-4000-8000-0000000000ff", 24 * 30)  # another camera
    out = run("retention_limit", [cam, nvr(nvr_rec("NVR_Rec_1", f"urn:uuid:{CAM_UUID}", 24 * 10), other)],
              [NVR_DECL], max_hours=7 * 24)
    assert out.result is R.FAIL, out.message
    assert "maximum retention 10 days (240 h) (on recorder main-nvr (ONVIF NVR 127.0.10.90): 10 days" in out.message
    ev = {e.key: e for e in out.evidence}
    assert ev["recorder.main-nvr"].status == "ok"
    assert [r["token"] for r in ev["recorder.main-nvr"].value] == ["NVR_Rec_1"]  # only this camera's recording


def test_nvr_linked_by_address_uri_and_within_limit_passes() -> None:
    cam = camera(facts=NOTHING)
    rec = nvr_rec("NVR_Rec_1", "channel-1", 48, address="rtsp://127.0.10.50:554/stream1")
    out = run("retention_limit", [cam, nvr(rec)], [NVR_DECL], max_hours=72)
    assert out.result is R.PASS, out.message
    assert "on recorder main-nvr" in out.message


def test_undeclared_nvr_found_recording_the_camera_counts() -> None:
    cam = camera(facts=NOTHING)
    out = run("retention_bounded", [cam, nvr(nvr_rec("R1", CAM_UUID, None))], [])
    assert out.result is R.FAIL, out.message
    assert "kept until the disk is full" in out.message and "not declared under `recorders:`" in out.message


def test_declared_vms_retention() -> None:
    cam = camera(facts=NOTHING)
    out = run("retention_justified", [cam], [VMS_DECL])
    assert out.result is R.FAIL and "on recorder milestone (VMS, declared): 30 days (720 h)" in out.message
    out = run("retention_justified", [cam], [VMS_DECL], fields={"retention_justification": "incident review"})
    assert out.result is R.PASS


def test_longest_of_camera_and_recorders() -> None:
    cam = camera(facts={"recording.recordings": [{"token": "SD", "max_retention_seconds": 24 * H}]})
    out = run("retention_limit", [cam], [VMS_DECL], max_hours=72)
    assert out.result is R.FAIL, out.message
    assert "on the camera: 24 h; on recorder milestone (VMS, declared): 30 days (720 h)" in out.message


@pytest.mark.parametrize(("devices", "why"), [
    (lambda cam: [cam], "was not found in this scan"),
    (lambda cam: [cam, nvr(facts={"recording.recordings": failed("recording.recordings", "denied", "NotAuthorized")})],
     "its recordings were not read"),
    (lambda cam: [cam, nvr(nvr_rec("R1", "urn:uuid:00000000-0000-4000-8000-0000000000ff", 24))],
     "none of its 1 recording(s) has this camera as its source"),
])
def test_declared_nvr_that_cannot_be_observed_is_unknown(devices, why) -> None:
    cam = camera(facts=NOTHING)
    out = run("retention_limit", devices(cam), [NVR_DECL], max_hours=72)
    assert out.result is R.UNKNOWN and why in out.message, out.message


def test_no_recording_and_no_recorder_is_unknown_never_not_applicable() -> None:
    cam = camera(facts=NOTHING)
    for check_id, params in (("retention_configured", {}), ("retention_bounded", {}),
                             ("retention_limit", {"max_hours": 72}), ("retention_justified", {})):
        out = run(check_id, [cam], [], **params)
        assert out.result is R.UNKNOWN, (check_id, out.message)
        assert "no recorder is declared" in out.message
    out = run("retention_limit", [cam], [], fields={"recording": False}, max_hours=72)
    assert out.result is R.NOT_APPLICABLE and "declared `recording: false`" in out.message


def test_a_declared_recorder_is_not_an_undeclared_camera() -> None:
    device = nvr(nvr_rec("R1", CAM_UUID, 24))
    inv = inventory(decl(), recorders=[NVR_DECL])
    inventory_rule = judge("declared_in_inventory", device, None, devices=[device], inv=inv)
    assert inventory_rule.result is R.PASS and "declared as recorder 'main-nvr'" in inventory_rule.message
    needs_decl = judge("retention_configured", device, None, devices=[device], inv=inv)
    assert needs_decl.result is R.NOT_APPLICABLE and "not as a camera" in needs_decl.message
    # a device no recorder names is still an undeclared camera
    other = judge("declared_in_inventory", device, None, devices=[device], inv=inventory(decl()))
    assert other.result is R.FAIL
