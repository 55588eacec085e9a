"""The facts model: what was observed on a device, and how it was learned.

A fact is never just a value. Its status says whether the value was really read
(`ok`) or why not; its source names the ONVIF operation or probe; its evidence
points at the raw reply (excerpt + SHA-256 + time). Checks must treat any status
other than `ok` as *unknown*, never as "off" or "compliant".

Fact values are plain JSON data (str, int, float, bool, None, lists and dicts of
those) so that fact sheets round-trip through JSON files and the history store.
`FACT_CATALOGUE` is the contract between the readers (probes) and the checks
(profiles): every key a reader may set, with the shape of its value.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from probes import clock
from probes.readstatus import DeviceRead

EXCERPT_LIMIT = 400  # characters of raw reply kept as evidence


class FactStatus(StrEnum):
    """How a fact was (or was not) learned."""

    OK = "ok"  # read and parsed
    UNSUPPORTED = "unsupported"  # the device lacks the service/operation
    DENIED = "denied"  # the device refused our credentials (or we had none)
    ERROR = "error"  # timeout, bad XML, schema violation, oversize, HTTP error ...
    NOT_PROBED = "not_probed"  # we did not ask (out of budget, disabled, depends on a failed fact)


class Evidence(BaseModel):
    """Where a fact came from: a short excerpt and a fingerprint of the raw reply."""

    model_config = ConfigDict(frozen=True)

    operation: str
    excerpt: str = ""
    sha256: str | None = None
    received_at: datetime | None = None

    @classmethod
    def from_reply(cls, operation: str, raw: bytes, received_at: datetime | None = None) -> Evidence:
        """Build evidence for a raw reply body (excerpt is decoded leniently and cut)."""
        text = raw[: EXCERPT_LIMIT * 4].decode("utf-8", errors="replace")
        return cls(
            operation=operation,
            excerpt=" ".join(text.split())[:EXCERPT_LIMIT],
            sha256=hashlib.sha256(raw).hexdigest(),
            received_at=received_at or clock.now(),
        )


ABSENCE_PREFIX = "absent per "
"""Source of a fact that records a proven absence: "absent per tds:GetServices, tds:GetCapabilities, ..."."""


class Fact(BaseModel):
    """One observed value with its provenance."""

    model_config = ConfigDict(frozen=True)

    status: FactStatus
    value: Any = None
    source: str = ""  # e.g. "trt:GetProfiles", "tcp-sweep", "ws-discovery"
    reason: str | None = None  # why status is not ok (or a caveat when it is)
    evidence: Evidence | None = None

    @property
    def ok(self) -> bool:
        return self.status is FactStatus.OK

    @property
    def absent(self) -> bool:
        """An `ok` fact saying the feature is absent because every source that could show it agreed."""
        return self.status is FactStatus.OK and self.source.startswith(ABSENCE_PREFIX)

    @classmethod
    def observed(cls, value: Any, source: str, evidence: Evidence | None = None) -> Fact:
        return cls(status=FactStatus.OK, value=value, source=source, evidence=evidence)

    @classmethod
    def failed(cls, status: FactStatus, source: str, reason: str, evidence: Evidence | None = None) -> Fact:
        if status is FactStatus.OK:
            raise ValueError("a failed fact cannot have status ok")
        return cls(status=status, value=None, source=source, reason=reason, evidence=evidence)


NOT_PROBED = Fact(status=FactStatus.NOT_PROBED, source="", reason="not probed")


class DeviceFacts(BaseModel):
    """The fact sheet of one device: identity keys for matching plus all facts read."""

    device_id: str  # stable key: "uuid:<endpoint uuid>" | "serial:<..>" | "mac:<..>" | "addr:<ip>:<port>"
    address: str  # IP the device was reached at
    port: int | None = None
    xaddr: str | None = None  # device service URL used
    endpoint_uuid: str | None = None
    mac: str | None = None
    signals: list[str] = Field(default_factory=list)  # discovery signals that saw it
    facts: dict[str, Fact] = Field(default_factory=dict)
    read_started: datetime | None = None
    read_finished: datetime | None = None
    errors: list[str] = Field(default_factory=list)  # device-level problems (deadline, unreachable)
    read: DeviceRead | None = None  # how far it was read (probes.readstatus); set by the scan, derived on load

    def get(self, key: str) -> Fact:
        """The fact for `key`, or a not_probed fact when nobody read it."""
        if key not in FACT_CATALOGUE:
            raise KeyError(f"unknown fact key {key!r} (not in FACT_CATALOGUE)")
        return self.facts.get(key, NOT_PROBED)

    def value(self, key: str, default: Any = None) -> Any:
        """The value when the fact is ok, else `default` (use `get` to tell unknown from absent)."""
        fact = self.get(key)
        return fact.value if fact.ok else default

    @property
    def label(self) -> str:
        """A human name: model and address when known."""
        model = self.value("identity.model")
        maker = self.value("identity.manufacturer")
        name = " ".join(x for x in (maker, model) if x)
        return f"{name} ({self.address})" if name else self.address


@dataclass(frozen=True, slots=True)
class FactSpec:
    """What a fact key means and which operation normally provides it."""

    key: str
    shape: str  # informal description of the value's JSON shape
    source: str
    description: str


def _spec(key: str, shape: str, source: str, description: str) -> FactSpec:
    return FactSpec(key, shape, source, description)


# The contract between readers and checks. Keep alphabetical within groups.
_SPECS = [
    # identity
    _spec("identity.manufacturer", "str", "tds:GetDeviceInformation", "Manufacturer"),
    _spec("identity.model", "str", "tds:GetDeviceInformation", "Model"),
    _spec("identity.firmware", "str", "tds:GetDeviceInformation", "Firmware version"),
    _spec("identity.serial", "str", "tds:GetDeviceInformation", "Serial number"),
    _spec("identity.hardware_id", "str", "tds:GetDeviceInformation", "Hardware id"),
    _spec("identity.hostname", "str", "tds:GetHostname", "Host name"),
    _spec("identity.scopes", "list[str]", "tds:GetScopes | ws-discovery",
          "ONVIF scopes (name, hardware, location, profile)"),
    _spec("identity.mac_vendor", "str", "arp/oui", "Vendor of the MAC address per the OUI database"),
    _spec("identity.endpoints", "list[str]", "identity", "ONVIF device service URLs read as this one device "
          "(same uuid and the same MAC or serial)"),
    # services
    _spec("services", "list[{namespace, xaddr, version}]", "tds:GetServices", "Services offered"),
    _spec("capabilities.security", "{tls1_0, tls1_1, tls1_2, tls1_3, http_digest, username_token, ...: bool}",
          "tds:GetServiceCapabilities", "Device security capabilities"),
    # auth posture
    _spec("auth.anonymous_operations", "list[str]", "authless calls",
          "Operations beyond the ONVIF PRE_AUTH set that answered without credentials"),
    _spec("auth.schemes", "list['ws-usernametoken' | 'http-digest' | 'http-basic']", "auth negotiation",
          "Authentication schemes the device accepted"),
    _spec("auth.credentials_accepted", "bool", "tds:GetDeviceInformation", "Whether the configured credentials worked"),
    _spec("auth.credential_set", "str | None", "auth negotiation",
          "Name of the site's credential set the device accepted (None: none did); never the secret"),
    # media
    _spec("media.profiles", "list[{token, name, video_source, video_encoder, audio_source, audio_encoder, ptz, "
          "analytics}]",
          "trt:GetProfiles | tr2:GetProfiles", "Media profiles and the configuration tokens they use"),
    _spec("media.video_encoders", "list[{token, encoding, width, height, fps, bitrate_kbps, profiles: list[str]}]",
          "trt:GetVideoEncoderConfigurations | tr2:GetVideoEncoderConfigurations", "Video encoders"),
    _spec("media.max_resolution", "{width, height}", "derived from media.video_encoders", "Largest encoder resolution"),
    _spec("media.audio_sources", "list[{token, channels}]", "trt:GetAudioSources", "Audio inputs (microphones)"),
    _spec("media.audio_encoders", "list[{token, encoding, profiles: list[str]}]",
          "trt:GetAudioEncoderConfigurations | tr2:...", "Audio encoder configurations"),
    _spec("media.audio_in_profiles", "list[str]", "trt:GetProfiles | tr2:GetProfiles",
          "Tokens of profiles that stream or record audio (audio encoder present)"),
    _spec("media.audio_outputs", "list[{token}]", "trt:GetAudioOutputs", "Audio outputs (talk-back)"),
    _spec("media.osd", "list[{token, type, text_type, text}]", "trt:GetOSDs | tr2:GetOSDs", "On-screen displays"),
    _spec("media.osd_datetime", "bool", "derived from media.osd", "A date/time overlay is configured"),
    _spec("media.service", "'media2' | 'media1'", "tds:GetServices", "Which media service was used"),
    _spec("media.stream_uris", "list[{profile, uri}]", "tr2:GetStreamUri", "RTSP stream URI of each media profile"),
    # ptz
    _spec("ptz.nodes", "list[{token, name, fixed_home, auto_tracking?}]", "tptz:GetNodes",
          "PTZ nodes (empty = no PTZ)"),
    _spec("ptz.present", "bool", "derived from ptz.nodes", "The camera can pan/tilt/zoom"),
    _spec("ptz.presets", "list[{token, name}]", "tptz:GetPresets", "Presets"),
    _spec("ptz.tours", "list[{token, name, status, auto_start: bool}]", "tptz:GetPresetTours", "Preset tours"),
    _spec("ptz.auto_tracking", "bool", "tptz:GetConfigurations | vendor", "Auto-tracking enabled"),
    # recording
    _spec("recording.recordings",
          "list[{token, source (SourceId), source_address (Address), max_retention_seconds: int | None "
          "(0 = unlimited), max_retention: xs:duration, content, tracks: list[track type]}]",
          "trc:GetRecordings", "Recordings on the device"),
    _spec("recording.jobs", "list[{token, recording, mode: 'Active' | 'Idle', schedule: str | None}]",
          "trc:GetRecordingJobs", "Recording jobs"),
    _spec("recording.schedules",
          "list[{token, name, windows: {mon..sun: list['HH:MM-HH:MM']}, timezone: str | None (None = camera local "
          "time), special_days: bool}]",
          "tsc:GetSchedules", "The schedules recording jobs follow (asked only for the tokens the jobs name)"),
    _spec("recording.summary", "{data_from: iso | None, data_until: iso | None, recordings: int}",
          "tse:GetRecordingSummary", "Span of stored data"),
    _spec("recording.active", "bool", "derived from recording.jobs", "At least one recording job is Active"),
    _spec("storage.targets", "list[{token, type, uri, local: bool}]", "tds:GetStorageConfigurations",
          "Storage targets (local, NFS, CIFS, S3, Azure, FTP ...)"),
    # cloud
    _spec("cloud.uplinks", "list[{remote_address, status, user_level}]", "tup:GetUplinks",
          "Uplinks to remote services"),
    _spec("cloud.event_brokers", "list[{address, topic_prefix, status}]", "tev:GetEventBrokers",
          "Event brokers (MQTT)"),
    _spec("cloud.dynamic_dns", "{type, name} | None", "tds:GetDynamicDNS", "Dynamic DNS"),
    _spec("cloud.remote_user", "{username, use_derived_password} | None", "tds:GetRemoteUser", "Remote user"),
    # network
    _spec("network.interfaces", "list[{token, name, mac, enabled, ipv4: list[str], dhcp: bool}]",
          "tds:GetNetworkInterfaces", "Network interfaces"),
    _spec("network.gateway", "list[str]", "tds:GetNetworkDefaultGateway", "Default gateways"),
    _spec("network.dns", "{from_dhcp: bool, servers: list[str], search_domains: list[str]}", "tds:GetDNS", "DNS"),
    _spec("network.ntp", "{from_dhcp: bool, servers: list[str]}", "tds:GetNTP", "NTP servers"),
    _spec("network.protocols", "list[{name: 'HTTP'|'HTTPS'|'RTSP', enabled: bool, ports: list[int]}]",
          "tds:GetNetworkProtocols", "Network protocols"),
    _spec("network.zero_configuration", "{enabled: bool, addresses: list[str]}", "tds:GetZeroConfiguration",
          "IPv4 link-local auto configuration"),
    _spec("network.discovery_mode", "'Discoverable' | 'NonDiscoverable'", "tds:GetDiscoveryMode", "WS-Discovery mode"),
    _spec("network.ip_filter", "{type: 'Allow'|'Deny', prefixes: list[str]}", "tds:GetIPAddressFilter", "IP filter"),
    _spec("network.open_ports", "list[int]", "tcp-sweep", "TCP ports found open"),
    _spec("network.segment", "str", "discovery", "Network segment (CIDR/interface) where the device was seen"),
    # privacy, analytics, thermal
    _spec("privacy.masks", "list[{token, type, enabled: bool, points: int}]", "tr2:GetMasks", "Privacy masks"),
    _spec("analytics.modules", "list[{name, type}]", "tan:GetAnalyticsModules", "Analytics modules"),
    _spec("analytics.rules", "list[{name, type}]", "tan:GetRules", "Analytics rules"),
    _spec("analytics.supported_modules", "list[str]", "tan:GetSupportedAnalyticsModules",
          "Analytics module types the device can run (configured or not)"),
    _spec("analytics.biometric", "list[str]", "derived from analytics", "Module/rule types that identify people"),
    _spec("thermal.radiometry", "bool", "tth:GetServiceCapabilities", "Radiometric (temperature-measuring) camera"),
    _spec("thermal.configurations", "list[{token, polarity, color_palette}]", "tth:GetConfigurations",
          "Thermal configurations"),
    # transport security (observed TLS handshake, not a setting)
    _spec("tls.versions",
          "{served: bool, port: int, negotiated: str | None ('TLSv1.3' ...), cipher: str | None, "
          "legacy_accepted: bool | None (TLS 1.0/1.1 handshake completed; None = not testable), "
          "onvif_over_https: bool}",
          "tls-handshake", "What the device's HTTPS port really negotiates; served=false when the port that "
          "GetNetworkProtocols names refused TLS. unsupported: HTTPS off and ONVIF read over plain HTTP"),
    _spec("tls.certificate",
          "{subject, issuer, self_signed: bool, not_before: iso, not_after: iso, expired: bool, "
          "key_type: 'rsa'|'ec'|..., key_bits: int | None, signature_hash: str | None, sha256: hex}",
          "tls-handshake", "The server certificate presented in that handshake (not verified: recorded)"),
    # RTSP (probes/rtsp: OPTIONS and DESCRIBE only; value models in probes/rtsp/models.py)
    _spec("rtsp.server", "RtspServer {answers, port, tls, server, methods, note}", "rtsp:OPTIONS",
          "Whether an RTSP server answers at the stream URIs' port"),
    _spec("rtsp.auth", "RtspAuth {anonymous_streams, schemes, basic_in_clear, credentials_accepted}", "rtsp:DESCRIBE",
          "Streams described without credentials and the authentication schemes offered"),
    _spec("rtsp.streams", "list[StreamDescription {uri, profile, anonymous, media: list[SdpMedia]}]", "rtsp:DESCRIBE",
          "Media sections of each stream's SDP (codec, size where given, audio)"),
    _spec("media.audio_streamed", "bool", "rtsp:DESCRIBE", "Sound is in at least one stream (an SDP audio section)"),
    _spec("rtsp.audio_matches_profiles", "list[{profile, configured: bool, streamed: bool}]",
          "derived from media.profiles, rtsp.streams", "Audio encoder configured vs sound in the stream, per profile"),
    # users and clock
    _spec("users", "list[{username, level}]", "tds:GetUsers", "Accounts and their levels"),
    _spec("clock.skew_seconds", "float", "tds:GetSystemDateAndTime", "Device clock minus scanner clock (UTC)"),
    _spec("clock.source", "'NTP' | 'Manual'", "tds:GetSystemDateAndTime", "How the clock is set"),
]

FACT_CATALOGUE: dict[str, FactSpec] = {spec.key: spec for spec in _SPECS}
