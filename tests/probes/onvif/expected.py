"""The explicit mapping from a lab fleet camera (what it is configured to be) to the facts camaudit must read.

Kept apart from the reader on purpose: it is written from the fleet file's meaning and
the ONVIF standard, not from probes/onvif code. Each entry says which fleet field a fact
comes from. `None` for a key means "the fact must be `unsupported`".
"""

from __future__ import annotations

from typing import Any

from probes.factvalues import plain

UNSUPPORTED = object()


class Absent:
    """The fact is `ok`, records a proven absence (source "absent per ..."), and holds this empty value."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __repr__(self) -> str:
        return f"Absent({self.value!r})"


def assert_fact(sheet: Any, key: str, want: Any) -> None:
    """The sheet's fact for an expected key is what `expected_facts` says (unsupported, absent or a value)."""
    fact = sheet.get(fact_key(key))
    if want is UNSUPPORTED:
        assert fact.status.value == "unsupported" and fact.reason, (key, fact)
    elif isinstance(want, Absent):
        assert fact.absent and fact.value == want.value and (fact.reason or "").startswith("absent: "), (key, fact)
    else:
        assert fact.status.value == "ok", (key, fact)
        assert actual_value(sheet, key) == want, key

_REMOTE_STORAGE = {"NFS", "CIFS", "CDMI", "FTP", "ObjectStorageS3", "ObjectStorageAzure"}
_MEDIA1_VIDEO = {"JPEG", "MPEG4", "H264"}  # tt:VideoEncoding (ver10 schema)
_MEDIA2_AUDIO = {"AAC": "MP4A-LATM", "G711": "PCMU", "G726": "G726"}  # Media2 uses MIME names (ONVIF Media2 5.2)
_ANON_PROBES = {"tds:GetDeviceInformation": "device", "trt:GetProfiles": "media", "tr2:GetProfiles": "media2",
                "tds:GetUsers": "device"}
_DURATION_DAYS = {"P7D": 7, "PT72H": 3, "P14D": 14, "P30D": 30, "P60D": 60, "P400D": 400, "PT0S": 0}
# fleet service name -> ONVIF service namespace (ONVIF Core / the service WSDLs)
_SERVICE_NS = {
    "device": "http://www.onvif.org/ver10/device/wsdl", "media": "http://www.onvif.org/ver10/media/wsdl",
    "media2": "http://www.onvif.org/ver20/media/wsdl", "ptz": "http://www.onvif.org/ver20/ptz/wsdl",
    "imaging": "http://www.onvif.org/ver20/imaging/wsdl", "recording": "http://www.onvif.org/ver10/recording/wsdl",
    "search": "http://www.onvif.org/ver10/search/wsdl", "analytics": "http://www.onvif.org/ver20/analytics/wsdl",
    "thermal": "http://www.onvif.org/ver10/thermal/wsdl", "uplink": "http://www.onvif.org/ver10/uplink/wsdl",
    "events": "http://www.onvif.org/ver10/events/wsdl", "deviceio": "http://www.onvif.org/ver10/deviceIO/wsdl",
    "schedule": "http://www.onvif.org/ver10/schedule/wsdl",
}


def _seconds(duration: str) -> int:
    if duration in _DURATION_DAYS:
        return _DURATION_DAYS[duration] * 86400
    raise AssertionError(f"add {duration!r} to the test's duration table")


def _svc(cam: Any) -> set[str]:
    return {str(s) for s in cam.offered_services}


def expected_facts(cam: Any, address: str, tls_port: int | None = None) -> dict[str, Any]:
    """fact key -> expected value (UNSUPPORTED: the fact must have status unsupported).

    `tls_port`: where the lab really serves HTTPS (tests run on ephemeral ports); the lab reports it in
    GetNetworkProtocols, and the tls.* facts are then expected from the handshake.
    """
    svc = _svc(cam)
    m2 = "media2" in svc
    schemes = [str(s) for s in cam.auth.schemes]
    profiles = cam.media.profiles
    exp: dict[str, Any] = {
        # identity <- identity.*
        "identity.manufacturer": cam.identity.manufacturer,
        "identity.model": cam.identity.model,
        "identity.firmware": cam.identity.firmware,
        "identity.serial": cam.serial,
        "identity.hardware_id": cam.identity.hardware_id,
        "identity.hostname": cam.hostname,
        "identity.scopes": cam.scopes,
        # auth <- auth.schemes / auth.users / auth.anonymous_operations
        "auth.credentials_accepted": True,
        "auth.schemes": ["ws-usernametoken"] if "ws-usernametoken" in schemes else ["http-digest"],
        "auth.anonymous_operations": sorted(
            op for op, service in _ANON_PROBES.items()
            if service in svc and (op in cam.auth.anonymous_operations
                                   or op.split(":")[1] in cam.auth.anonymous_operations)),
        "users": sorted(({"username": u, "level": str(spec.level)} for u, spec in cam.auth.users.items()),
                        key=lambda u: u["username"]),
        # services <- services (default: implied by the configuration; the lab resolves that)
        "services.namespaces": sorted(_SERVICE_NS[str(x)] for x in cam.offered_services),
        # capabilities <- auth.schemes and whether HTTPS is enabled (TLS 1.2)
        "capabilities.security.auth": {"username_token": "ws-usernametoken" in schemes,
                                       "http_digest": "http-digest" in schemes,
                                       "tls1_2": cam.network.protocol("HTTPS")[0]},
        # clock <- clock.source (skew checked with a tolerance by the test)
        "clock.source": str(cam.clock.source),
        # network <- network.*
        "network.interfaces": [{"token": i.token, "name": i.name, "mac": (i.mac or cam.mac), "enabled": i.enabled,
                                "ipv4": list(i.ipv4 or [f"{address}/24"]), "dhcp": i.dhcp}
                               for i in cam.interfaces()],
        "network.gateway": list(cam.network.gateway),
        "network.dns": {"from_dhcp": cam.network.dns.from_dhcp, "servers": list(cam.network.dns.servers),
                        "search_domains": list(cam.network.dns.search_domains)},
        "network.ntp": {"from_dhcp": cam.network.ntp.from_dhcp, "servers": list(cam.network.ntp.servers)},
        "network.protocols": sorted(
            (_protocol(cam, name, tls_port) for name in ("HTTP", "HTTPS", "RTSP")), key=lambda p: p["name"]),
        "network.zero_configuration": {"enabled": cam.network.zero_configuration.enabled,
                                       "addresses": list(cam.network.zero_configuration.addresses)},
        "network.discovery_mode": str(cam.network.discovery_mode),
        "network.ip_filter": {"type": str(cam.network.ip_filter.type),
                              "prefixes": list(cam.network.ip_filter.prefixes)},
        # storage / cloud <- storage, dynamic_dns, remote_user, uplinks, event_brokers
        "storage.targets": [{"token": s.token, "type": str(s.type), "uri": s.uri or s.local_path,
                             "local": str(s.type) not in _REMOTE_STORAGE} for s in cam.storage],
        "cloud.dynamic_dns": (None if cam.dynamic_dns is None or (str(cam.dynamic_dns.type) == "NoUpdate"
                                                                  and not cam.dynamic_dns.name)
                              else {"type": str(cam.dynamic_dns.type), "name": cam.dynamic_dns.name}),
        "cloud.remote_user": (None if cam.remote_user is None else
                              {"username": cam.remote_user.username,
                               "use_derived_password": cam.remote_user.use_derived_password}),
        "cloud.uplinks": ([{"remote_address": u.remote_address, "status": str(u.status), "user_level": u.user_level}
                           for u in cam.uplinks] if "uplink" in svc else Absent([])),
        "cloud.event_brokers": ([{"address": b.address, "topic_prefix": b.topic_prefix, "status": b.status}
                                 for b in cam.event_brokers] if "events" in svc else UNSUPPORTED),
        # media <- media.*
        "media.service": "media2" if m2 else "media1",
        "media.profiles.tokens": [p.token for p in profiles],
        "media.profiles.names": [p.name or p.token for p in profiles],
        # Media1's encoding enum has no H.265: a Media1-only camera cannot show those encoders.
        "media.video_encoders.settings": sorted(
            (str(p.video.encoding), p.video.width, p.video.height, p.video.fps, p.video.bitrate_kbps, p.token)
            for p in profiles if m2 or str(p.video.encoding) in _MEDIA1_VIDEO),
        "media.max_resolution": max(({"width": p.video.width, "height": p.video.height} for p in profiles
                                     if m2 or str(p.video.encoding) in _MEDIA1_VIDEO),
                                    key=lambda r: r["width"] * r["height"]),
        "media.audio_sources": [{"token": a.token, "channels": a.channels if "media" in svc else None}
                                for a in cam.media.audio_sources],
        "media.audio_encoders.settings": sorted(
            ((_MEDIA2_AUDIO[str(p.audio.encoding)] if m2 else str(p.audio.encoding)), p.token)
            for p in profiles if p.audio),
        "media.audio_in_profiles": [p.token for p in profiles if p.audio],
        "media.audio_outputs": [{"token": o.token} for o in cam.media.audio_outputs],
        "media.osd": [{"token": o.token, "type": str(o.type),
                       "text_type": (str(o.text_type or "Plain") if str(o.type) == "Text" else None),
                       "text": (o.text or "") if str(o.type) == "Text" and str(o.text_type or "Plain") == "Plain"
                       else None} for o in cam.media.osd],
        "media.osd_datetime": any(str(o.type) == "Text" and str(o.text_type) == "DateAndTime" for o in cam.media.osd),
        "privacy.masks": ([{"token": m.token, "type": str(m.type), "enabled": m.enabled, "points": len(m.polygon)}
                           for m in cam.media.masks] if m2 else UNSUPPORTED),
        # ptz <- ptz.*
        "ptz.present": bool(cam.ptz.nodes) if cam.ptz else Absent(False),
        # an unnamed node or tour is shown with its token as name (the lab's default; Name is optional in the XSD)
        "ptz.nodes": ([{"token": n.token, "name": n.name or n.token, "fixed_home": n.fixed_home,
                       "auto_tracking": None} for n in cam.ptz.nodes]
                      if cam.ptz else Absent([])),
        "ptz.presets": ([{"token": p.token, "name": p.name} for p in cam.ptz.presets] if cam.ptz else Absent([])),
        "ptz.tours": ([{"token": t.token, "name": t.name or t.token, "status": str(t.status),
                        "auto_start": t.auto_start}
                       for t in cam.ptz.tours] if cam.ptz else Absent([])),
        # thermal <- thermal.*
        "thermal.radiometry": cam.thermal.radiometry if cam.thermal else Absent(False),
        "thermal.configurations": ([{"token": c.video_source, "polarity": str(c.polarity),
                                     "color_palette": str(c.color_palette.type)} for c in cam.thermal.configurations]
                                   if cam.thermal else Absent([])),
    }
    rec = cam.recording
    if "recording" in svc and rec is not None:
        exp["recording.recordings.retention"] = {r.token: (_seconds(r.max_retention), r.max_retention, r.content)
                                                 for r in rec.recordings}
        # span of stored data: stored_history, else the longest finite retention, else 90 days (fleet doc)
        finite = [_seconds(r.max_retention) for r in rec.recordings if _seconds(r.max_retention) > 0]
        span = (_seconds(rec.stored_history) if rec.stored_history
                else max(finite) if finite and len(finite) == len(rec.recordings) else 90 * 86400)
        exp["recording.summary.span_days"] = span // 86400
        exp["recording.jobs"] = [{"token": j.token, "recording": j.recording, "mode": str(j.mode),
                                  "schedule": j.schedule} for j in rec.jobs]
        exp["recording.active"] = any(str(j.mode).lower() == "active" for j in rec.jobs)
        exp["recording.summary.recordings"] = len(rec.recordings)
    else:
        exp["recording.recordings"] = Absent([])
        exp["recording.jobs"] = Absent([])
        exp["recording.active"] = Absent(False)
    if cam.tls.enabled and tls_port is not None:
        exp["tls.versions.summary"] = {"served": True, "port": tls_port,
                                       "legacy_accepted": str(cam.tls.min_version) in ("TLS1.0", "TLS1.1")}
        exp["tls.certificate.summary"] = {"self_signed": cam.tls.self_signed, "expired": cam.tls.expired,
                                          "key_type": str(cam.tls.key_type), "key_bits": cam.tls.key_bits}
    elif not cam.network.protocol("HTTPS")[0]:
        exp["tls.certificate"] = UNSUPPORTED
    an = cam.analytics
    if an is not None:
        module_types = [m.type for m in an.modules]
        rule_types = [r.type for r in an.rules]
        exp["analytics.modules"] = [{"name": m.name, "type": m.type} for m in an.modules]
        exp["analytics.rules"] = [{"name": r.name, "type": r.type} for r in an.rules]
        exp["analytics.supported_modules"] = list(an.supported_modules or module_types)
        # Face recognition in any form identifies people (Article 9 GDPR biometrics).
        exp["analytics.biometric"] = sorted({t for t in module_types + rule_types if "FaceRecognition" in t})
    else:
        exp["analytics.modules"] = Absent([])
        exp["analytics.rules"] = Absent([])
        exp["analytics.biometric"] = Absent([])
    return exp


def _protocol(cam: Any, name: str, tls_port: int | None) -> dict[str, Any]:
    enabled, ports = cam.network.protocol(name)
    if cam.tls.enabled and tls_port is not None:
        if name == "HTTPS":
            enabled, ports = True, [tls_port]
        elif name == "HTTP" and not cam.tls.plain_http:
            enabled = False
    return {"name": name, "enabled": enabled, "ports": ports}


def actual_value(sheet: Any, key: str) -> Any:
    """The comparable value for an expected key (some keys are projections of a fact's value), as the JSON
    data the scan document holds (`plain`), so that expectations stay written as JSON."""

    def value(key: str) -> Any:
        return plain(sheet.value(key))

    if key == "tls.versions.summary":
        v = value("tls.versions")
        return {k: v[k] for k in ("served", "port", "legacy_accepted")}
    if key == "tls.certificate.summary":
        v = value("tls.certificate")
        return {k: v[k] for k in ("self_signed", "expired", "key_type", "key_bits")}
    if key == "media.profiles.tokens":
        return [p["token"] for p in value("media.profiles")]
    if key == "media.video_encoders.settings":
        return sorted((e["encoding"], e["width"], e["height"], e["fps"], e["bitrate_kbps"], p)
                      for e in value("media.video_encoders") for p in e["profiles"])
    if key == "media.audio_encoders.settings":
        return sorted((e["encoding"], p) for e in value("media.audio_encoders") for p in e["profiles"])
    if key == "recording.recordings.retention":
        return {r["token"]: (r["max_retention_seconds"], r["max_retention"], r["content"])
                for r in value("recording.recordings")}
    if key == "recording.summary.span_days":
        from datetime import datetime
        summary = value("recording.summary")
        span = datetime.fromisoformat(summary["data_until"]) - datetime.fromisoformat(summary["data_from"])
        return round(span.total_seconds() / 86400)
    if key == "services.namespaces":  # a camera advertising http and https lists each service twice
        return sorted({s["namespace"] for s in value("services")})
    if key == "capabilities.security.auth":
        sec = value("capabilities.security")
        return {k: sec[k] for k in ("username_token", "http_digest", "tls1_2")}
    if key == "media.profiles.names":
        return [p["name"] for p in value("media.profiles")]
    if key == "recording.summary.recordings":
        return value("recording.summary")["recordings"]
    got = value(key)
    if key in ("users", "network.protocols"):
        return sorted(got, key=lambda u: u.get("username") or u.get("name"))
    return got


def fact_key(key: str) -> str:
    """The FACT_CATALOGUE key an expected key is about."""
    for base in ("media.profiles", "media.video_encoders", "media.audio_encoders", "recording.recordings",
                 "recording.summary", "services", "capabilities.security", "tls.versions", "tls.certificate"):
        if key.startswith(base + "."):
            return base
    return key
