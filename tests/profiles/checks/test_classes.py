"""CZ class model checks: class_from_features (CZ-CLASS-1), class_from_area (CZ-CLASS-2),
class_measures (CZ-CLASS-3) and threat_measures (CZ-SEC-1..3)."""

from __future__ import annotations

import pytest

from profiles.findings import Result as R
from tests.profiles.factbook import failed, run_case

AUDIO = {"media.audio_in_profiles": ["Profile_1"]}
FACE = {"analytics.biometric": ["tt:FaceRecognition"],
        "analytics.rules": [{"name": "Watchlist", "type": "tt:FaceRecognition"}]}
PTZ_TOUR = {"ptz.present": True, "ptz.tours": [{"token": "T1", "name": "patrol", "status": "Idle",
                                                 "auto_start": True}]}
ANON = {"auth.anonymous_operations": ["GetProfiles"]}
GATEWAY = {"network.gateway": ["192.0.2.1"]}

CASES = [
    # class_from_features
    ("class_from_features", {}, {}, {}, R.PASS, "no observed feature implies a class above the declared class 2"),
    ("class_from_features", AUDIO, {}, {}, R.FAIL, "imply class 4: audio in media profile(s) Profile_1"),
    ("class_from_features", FACE, {"class_": 3}, {}, R.FAIL, "biometric analytics tt:FaceRecognition"),
    ("class_from_features", PTZ_TOUR, {}, {}, R.FAIL, "PTZ moving on its own (preset tour 'patrol' (auto-start))"),
    ("class_from_features", {**PTZ_TOUR, "recording.active": False}, {}, {}, R.PASS, "no observed feature"),
    ("class_from_features", {"ptz.present": True}, {}, {}, R.PASS, "no observed feature"),
    ("class_from_features", AUDIO, {"class_": 4}, {}, R.PASS, "declared class 4"),
    ("class_from_features", {"media.audio_in_profiles": failed("media.audio_in_profiles")}, {}, {}, R.UNKNOWN,
     "fact `media.audio_in_profiles` is error"),
    ("class_from_features", {**AUDIO, "analytics.rules": failed("analytics.rules")}, {}, {}, R.FAIL,
     "audio in media profile(s)"),
    ("class_from_features", {**PTZ_TOUR, "ptz.tours": failed("ptz.tours")}, {}, {}, R.UNKNOWN, "ptz.tours"),
    # class_from_area
    ("class_from_area", {}, {"area": "school_corridor", "sector": "school"}, {}, R.FAIL,
     "declared class 2, but a camera watching school_corridor is at least class 3"),
    ("class_from_area", {}, {"area": "school_corridor", "class_": 3}, {}, R.PASS, "meets the minimum class 3"),
    ("class_from_area", {}, {"area": "entrance", "sector": "school", "class_": 1}, {}, R.FAIL,
     "entrance in a school is at least class 2"),
    ("class_from_area", {}, {"area": "entrance", "sector": "office", "class_": 1}, {}, R.PASS, "minimum class 1"),
    ("class_from_area", {}, {"area": "workplace", "class_": 3}, {}, R.FAIL, "at least class 4"),
    ("class_from_area", {}, {"area": "warehouse", "class_": 1},
     {"table": [{"area": "warehouse", "min_class": 2}]}, R.FAIL, "at least class 2"),
    ("class_from_area", {}, None, {}, R.UNKNOWN, "not declared in the site inventory"),
    # class_measures
    ("class_measures", {}, {"class_": 4}, {}, R.PASS, "class 4 requires access_control"),
    ("class_measures", ANON, {"class_": 1}, {}, R.FAIL, "access_control: answers without credentials: GetProfiles"),
    ("class_measures", GATEWAY, {"class_": 2}, {}, R.PASS, "time_stamps in place"),
    ("class_measures", GATEWAY, {"class_": 3}, {}, R.FAIL, "network_separation: not on a closed camera network"),
    ("class_measures", {"storage.targets": [{"token": "S", "type": "CIFS", "uri": "smb://nas/cams", "local": False}]},
     {"class_": 3}, {}, R.FAIL, "recordings leave the recorder (CIFS smb://nas/cams)"),
    ("class_measures", {"network.protocols": [{"name": "HTTPS", "enabled": False, "ports": [443]}]}, {"class_": 4},
     {}, R.FAIL, "encrypted_transport: HTTPS disabled"),
    # encrypted_transport: the observed TLS handshake wins over the GetNetworkProtocols setting
    ("class_measures", {"tls.versions": {"served": False, "port": 443, "negotiated": None, "cipher": None,
                                         "legacy_accepted": None, "onvif_over_https": False},
                        "tls.certificate": failed("tls.certificate", "unsupported", "no TLS served")},
     {"class_": 4}, {}, R.FAIL, "encrypted_transport: HTTPS is enabled in the settings, but port 443 serves no TLS"),
    ("class_measures", {"network.protocols": [{"name": "HTTPS", "enabled": False, "ports": [443]}],
                        "tls.versions": {"served": True, "port": 8443, "negotiated": "TLSv1.3", "cipher": "x",
                                         "legacy_accepted": False, "onvif_over_https": True}},
     {"class_": 4}, {}, R.PASS, "encrypted_transport in place"),
    ("class_measures", {"network.protocols": failed("network.protocols", "denied", "refused")}, {"class_": 4}, {},
     R.UNKNOWN, "encrypted_transport: fact `network.protocols` is denied"),
    ("class_measures", {"media.osd_datetime": failed("media.osd_datetime")}, {"class_": 2}, {}, R.UNKNOWN,
     "time_stamps: fact `media.osd_datetime` is error"),
    ("class_measures", {}, {"class_": 1}, {"by_class": {2: ["access_control"]}}, R.NOT_APPLICABLE,
     "no observable measure is mandatory for class 1"),
    # threat_measures
    ("threat_measures", GATEWAY, {"class_": 3}, {"measures": ["network_separation"], "required_from_class": 3},
     R.FAIL, "default gateway 192.0.2.1"),
    ("threat_measures", GATEWAY, {"class_": 2}, {"measures": ["network_separation"], "required_from_class": 3},
     R.NOT_APPLICABLE, "mandatory from class 3"),
    ("threat_measures", {}, {"class_": 3}, {"measures": ["network_separation"]}, R.PASS, "network_separation in place"),
    # CZ-SEC-1: traffic observed leaving the site (time servers too) means the camera network is not closed
    ("threat_measures", {"egress.observed": {"window": {"source": "live:eth1", "seconds": 600, "packets_total": 900},
                                             "camera_packets": 20, "flows": [
        {"address": "192.0.2.123", "port": 123, "protocol": "udp", "bytes_sent": 480, "bytes_received": 480,
         "packets": 10,
         "first_seen": "2026-11-20T10:02:00Z", "last_seen": "2026-11-20T10:12:00Z", "kind": "ntp",
         "service": "ntp", "service_name": "Public NTP"}]}},
     {"class_": 3}, {"measures": ["network_separation"]}, R.FAIL, "observed: sent 480 B to Public NTP"),
    # CZ-SEC-3 "unauthorised reading (also live)": an anonymous RTSP stream is missing access control
    ("threat_measures", {"rtsp.auth": {"anonymous_streams": ["rtsp://127.0.10.50/live"], "schemes": [],
                                       "basic_in_clear": False, "credentials_accepted": None}},
     {"class_": 1}, {"measures": ["access_control"]}, R.FAIL, "live stream readable without credentials"),
    ("threat_measures", {"rtsp.auth": failed("rtsp.auth", "not_probed", "no stream URI")},
     {"class_": 1}, {"measures": ["access_control"]}, R.UNKNOWN, "access_control: fact `rtsp.auth` is not_probed"),
    ("threat_measures", {"cloud.uplinks": [{"remote_address": "wss://x.example", "status": "Connected",
                                            "user_level": "Operator"}]},
     {"class_": 3}, {"measures": ["network_separation"]}, R.FAIL, "uplink to wss://x.example"),
    ("threat_measures", {"network.gateway": failed("network.gateway")}, {"class_": 3},
     {"measures": ["network_separation"]}, R.UNKNOWN, "fact `network.gateway` is error"),
]


@pytest.mark.parametrize(("check_id", "facts", "fields", "params", "result", "text"), CASES)
def test_class_checks(check_id, facts, fields, params, result, text) -> None:
    run_case(check_id, facts, fields, params, result, text)


def test_threat_measures_needs_at_least_one_measure() -> None:
    from pydantic import ValidationError

    from profiles.checks import REGISTRY

    with pytest.raises(ValidationError):
        REGISTRY["threat_measures"].validate_params({"measures": []})
    with pytest.raises(ValidationError):
        REGISTRY["threat_measures"].validate_params({"measures": ["telepathy"]})
