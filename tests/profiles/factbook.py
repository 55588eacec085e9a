"""Build DeviceFacts for tests: a well-configured baseline camera, with any fact overridden or made unknown.

`camera(**overrides)` takes fact keys with dots replaced by double underscores
(`media__audio_in_profiles=["Profile_1"]`) or a `facts={"key": value}` dict;
a value that is a `Fact` is used as is (e.g. `failed("thermal.radiometry")`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from probes.facts import FACT_CATALOGUE, DeviceFacts, Fact, FactStatus
from profiles.checks import REGISTRY, CheckContext, CheckOutcome, run_check
from profiles.inventory import Declaration, Inventory

SEGMENT = "127.0.10.0/24"


def baseline(address: str = "127.0.10.50", mac: str = "00:11:22:33:44:55") -> dict[str, Any]:
    """The facts of an ordinary, well-configured fixed camera that records 72 h locally."""
    return {
        "identity.manufacturer": "AXIS",
        "identity.model": "P3245-LVE",
        "identity.firmware": "10.12.114",
        "identity.serial": "ACCC8E000050",
        "identity.hardware_id": "7D4",
        "identity.hostname": "cam",
        "identity.scopes": ["onvif://www.onvif.org/Profile/Streaming"],
        "services": [{"namespace": "http://www.onvif.org/ver10/device/wsdl",
                      "xaddr": f"http://{address}:8000/onvif/device_service", "version": "2.60"}],
        "capabilities.security": {"tls1_2": True, "http_digest": True, "username_token": True},
        "auth.anonymous_operations": [],
        "auth.schemes": ["ws-usernametoken", "http-digest"],
        "auth.credentials_accepted": True,
        "media.service": "media2",
        "media.profiles": [{"token": "Profile_1", "name": "mainStream", "video_source": "VS_1",
                            "video_encoder": "VE_1", "audio_source": None, "audio_encoder": None}],
        "media.video_encoders": [{"token": "VE_1", "encoding": "H264", "width": 1920, "height": 1080, "fps": 25,
                                  "bitrate_kbps": 4096, "profiles": ["Profile_1"]}],
        "media.max_resolution": {"width": 1920, "height": 1080},
        "media.audio_sources": [],
        "media.audio_encoders": [],
        "media.audio_in_profiles": [],
        "media.audio_outputs": [],
        "media.osd": [{"token": "OSD_DateTime", "type": "Text", "text_type": "DateAndTime", "text": None}],
        "media.osd_datetime": True,
        "ptz.nodes": [],
        "ptz.present": False,
        "ptz.presets": [],
        "ptz.tours": [],
        "ptz.auto_tracking": False,
        "recording.recordings": [{"token": "Recording_1", "source": "VS_1", "max_retention_seconds": 72 * 3600,
                                  "content": "", "tracks": ["Video"]}],
        "recording.jobs": [{"token": "RecordingJob_1", "recording": "Recording_1", "mode": "Active",
                            "schedule": None}],
        "recording.schedules": [],
        "recording.summary": {"data_from": "2026-11-20T00:00:00Z", "data_until": "2026-11-23T00:00:00Z",
                              "recordings": 1},
        "recording.active": True,
        "storage.targets": [],
        "cloud.uplinks": [],
        "cloud.event_brokers": [],
        "cloud.dynamic_dns": None,
        "cloud.remote_user": None,
        "network.interfaces": [{"token": "eth0", "name": "eth0", "mac": mac, "enabled": True,
                                "ipv4": [f"{address}/24"], "dhcp": False}],
        "network.gateway": [],
        "network.dns": {"from_dhcp": False, "servers": [], "search_domains": []},
        "network.ntp": {"from_dhcp": False, "servers": ["ntp.demo-campus.example"]},
        "network.protocols": [{"name": "HTTP", "enabled": True, "ports": [80]},
                              {"name": "HTTPS", "enabled": True, "ports": [443]},
                              {"name": "RTSP", "enabled": True, "ports": [554]}],
        "network.zero_configuration": {"enabled": False, "addresses": []},
        "network.discovery_mode": "Discoverable",
        "network.ip_filter": {"type": "Allow", "prefixes": []},
        "network.open_ports": [80, 443, 554, 8000],
        "network.segment": SEGMENT,
        "privacy.masks": [],
        "analytics.modules": [],
        "analytics.rules": [],
        "analytics.biometric": [],
        "thermal.radiometry": False,
        "thermal.configurations": [],
        "tls.versions": {"served": True, "port": 443, "negotiated": "TLSv1.3", "cipher": "TLS_AES_256_GCM_SHA384",
                         "legacy_accepted": False, "onvif_over_https": False},
        "tls.certificate": {"subject": "CN=cam,O=AXIS", "issuer": "CN=cam,O=AXIS", "self_signed": True,
                            "not_before": "2026-01-01T00:00:00+00:00", "not_after": "2036-01-01T00:00:00+00:00",
                            "expired": False, "key_type": "rsa", "key_bits": 2048, "signature_hash": "sha256",
                            "sha256": "ab" * 32},
        "tls.verification": {"requested": False, "reason": "no CA bundle given (--ca-bundle or scan.ca_bundle)"},
        "media.stream_uris": [{"profile": "Profile_1", "uri": f"rtsp://{address}:554/axis-media/media.amp"}],
        "rtsp.server": {"answers": True, "port": 554, "tls": False, "server": "GStreamer RTSP server",
                        "methods": ["OPTIONS", "DESCRIBE", "SETUP", "PLAY", "TEARDOWN"], "note": None},
        "rtsp.auth": {"anonymous_streams": [], "schemes": ["digest"], "basic_in_clear": False,
                      "credentials_accepted": True},
        "rtsp.streams": [{"uri": f"rtsp://{address}:554/axis-media/media.amp", "profile": "Profile_1",
                          "anonymous": False, "media": [{"kind": "video", "codec": "H264", "payload_type": 96,
                                                         "clock_rate": 90000, "width": 1920, "height": 1080}]}],
        "media.audio_streamed": False,
        "rtsp.audio_matches_profiles": [{"profile": "Profile_1", "configured": False, "streamed": False}],
        "users": [{"username": "auditor", "level": "Administrator"}],
        "clock.skew_seconds": 0.3,
        "clock.source": "NTP",
    }


def failed(key: str, status: FactStatus = FactStatus.ERROR, reason: str = "timed out") -> Fact:
    """A fact that could not be read (for unknown cases)."""
    return Fact.failed(status, FACT_CATALOGUE[key].source, reason)


def camera(*, address: str = "127.0.10.50", uuid: str | None = "00000000-0000-4000-8000-000000000050",
           mac: str = "00:11:22:33:44:55", facts: dict[str, Any] | None = None, **overrides: Any) -> DeviceFacts:
    values = baseline(address, mac)
    given = {**{k.replace("__", "."): v for k, v in overrides.items()}, **(facts or {})}
    for key, value in given.items():
        if key not in FACT_CATALOGUE:
            raise KeyError(f"unknown fact key {key!r}")
        values[key] = value
    protocols = values.get("network.protocols")
    if isinstance(protocols, Fact) and not protocols.ok:
        for key in ("tls.versions", "tls.certificate"):  # as the reader does: the HTTPS port is unknown
            if key not in given:
                values[key] = failed(key, FactStatus.NOT_PROBED, "the HTTPS port is unknown")
    elif isinstance(protocols, list) and not any(p.get("name") == "HTTPS" and p.get("enabled") for p in protocols):
        for key in ("tls.versions", "tls.certificate"):  # as the reader does: HTTPS off, no handshake to observe
            if key not in given:
                values[key] = failed(key, FactStatus.UNSUPPORTED, "HTTPS is disabled (tds:GetNetworkProtocols)")
    built = {}
    for key, value in values.items():
        if value is ABSENT:
            continue
        built[key] = value if isinstance(value, Fact) else Fact.observed(value, FACT_CATALOGUE[key].source)
    device_id = f"uuid:{uuid}" if uuid else f"addr:{address}:8000"
    return DeviceFacts(device_id=device_id, address=address, port=8000, endpoint_uuid=uuid, mac=mac,
                       signals=["ws-discovery"], facts=built)


ABSENT: Any = object()  # use as a value to leave a fact unset (not_probed)


# ---- declarations and running one check ----------------------------------------------------------------------

TZ = "Europe/Prague"
TUESDAY_10 = datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo(TZ))  # premises open (weekdays 07:30-16:30)
TUESDAY_22 = datetime(2026, 11, 24, 22, 0, tzinfo=ZoneInfo(TZ))  # premises closed


def decl(**fields: Any) -> Declaration:
    """A complete, unremarkable declaration matching camera(); override any field (use `class_` for class)."""
    data: dict[str, Any] = {
        "name": "cam", "match": {"uuid": "00000000-0000-4000-8000-000000000050"}, "class": 2,
        "area": "entrance", "purposes": ["property_protection"], "legal_basis": "legitimate_interest",
        "balancing_test_ref": "LIA-1", "retention_hours": 72, "signage": True,
    }
    if "class_" in fields:
        fields["class"] = fields.pop("class_")
    data.update(fields)
    return Declaration.model_validate(data)


def inventory(*declarations: Declaration, **fields: Any) -> Inventory:
    data: dict[str, Any] = {"site": "test-site", "timezone": TZ, "opening_hours": {"weekdays": ["07:30-16:30"]},
                            "declarations": list(declarations)}
    data.update(fields)
    return Inventory.model_validate(data)


def judge(check_id: str, device: DeviceFacts | None = None, declaration: Declaration | None | str = "default",
          *, at: datetime = TUESDAY_10, devices: Sequence[DeviceFacts] | None = None,
          inv: Inventory | None = None, note: str | None = None, **params: Any) -> CheckOutcome:
    """Run one registered check the way the evaluator does."""
    spec = REGISTRY[check_id]
    if declaration == "default":
        declaration = decl()
    assert not isinstance(declaration, str)
    device = camera() if device is None else device
    inv = inv or inventory(*([declaration] if declaration else []))
    matches = {device.device_id: declaration.name} if declaration else {}
    ctx: CheckContext[Any] = CheckContext(device=device, declaration=declaration, inventory=inv,
                                          devices=list(devices or [device]), at=at,
                                          params=spec.validate_params(params), matches=matches, note=note)
    return run_check(spec, ctx)


def judge_missing(check_id: str, declaration: Declaration, **params: Any) -> CheckOutcome:
    """Run a check for a declared camera that was not found (device None)."""
    spec = REGISTRY[check_id]
    ctx: CheckContext[Any] = CheckContext(device=None, declaration=declaration, inventory=inventory(declaration),
                                          devices=[], at=TUESDAY_10, params=spec.validate_params(params))
    return run_check(spec, ctx)


_FORGIVABLE = {"ptz.auto_tracking", "analytics.modules", "analytics.rules", "recording.active"}


def run_case(check_id: str, facts: dict[str, Any], fields: dict[str, Any] | None, params: dict[str, Any],
             result: Any, text: str, **kwargs: Any) -> CheckOutcome:
    """One row of a table-driven check test: exact result, message names the point, honest evidence."""
    from profiles.findings import Result

    declaration = decl(**fields) if fields is not None else None
    outcome = judge(check_id, camera(facts=facts), declaration, **params, **kwargs)
    assert outcome.result is result, f"{outcome.result}: {outcome.message}"
    assert text in outcome.message, outcome.message
    if result is Result.PASS:  # a pass never rests on a fact that was not read
        bad = [ev.key for ev in outcome.evidence
               if ev.status not in ("ok", "declared", "missing", "absent") and ev.key not in _FORGIVABLE]
        assert not bad, f"pass relied on unread facts {bad}"
    return outcome
