"""Fleet files: the bundled fleets load, defaults merge, and mistakes name file, line and field."""

from __future__ import annotations

import jsonschema
import pytest
import yaml

from lab import (
    DEMO_FLEET,
    MISBEHAVING_FLEET,
    FleetError,
    fleet_json_schema,
    generate_fleet,
    load_fleet,
    parse_fleet,
)
from lab.loader import deep_merge
from lab.model import AuthScheme, ClockSource, DiscoveryMode, JobMode, Service, duration_seconds


def _error(text: str) -> FleetError:
    with pytest.raises(FleetError) as info:
        parse_fleet(text, "fleet.yaml")
    return info.value


def test_demo_fleet_matches_the_scenarios(demo_fleet) -> None:
    cams = {c.name: c for c in demo_fleet.cameras}
    assert [c.address for c in demo_fleet.cameras] == [f"127.0.10.{n}" for n in range(11, 25)]
    assert all(c.port == 8000 for c in demo_fleet.cameras)
    assert all(c.auth.users["auditor"].password == "demo-pass" and "admin" in c.auth.users for c in cams.values())
    assert cams["school-corridor"].auth.schemes == [AuthScheme.WS_USERNAMETOKEN]
    assert cams["bank-vault"].auth.schemes == [AuthScheme.HTTP_DIGEST]
    assert cams["bank-vault"].identity.firmware == "5.1.9"
    assert cams["hotel-lobby"].network.discovery_mode is DiscoveryMode.NON_DISCOVERABLE
    assert cams["residential-entrance"].clock.source is ClockSource.MANUAL
    assert cams["residential-entrance"].clock.offset_seconds == 600
    assert cams["office-workplace"].clock.offset_seconds == -900
    assert cams["office-workplace"].auth.anonymous_operations == ["GetDeviceInformation", "GetProfiles",
                                                                  "GetStreamUri"]
    assert cams["shop-checkout"].media.profiles[0].audio is not None
    assert Service.THERMAL in cams["thermal-entrance"].offered_services and cams["thermal-entrance"].thermal.radiometry
    assert [r.type for r in cams["retail-face"].analytics.rules] == ["tt:FaceRecognition"]
    assert cams["perimeter-ptz"].ptz.tours[0].auto_start and not cams["perimeter-ptz"].media.masks
    doorbell = cams["cloud-doorbell"]
    assert duration_seconds(doorbell.recording.recordings[0].max_retention) == 0
    assert doorbell.uplinks[0].status.value == "Connected" and doorbell.storage[0].type.value == "ObjectStorageS3"
    assert max(p.video.width for p in cams["parking-lot"].media.profiles) == 1280
    assert cams["hotel-corridor"].media.profiles[0].video.width == 1280
    # defaults applied: OSD everywhere, HTTPS on unless switched off
    assert all(c.media.osd for c in cams.values())
    https = {n: c.network.protocol("HTTPS")[0] for n, c in cams.items()}
    assert [n for n, on in https.items() if not on] == ["office-workplace"]
    assert all(j.mode is JobMode.ACTIVE for c in cams.values() if c.recording for j in c.recording.jobs)


def test_bundled_fleets_validate_against_the_json_schema() -> None:
    schema = fleet_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    for path in (DEMO_FLEET, MISBEHAVING_FLEET):
        jsonschema.validate(yaml.safe_load(path.read_text()), schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"cameras": [{"name": "x", "address": "127.0.0.1", "colour": "red"}]}, schema)


def test_a_camera_needs_only_name_and_address() -> None:
    fleet = parse_fleet("cameras:\n  - {name: tiny, address: 127.0.0.9}\n")
    cam = fleet.cameras[0]
    assert cam.port == 8000 and cam.endpoint_uuid.startswith("urn:uuid:") and cam.mac.startswith("02:")
    assert cam.offered_services == [Service.DEVICE, Service.MEDIA, Service.MEDIA2, Service.IMAGING, Service.EVENTS,
                                    Service.DEVICEIO]
    assert "onvif://www.onvif.org/name/tiny" in cam.scopes


def test_defaults_merge_mappings_and_replace_lists() -> None:
    fleet = parse_fleet("""
defaults:
  auth:
    schemes: [http-digest]
    users: {auditor: {password: a, level: Administrator}}
  network: {protocols: {HTTPS: {enabled: false}}}
cameras:
  - name: one
    address: 127.0.0.2
    auth: {users: {admin: {password: b}}}
  - name: two
    address: 127.0.0.3
    auth: {schemes: [ws-usernametoken]}
    network: {protocols: {HTTPS: {enabled: true, ports: [8443]}}}
""")
    one, two = fleet.cameras
    assert set(one.auth.users) == {"auditor", "admin"} and one.auth.schemes == [AuthScheme.HTTP_DIGEST]
    assert two.auth.schemes == [AuthScheme.WS_USERNAMETOKEN] and set(two.auth.users) == {"auditor"}
    assert one.network.protocol("HTTPS") == (False, [443]) and two.network.protocol("HTTPS") == (True, [8443])
    assert deep_merge({"a": [1, 2], "b": {"c": 1}}, {"a": [3], "b": {"d": 2}}) == {"a": [3], "b": {"c": 1, "d": 2}}


def test_errors_name_file_line_and_field() -> None:
    err = _error("cameras:\n  - name: cam1\n    address: 127.0.0.5\n    clock: {sorce: NTP}\n")
    assert (err.path, err.line) == ("fleet.yaml", 4)
    assert err.field == "cameras[0] (cam1).clock.sorce" and "unknown key" in str(err)

    err = _error("cameras:\n  - name: cam1\n    address: 127.0.0.5\n    recording:\n      recordings:\n"
                 "        - {token: R1, max_retention: 7days}\n")
    assert err.line == 6 and err.field == "cameras[0] (cam1).recording.recordings[0].max_retention"
    assert "xs:duration" in str(err)

    err = _error("cameras:\n  - {name: cam1, address: 8.8.8.8}\n")
    assert err.line == 2 and "loopback, private" in str(err)

    err = _error("defaults:\n  clock:\n    offset_seconds: soon\ncameras:\n  - {name: a, address: 127.0.0.5}\n")
    assert err.line == 3 and err.field.startswith("defaults.clock.offset_seconds")

    err = _error("defaults:\n  clock: {sorce: NTP}\ncameras:\n  - {name: a, address: 127.0.0.5}\n"
                 "  - {name: b, address: 127.0.0.6}\n")
    assert err.problems == ["fleet.yaml:2: defaults.clock.sorce: unknown key (typo?)"]  # once, not per camera

    err = _error("cameras:\n  - {name: a, address: 127.0.0.5}\n  - {name: a, address: 127.0.0.6}\n")
    assert "duplicate camera name" in str(err)

    err = _error("cameras:\n  - name: a\n    name: b\n    address: 127.0.0.5\n")
    assert err.line == 3 and "duplicate key" in str(err)

    err = _error("cameras: [unclosed\n")
    assert err.line is not None and "not valid YAML" in str(err)

    err = _error("cameras:\n  - name: a\n    address: 127.0.0.5\n    recording:\n      recordings: []\n"
                 "      jobs: [{token: J, recording: R9}]\n")
    assert "unknown recording 'R9'" in str(err) and err.line == 4

    err = _error("cameras:\n  - name: a\n    address: 127.0.0.5\n    misbehaviour: [explode]\n")
    assert err.field == "cameras[0] (a).misbehaviour[0].mode" and err.line == 4


def test_load_fleet_file_errors(tmp_path) -> None:
    with pytest.raises(FleetError, match="cannot read"):
        load_fleet(tmp_path / "missing.yaml")
    path = tmp_path / "bad.yaml"
    path.write_text("cameras:\n  - {name: a, address: 127.0.0.5, port: 70000}\n")
    with pytest.raises(FleetError) as info:
        load_fleet(path)
    assert str(info.value).startswith(f"{path}:2: cameras[0] (a).port:")


def test_generate_fleet_is_deterministic_and_unique() -> None:
    a, b = generate_fleet(300, seed=3), generate_fleet(300, seed=3)
    assert [c.model_dump() for c in a.cameras] == [c.model_dump() for c in b.cameras]
    assert len({c.address for c in a.cameras}) == 300 and len({c.endpoint_uuid for c in a.cameras}) == 300
    assert a.cameras[0].address == "127.0.20.1"
    with pytest.raises(ValueError, match="fewer than"):
        generate_fleet(10, network="127.0.99.0/29")
