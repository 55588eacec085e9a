"""The fleet file model: virtual cameras, their identity, auth, configuration and misbehaviour.

Every model forbids unknown keys so a typo in a fleet file is an error, not a
silently ignored setting. Optional values that have a sensible default derived
from other values (endpoint uuid, MAC, hostname, scopes, services, network
interface) stay `None` in the file and are resolved by the `Camera` helpers, so
that `defaults:` stays short and the JSON Schema stays honest.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
import uuid
from enum import StrEnum
from typing import Annotated, Any, Literal, Optional

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    create_model,
    field_validator,
    model_validator,
)

# ---------------------------------------------------------------- vocabularies


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Service(StrEnum):
    """ONVIF services a virtual camera can offer."""

    DEVICE = "device"
    MEDIA = "media"
    MEDIA2 = "media2"
    PTZ = "ptz"
    IMAGING = "imaging"
    RECORDING = "recording"
    SEARCH = "search"
    ANALYTICS = "analytics"
    THERMAL = "thermal"
    UPLINK = "uplink"
    EVENTS = "events"
    DEVICEIO = "deviceio"
    SCHEDULE = "schedule"


class UserLevel(StrEnum):
    ADMINISTRATOR = "Administrator"
    OPERATOR = "Operator"
    USER = "User"


class AuthScheme(StrEnum):
    WS_USERNAMETOKEN = "ws-usernametoken"
    HTTP_DIGEST = "http-digest"


class ClockSource(StrEnum):
    NTP = "NTP"
    MANUAL = "Manual"


class DiscoveryMode(StrEnum):
    DISCOVERABLE = "Discoverable"
    NON_DISCOVERABLE = "NonDiscoverable"


class VideoEncoding(StrEnum):
    JPEG = "JPEG"
    MPEG4 = "MPEG4"
    H264 = "H264"
    H265 = "H265"


class AudioEncoding(StrEnum):
    G711 = "G711"
    G726 = "G726"
    AAC = "AAC"


class OsdType(StrEnum):
    TEXT = "Text"
    IMAGE = "Image"


class OsdTextType(StrEnum):
    PLAIN = "Plain"
    DATE = "Date"
    TIME = "Time"
    DATE_AND_TIME = "DateAndTime"


class MaskType(StrEnum):
    COLOR = "Color"
    PIXELATED = "Pixelated"
    BLURRED = "Blurred"


class TourStatus(StrEnum):
    IDLE = "Idle"
    TOURING = "Touring"
    PAUSED = "Paused"


class JobMode(StrEnum):
    ACTIVE = "Active"
    IDLE = "Idle"


class StorageType(StrEnum):
    LOCAL = "LocalStorage"
    NFS = "NFS"
    CIFS = "CIFS"
    CDMI = "CDMI"
    FTP = "FTP"
    S3 = "ObjectStorageS3"
    AZURE = "ObjectStorageAzure"


class UplinkStatus(StrEnum):
    OFFLINE = "Offline"
    CONNECTING = "Connecting"
    CONNECTED = "Connected"


class DynamicDnsType(StrEnum):
    NO_UPDATE = "NoUpdate"
    CLIENT_UPDATES = "ClientUpdates"
    SERVER_UPDATES = "ServerUpdates"


class NetworkProtocolName(StrEnum):
    HTTP = "HTTP"
    HTTPS = "HTTPS"
    RTSP = "RTSP"


class IpFilterType(StrEnum):
    ALLOW = "Allow"
    DENY = "Deny"


class Polarity(StrEnum):
    WHITE_HOT = "WhiteHot"
    BLACK_HOT = "BlackHot"


class ColorPaletteType(StrEnum):
    CUSTOM = "Custom"
    GRAYSCALE = "Grayscale"
    BLACK_HOT = "BlackHot"
    WHITE_HOT = "WhiteHot"
    SEPIA = "Sepia"
    RED = "Red"
    IRON = "Iron"
    RAIN = "Rain"
    RAINBOW = "Rainbow"
    ISOTHERM = "Isotherm"


class MisbehaviourMode(StrEnum):
    """Ways a camera can misbehave (robustness tests for the scanner)."""

    NO_REPLY = "no_reply"  # read the request, never answer
    SLOW_DRIP = "slow_drip"  # answer bytes_per_second bytes per second
    TRUNCATED = "truncated"  # the XML stops half way (consistent Content-Length)
    MALFORMED_XML = "malformed_xml"  # not well-formed XML
    OVERSIZED = "oversized"  # a valid but huge reply (megabytes)
    ENTITY_EXPANSION = "entity_expansion"  # DOCTYPE with billion laughs or an external entity
    CONNECTION_RESET = "connection_reset"  # TCP RST instead of a reply
    AUTH_LOOP_401 = "auth_loop_401"  # always 401 with a fresh nonce, credentials never accepted
    EMPTY_200_FOR_UNIMPLEMENTED = "empty_200_for_unimplemented"
    STACKTRACE_200_FOR_UNIMPLEMENTED = "stacktrace_200_for_unimplemented"
    HTTP500_FOR_UNIMPLEMENTED = "http500_for_unimplemented"
    AUTH_FAULT_AS_400 = "auth_fault_as_400"  # auth failure: HTTP 400 + ter:NotAuthorized
    AUTH_AS_401 = "auth_as_401"  # auth failure: bare HTTP 401 (no SOAP body)
    AUTH_FAULT_IN_200 = "auth_fault_in_200"  # auth failure: ter:NotAuthorized fault inside HTTP 200
    ODD_NAMESPACE_PREFIXES = "odd_namespace_prefixes"  # SOAP-ENV / ns1 / xx prefixes
    SCOPES_CLAIM_MISSING_SERVICES = "scopes_claim_missing_services"  # Profile G/T/M scopes it can't back
    SERVICES_LISTED_BUT_DEAD = "services_listed_but_dead"  # GetServices lists services that answer 404
    ACTION_NOT_SUPPORTED = "action_not_supported"  # the named operations of an offered service: ActionNotSupported
    CAPABILITIES_FOREIGN_NAMESPACE = "capabilities_foreign_namespace"  # GetCapabilities in a non-ONVIF namespace
    EMPTY_RESPONSE = "empty_response"  # the response element without its (required) children
    HOLLOW_RESPONSE = "hollow_response"  # the response's children present but empty (<HostnameInformation/>)
    NUL_TERMINATED = "nul_terminated"  # every reply and ProbeMatch ends with a C string's NUL (counted in its length)
    # real-camera quirks (issue 20; docs/facts.md lists each with the public issue it comes from)
    SOAP11_ONLY = "soap11_only"  # SOAP 1.2 refused with a VersionMismatch fault; answers SOAP 1.1 (text/xml)
    ACTION_REQUIRED = "action_required"  # HTTP 400 unless the Content-Type carries action=
    ACTION_REFUSED = "action_refused"  # HTTP 415 when the Content-Type carries action=
    MUST_UNDERSTAND_REJECTED = "must_understand_rejected"  # MustUnderstand fault for a mustUnderstand Security header
    DIGEST_SHA256 = "digest_sha256"  # HTTP Digest challenge and check with SHA-256 only
    DIGEST_MD5_SESS = "digest_md5_sess"  # HTTP Digest with algorithm=MD5-sess
    DIGEST_NO_QOP = "digest_no_qop"  # HTTP Digest challenge without qop (RFC 2069 answers only)
    DIGEST_URI_ABSOLUTE = "digest_uri_absolute"  # the digest uri must be the absolute URL ("url does not match")
    DIGEST_URI_PATH_ONLY = "digest_uri_path_only"  # an absolute digest uri is refused ("url does not match")
    DIGEST_STALE_NONCE = "digest_stale_nonce"  # each nonce is good for one request, then stale=true
    HTML_401 = "html_401"  # authentication failures as an HTML page with HTTP 401 (and the Digest challenge)
    LOCKOUT = "lockout"  # "you still have N attempts", then the client's address is blocked (`attempts`)
    ONVIF_AFTER_TIME_QUERY = "onvif_after_time_query"  # everything refused until an anonymous GetSystemDateAndTime
    ONVIF_DISABLED = "onvif_disabled"  # ONVIF switched off (factory default): the ONVIF paths answer 404 HTML
    XADDRS_NAT = "xaddrs_nat"  # service XAddrs name a NAT-internal address and port (192.168.77.10:80)
    XADDRS_LOOPBACK = "xaddrs_loopback"  # service XAddrs name 127.0.0.1
    CLOCK_LOCAL_AS_UTC = "clock_local_as_utc"  # UTCDateTime carries the local wall clock (TZ offset applied)
    NO_UTC_DATETIME = "no_utc_datetime"  # GetSystemDateAndTime without UTCDateTime (LocalDateTime and TZ only)


class TlsVersion(StrEnum):
    TLS1_0 = "TLS1.0"
    TLS1_1 = "TLS1.1"
    TLS1_2 = "TLS1.2"
    TLS1_3 = "TLS1.3"


class TlsAdvertise(StrEnum):
    """Which URLs XAddrs, GetServices and WS-Discovery name."""

    HTTP = "http"
    HTTPS = "https"
    BOTH = "both"  # two GetServices entries per service and two WS-Discovery XAddrs (http first)


class KeyType(StrEnum):
    RSA = "rsa"
    EC = "ec"


class EntityPayload(StrEnum):
    BILLION_LAUGHS = "billion_laughs"
    EXTERNAL_ENTITY = "external_entity"


# ONVIF Core: operations every device answers without credentials.
PRE_AUTH_OPERATIONS = frozenset({
    "GetServices", "GetServiceCapabilities", "GetCapabilities", "GetHostname", "GetSystemDateAndTime",
    "GetWsdlUrl", "GetEndpointReference",
})

Token = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
Text = Annotated[str, Field(max_length=512, pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f]*$")]

_DURATION_RE = re.compile(r"^(-)?P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?"
                          r"(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$")


def _check_duration(value: str) -> str:
    if not _DURATION_RE.match(value) or value in ("P", "-P") or value.endswith("T"):
        raise ValueError(f"not an xs:duration (e.g. P7D, PT72H, PT0S): {value!r}")
    return value


Duration = Annotated[str, AfterValidator(_check_duration),
                     Field(description="xs:duration, e.g. P7D, PT72H, PT0S (= unlimited for retention)")]


def duration_seconds(value: str) -> float:
    """Seconds of an xs:duration (a year is 365 days, a month 30 days: good enough for retention)."""
    m = _DURATION_RE.match(value)
    if not m:
        raise ValueError(f"not an xs:duration: {value!r}")
    sign, y, mo, w, d, h, mi, s = m.groups()
    total = float((int(y or 0) * 365 + int(mo or 0) * 30 + int(w or 0) * 7 + int(d or 0)) * 86400)
    total += int(h or 0) * 3600 + int(mi or 0) * 60 + float(s or 0)
    return -total if sign else total


# ---------------------------------------------------------------- identity and auth


class Identity(Strict):
    """What GetDeviceInformation, GetHostname, GetScopes and WS-Discovery say about the camera."""

    endpoint_uuid: str | None = Field(default=None, description="urn:uuid:...; default derived from the camera name")
    manufacturer: Text = "camaudit-lab"
    model: Text = "Virtual Camera"
    firmware: Text = "1.0.0"
    serial: Text | None = Field(default=None, description="default derived from the camera name")
    hardware_id: Text = "1.0"
    mac: str | None = Field(default=None, description="aa:bb:cc:dd:ee:ff; default a locally administered MAC")
    hostname: Annotated[str, Field(pattern=r"^[A-Za-z0-9.-]{1,63}$")] | None = None
    location: Text | None = Field(default=None, description="goes into the onvif://www.onvif.org/location/ scope")
    scopes: list[Annotated[str, Field(max_length=512)]] | None = Field(
        default=None, description="ONVIF scopes; default generated from name, model, location and services")

    @field_validator("endpoint_uuid")
    @classmethod
    def _uuid(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.startswith("urn:uuid:"):
            raise ValueError("must start with urn:uuid:")
        try:
            uuid.UUID(value.removeprefix("urn:uuid:"))
        except ValueError:
            raise ValueError("not a valid UUID after urn:uuid:") from None
        return value.lower()

    @field_validator("mac")
    @classmethod
    def _mac(cls, value: str | None) -> str | None:
        if value is None:
            return None
        norm = value.lower().replace("-", ":")
        if not re.fullmatch(r"([0-9a-f]{2}:){5}[0-9a-f]{2}", norm):
            raise ValueError("must look like aa:bb:cc:dd:ee:ff")
        return norm


class User(Strict):
    password: Annotated[str, Field(min_length=1, max_length=128)]
    level: UserLevel = UserLevel.USER


class Auth(Strict):
    """Who may log in and how; the ONVIF PRE_AUTH operations always answer without credentials."""

    schemes: list[AuthScheme] = Field(default_factory=lambda: [AuthScheme.WS_USERNAMETOKEN, AuthScheme.HTTP_DIGEST],
                                      min_length=1)
    users: dict[Annotated[str, Field(pattern=r"^[A-Za-z0-9_.@-]{1,64}$")], User] = Field(default_factory=dict)
    anonymous_operations: list[Annotated[str, Field(pattern=r"^([a-z0-9]+:)?[A-Za-z]+$")]] = Field(
        default_factory=list,
        description="operations (beyond PRE_AUTH) answered without credentials, e.g. GetProfiles or trt:GetProfiles; "
                    "'*' is not allowed: list them")
    created_tolerance_seconds: float = Field(default=300, ge=0,
                                             description="max |WS-UsernameToken Created - camera clock|")
    realm: Text = "ONVIF"


class Clock(Strict):
    source: ClockSource = ClockSource.NTP
    offset_seconds: float = Field(default=0, description="camera clock minus real UTC")
    timezone: Annotated[str, Field(max_length=64)] = "UTC0"


# ---------------------------------------------------------------- media


class Video(Strict):
    encoding: VideoEncoding = VideoEncoding.H264
    width: int = Field(default=1920, ge=16, le=16384)
    height: int = Field(default=1080, ge=16, le=16384)
    fps: int = Field(default=25, ge=1, le=240)
    bitrate_kbps: int = Field(default=4096, ge=1)
    gov_length: int = Field(default=50, ge=1)
    quality: float = 5.0


class Audio(Strict):
    """An audio encoder in a profile (the profile then streams and records sound)."""

    source: Token = "AudioSource_1"
    encoding: AudioEncoding = AudioEncoding.AAC
    bitrate_kbps: int = Field(default=64, ge=1)
    sample_rate_khz: int = Field(default=16, ge=1)


class MediaProfile(Strict):
    token: Token
    name: Text | None = None
    video_source: Token = "VideoSource_1"
    video: Video = Field(default_factory=Video)
    audio: Audio | None = None


class AudioSource(Strict):
    token: Token = "AudioSource_1"
    channels: int = Field(default=1, ge=1, le=8)


class AudioOutput(Strict):
    token: Token = "AudioOutput_1"


class Osd(Strict):
    token: Token
    type: OsdType = OsdType.TEXT
    text_type: OsdTextType | None = OsdTextType.DATE_AND_TIME
    text: Text | None = Field(default=None, description="the text of a Plain overlay")
    position: Literal["UpperLeft", "UpperRight", "LowerLeft", "LowerRight", "Custom"] = "UpperLeft"
    video_source: Token = "VideoSource_1"


class Mask(Strict):
    token: Token
    type: MaskType = MaskType.COLOR
    enabled: bool = True
    polygon: list[tuple[float, float]] = Field(
        default_factory=lambda: [(-1.0, 1.0), (-0.5, 1.0), (-0.5, 0.5), (-1.0, 0.5)], min_length=3,
        description="points in ONVIF normalised coordinates (-1..1)")
    video_source: Token = "VideoSource_1"

    @field_validator("polygon")
    @classmethod
    def _in_range(cls, value: list[tuple[float, float]]) -> list[tuple[float, float]]:
        for x, y in value:
            if not (-1 <= x <= 1 and -1 <= y <= 1):
                raise ValueError("polygon points must lie within -1..1")
        return value


def _default_profiles() -> list[MediaProfile]:
    return [
        MediaProfile(token="Profile_1", name="mainStream"),
        MediaProfile(token="Profile_2", name="subStream",
                     video=Video(width=640, height=360, fps=15, bitrate_kbps=512)),
    ]


class Media(Strict):
    profiles: list[MediaProfile] = Field(default_factory=_default_profiles, min_length=1)
    audio_sources: list[AudioSource] = Field(default_factory=list,
                                             description="microphones; added automatically for profile audio")
    audio_outputs: list[AudioOutput] = Field(default_factory=list, description="loudspeakers (talk-back)")
    osd: list[Osd] = Field(default_factory=list)
    masks: list[Mask] = Field(default_factory=list, description="privacy masks (Media2 only)")

    @model_validator(mode="after")
    def _consistent(self) -> Media:
        _unique([p.token for p in self.profiles], "media.profiles token")
        _unique([o.token for o in self.osd], "media.osd token")
        _unique([m.token for m in self.masks], "media.masks token")
        known = {s.token for s in self.audio_sources}
        for profile in self.profiles:
            if profile.audio and profile.audio.source not in known:
                self.audio_sources.append(AudioSource(token=profile.audio.source))
                known.add(profile.audio.source)
        return self

    @property
    def video_sources(self) -> list[str]:
        return list(dict.fromkeys(p.video_source for p in self.profiles))


# ---------------------------------------------------------------- ptz


class PtzNode(Strict):
    token: Token = "PTZNode_1"
    name: Text | None = None
    fixed_home: bool = False
    auto_tracking: bool = False
    max_presets: int = Field(default=256, ge=0)


class Preset(Strict):
    token: Token
    name: Text | None = None


class Tour(Strict):
    token: Token
    name: Text | None = None
    auto_start: bool = False
    status: TourStatus = TourStatus.IDLE
    presets: list[Token] = Field(default_factory=list, description="preset tokens visited in order")


class Ptz(Strict):
    nodes: list[PtzNode] = Field(default_factory=lambda: [PtzNode()])
    presets: list[Preset] = Field(default_factory=list)
    tours: list[Tour] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> Ptz:
        _unique([n.token for n in self.nodes], "ptz.nodes token")
        _unique([p.token for p in self.presets], "ptz.presets token")
        known = {p.token for p in self.presets}
        for tour in self.tours:
            missing = [t for t in tour.presets if t not in known]
            if missing:
                raise ValueError(f"tour {tour.token!r} visits unknown presets {missing}")
        return self


# ---------------------------------------------------------------- recording and storage


class Recording(Strict):
    token: Token
    max_retention: Duration = Field(description="MaximumRetentionTime; PT0S means unlimited")
    content: Text = "Continuous recording"
    source_name: Text | None = None
    # an NVR's recording of another camera: SourceId and Address name that camera (default: this device)
    source_id: Annotated[str, Field(max_length=512)] | None = None
    source_address: Annotated[str, Field(max_length=512)] | None = None


class RecordingJob(Strict):
    token: Token
    recording: Token
    mode: JobMode = JobMode.ACTIVE
    source: Token | None = Field(default=None, description="media profile recorded; default the first profile")
    schedule: Token | None = Field(default=None, description="ScheduleToken; none = records around the clock")
    priority: int = 1


_WINDOW = r"^([01]\d|2[0-3]):[0-5]\d-(([01]\d|2[0-3]):[0-5]\d|24:00)$"
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Schedule(Strict):
    """A weekly schedule served by the Schedule service (tsc): day -> 'HH:MM-HH:MM' windows, camera local time.

    Served as iCalendar (one weekly VEVENT per window); `ical` replaces it verbatim (vendor quirks)."""

    token: Token
    name: Text = ""
    windows: dict[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                  list[Annotated[str, Field(pattern=_WINDOW)]]] = Field(default_factory=dict)
    ical: Annotated[str, Field(max_length=8192)] | None = None

    def active_at(self, weekday: int, hhmm: str) -> bool:
        """Whether local time `hhmm` on `weekday` (0 = Monday) is inside a window."""
        for window in self.windows.get(DAYS[weekday], []):  # type: ignore[call-overload]
            start, end = window.split("-")
            if start <= hhmm < end:
                return True
        return False


class RecordingConfig(Strict):
    recordings: list[Recording] = Field(default_factory=list)
    jobs: list[RecordingJob] = Field(default_factory=list)
    schedules: list[Schedule] = Field(default_factory=list, description="served by the Schedule service (tsc)")
    stored_history: Duration | None = Field(
        default=None, description="span of stored data (GetRecordingSummary DataFrom = now - this); "
                                  "default: the longest finite retention, or P90D when unlimited")

    @model_validator(mode="after")
    def _consistent(self) -> RecordingConfig:
        _unique([r.token for r in self.recordings], "recording.recordings token")
        _unique([j.token for j in self.jobs], "recording.jobs token")
        known = {r.token for r in self.recordings}
        for job in self.jobs:
            if job.recording not in known:
                raise ValueError(f"job {job.token!r} refers to unknown recording {job.recording!r}")
        return self


class Storage(Strict):
    token: Token
    type: StorageType
    uri: Annotated[str, Field(max_length=512)] | None = None
    local_path: Annotated[str, Field(max_length=512)] | None = None
    user: Text | None = None


class Uplink(Strict):
    remote_address: Annotated[str, Field(max_length=512)]
    user_level: Text = "Operator"
    status: UplinkStatus = UplinkStatus.CONNECTED
    certificate_id: Text | None = None


class EventBroker(Strict):
    address: Annotated[str, Field(max_length=512)]
    topic_prefix: Text = ""
    status: Text | None = "Connected"
    qos: int | None = Field(default=None, ge=0, le=2)


class DynamicDns(Strict):
    type: DynamicDnsType = DynamicDnsType.CLIENT_UPDATES
    name: Text | None = None
    ttl: Duration | None = None


class RemoteUser(Strict):
    username: Text
    use_derived_password: bool = True


# ---------------------------------------------------------------- network


IPv4 = Annotated[str, Field(pattern=r"^\d{1,3}(\.\d{1,3}){3}$")]


class Interface(Strict):
    token: Token = "eth0"
    name: Text = "eth0"
    enabled: bool = True
    mac: str | None = Field(default=None, description="default the identity MAC")
    ipv4: list[Annotated[str, Field(pattern=r"^\d{1,3}(\.\d{1,3}){3}/\d{1,2}$")]] | None = Field(
        default=None, description="addresses with prefix, default <camera address>/24")
    dhcp: bool = False
    mtu: int = 1500


class Dns(Strict):
    from_dhcp: bool = False
    servers: list[IPv4] = Field(default_factory=list)
    search_domains: list[Annotated[str, Field(pattern=r"^[A-Za-z0-9.-]{1,253}$")]] = Field(default_factory=list)


class Ntp(Strict):
    from_dhcp: bool = False
    servers: list[Annotated[str, Field(pattern=r"^[A-Za-z0-9.:-]{1,253}$")]] = Field(
        default_factory=list, description="IPv4 addresses or DNS names")


class ProtocolSetting(Strict):
    enabled: bool = True
    ports: list[Annotated[int, Field(ge=1, le=65535)]] | None = Field(default=None,
                                                                      description="default the standard port")


_STANDARD_PORTS = {NetworkProtocolName.HTTP: 80, NetworkProtocolName.HTTPS: 443, NetworkProtocolName.RTSP: 554}


class ZeroConf(Strict):
    enabled: bool = False
    addresses: list[IPv4] = Field(default_factory=list)


class IpFilter(Strict):
    type: IpFilterType = IpFilterType.ALLOW
    prefixes: list[Annotated[str, Field(pattern=r"^\d{1,3}(\.\d{1,3}){3}/\d{1,2}$")]] = Field(default_factory=list)


class Network(Strict):
    interfaces: list[Interface] | None = Field(default=None, description="default one eth0 with the camera address")
    gateway: list[IPv4] = Field(default_factory=list)
    dns: Dns = Field(default_factory=Dns)
    ntp: Ntp = Field(default_factory=Ntp)
    protocols: dict[NetworkProtocolName, ProtocolSetting] = Field(
        default_factory=dict, description="HTTP/HTTPS/RTSP; unlisted ones are enabled on their standard port")
    zero_configuration: ZeroConf = Field(default_factory=ZeroConf)
    discovery_mode: DiscoveryMode = DiscoveryMode.DISCOVERABLE
    ip_filter: IpFilter = Field(default_factory=IpFilter)
    hostname_from_dhcp: bool = False
    mdns: bool = Field(default=True, description="advertise over mDNS (lab --discovery with multicast)")
    ssdp: bool = Field(default=True, description="answer SSDP M-SEARCH (lab --discovery with multicast)")

    def protocol(self, name: NetworkProtocolName) -> tuple[bool, list[int]]:
        """(enabled, ports) of a protocol, filling the standard defaults."""
        setting = self.protocols.get(name, ProtocolSetting())
        return setting.enabled, list(setting.ports or [_STANDARD_PORTS[name]])


class Tls(Strict):
    """An HTTPS listener serving the same SOAP app; its certificate is generated at fleet start."""

    enabled: bool = False
    port: int = Field(default=443, ge=0, le=65535, description="HTTPS port (0 = ephemeral); with "
                      "--port-override it is ephemeral too, unless plain_http is false")
    plain_http: bool = Field(default=True, description="also serve plain HTTP on the camera's `port`; "
                             "false = an HTTPS-only camera")
    advertise: TlsAdvertise | None = Field(default=None, description="URLs in XAddrs and GetServices: http, https "
                                           "or both; default https for an HTTPS-only camera, else http")
    self_signed: bool = Field(default=True, description="false = issued by a per-fleet 'camaudit lab CA'")
    expired: bool = Field(default=False, description="a certificate that expired yesterday")
    names: list[Annotated[str, Field(min_length=1, max_length=253)]] | None = Field(
        default=None, max_length=16, description="DNS names and IP addresses in the certificate's SAN (default: "
        "the camera's hostname and the address it listens on); another name = a certificate for the wrong host")
    key_type: KeyType = KeyType.RSA
    key_bits: int = Field(default=2048, description="RSA 1024..4096 (1024 = weak) or EC 256/384")
    min_version: TlsVersion = Field(default=TlsVersion.TLS1_2, description="lowest TLS version accepted")

    @model_validator(mode="after")
    def _consistent(self) -> Tls:
        if self.key_type is KeyType.RSA and not 1024 <= self.key_bits <= 4096:
            raise ValueError("RSA key_bits must be 1024..4096")
        if self.key_type is KeyType.EC and self.key_bits not in (256, 384):
            raise ValueError("EC key_bits must be 256 or 384")
        if not self.plain_http and self.advertise in (TlsAdvertise.HTTP, TlsAdvertise.BOTH):
            raise ValueError("an HTTPS-only camera (plain_http: false) can only advertise https")
        return self

    @property
    def advertised(self) -> TlsAdvertise:
        if not self.enabled:
            return TlsAdvertise.HTTP
        if self.advertise is not None:
            return self.advertise
        return TlsAdvertise.HTTP if self.plain_http else TlsAdvertise.HTTPS


# ---------------------------------------------------------------- analytics and thermal

KNOWN_QNAME_PREFIXES = {
    "tt": "http://www.onvif.org/ver10/schema",
    "axis": "http://www.axis.com/vapix/ws/analytics",
    "hikxsd": "http://www.hikvision.com/ver20/XMLSchema",
    "dahua": "http://www.dahuasecurity.com/onvif/analytics",
    "bosch": "http://www.boschsecurity.com/onvif/analytics",
}
QName = Annotated[str, Field(pattern=r"^[A-Za-z_][\w.-]*:[A-Za-z_][\w.-]*$", description="prefix:Name")]


class AnalyticsItem(Strict):
    name: Text
    type: QName
    parameters: dict[Annotated[str, Field(pattern=r"^[A-Za-z_][\w.-]*$")], Text] = Field(default_factory=dict)


class Analytics(Strict):
    modules: list[AnalyticsItem] = Field(default_factory=list)
    rules: list[AnalyticsItem] = Field(default_factory=list)
    supported_modules: list[QName] | None = Field(default=None, description="default the configured module types")
    supported_rules: list[QName] | None = Field(default=None, description="default the configured rule types")
    namespaces: dict[Annotated[str, Field(pattern=r"^[A-Za-z_][\w.-]*$")], str] = Field(
        default_factory=dict, description="extra QName prefixes -> namespace URI (tt, axis, hikxsd, dahua, "
                                          "bosch are known)")
    configuration_token: Token = "VideoAnalytics_1"

    @model_validator(mode="after")
    def _prefixes(self) -> Analytics:
        known = {**KNOWN_QNAME_PREFIXES, **self.namespaces}
        for qname in self.all_types():
            prefix = qname.split(":", 1)[0]
            if prefix not in known:
                raise ValueError(f"unknown QName prefix {prefix!r} in {qname!r}: declare it under namespaces")
        return self

    def all_types(self) -> list[str]:
        return ([m.type for m in self.modules] + [r.type for r in self.rules]
                + list(self.supported_modules or []) + list(self.supported_rules or []))

    def prefix_map(self) -> dict[str, str]:
        return {**KNOWN_QNAME_PREFIXES, **self.namespaces}


class ColorPalette(Strict):
    token: Token = "Palette_1"
    name: Text = "Iron"
    type: ColorPaletteType = ColorPaletteType.IRON


class ThermalConfiguration(Strict):
    video_source: Token = "VideoSource_1"
    polarity: Polarity = Polarity.WHITE_HOT
    color_palette: ColorPalette = Field(default_factory=ColorPalette)


class RadiometryConfiguration(Strict):
    reflected_ambient_temperature: float = 293.15
    emissivity: float = Field(default=0.98, ge=0, le=1)
    distance_to_object: float = Field(default=1.0, ge=0)


class Thermal(Strict):
    radiometry: bool = False
    configurations: list[ThermalConfiguration] = Field(default_factory=lambda: [ThermalConfiguration()])
    radiometry_configuration: RadiometryConfiguration | None = Field(
        default=None, description="default present when radiometry is true")


# ---------------------------------------------------------------- misbehaviour


class Misbehaviour(Strict):
    """One misbehaviour; without `operations` it applies to every operation it makes sense for."""

    mode: MisbehaviourMode
    operations: list[Annotated[str, Field(pattern=r"^([a-z0-9]+:)?[A-Za-z]+$")]] | None = Field(
        default=None, description="operation names (GetProfiles or trt:GetProfiles); default all")
    bytes_per_second: int = Field(default=64, ge=1, description="slow_drip rate")
    megabytes: float = Field(default=8, gt=0, le=512, description="oversized reply size")
    payload: EntityPayload = EntityPayload.BILLION_LAUGHS
    attempts: int = Field(default=3, ge=1, le=100, description="lockout: failed logins before the address is blocked")

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        return {"mode": value} if isinstance(value, str) else value  # `- no_reply` means every operation

    def applies_to(self, prefix: str, operation: str) -> bool:
        if self.operations is None:
            return True
        return operation in self.operations or f"{prefix}:{operation}" in self.operations


# ---------------------------------------------------------------- the camera and the fleet

_ALLOWED_NETWORKS = [ipaddress.ip_network(n) for n in (
    "127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "192.0.2.0/24", "198.51.100.0/24",
    "203.0.113.0/24", "169.254.0.0/16")]


class RtspAuthMode(StrEnum):
    ANONYMOUS = "anonymous"  # DESCRIBE answers without credentials
    BASIC = "basic"  # only Basic offered (the password would travel readable)
    DIGEST = "digest"
    DIGEST_AND_BASIC = "digest+basic"


class RtspAudio(StrEnum):
    PROFILES = "profiles"  # an SDP audio section where the profile has an audio encoder
    ON = "on"  # sound in every stream, whatever the profiles say
    OFF = "off"  # never, whatever the profiles say


class Rtsp(Strict):
    """An RTSP server answering OPTIONS and DESCRIBE with SDP built from the camera's profiles (lab/rtsp.py)."""

    enabled: bool = False
    port: int = Field(default=554, ge=0, le=65535, description="0 = ephemeral; with --port-override ephemeral too")
    auth: RtspAuthMode = RtspAuthMode.DIGEST
    audio: RtspAudio = RtspAudio.PROFILES
    server: Annotated[str, Field(max_length=120)] = "camaudit-lab RTSP/1.0"


class Camera(Strict):
    """One virtual camera. Only `name` and `address` are required."""

    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")]
    address: str = Field(description="IPv4 to listen on: 127.x.y.z, or an address inside a network namespace")
    port: int = Field(default=8000, ge=0, le=65535, description="ONVIF HTTP port (0 = ephemeral)")
    description: Text | None = None
    identity: Identity = Field(default_factory=Identity)
    auth: Auth = Field(default_factory=Auth)
    clock: Clock = Field(default_factory=Clock)
    services: list[Service] | None = Field(
        default=None, description="default: device, media, media2, imaging, events, deviceio plus the services the "
                                  "configuration implies (ptz, recording+search, analytics, thermal, uplink)")
    services_listed: list[Service] | None = Field(
        default=None, description="what tds:GetServices lists, when it differs from the services served (omits or "
                                  "invents some); default the served ones")
    capabilities_listed: list[Service] | None = Field(
        default=None, description="what tds:GetCapabilities lists, when it differs from the services served; "
                                  "default the served ones")
    media: Media = Field(default_factory=Media)
    ptz: Ptz | None = None
    recording: RecordingConfig | None = None
    storage: list[Storage] = Field(default_factory=list)
    uplinks: list[Uplink] = Field(default_factory=list)
    event_brokers: list[EventBroker] = Field(default_factory=list)
    dynamic_dns: DynamicDns | None = None
    remote_user: RemoteUser | None = None
    network: Network = Field(default_factory=Network)
    tls: Tls = Field(default_factory=Tls, description="HTTPS listener (off by default)")
    rtsp: Rtsp = Field(default_factory=Rtsp, description="RTSP listener (off by default)")
    analytics: Analytics | None = None
    thermal: Thermal | None = None
    misbehaviour: list[Misbehaviour] = Field(
        default_factory=list, description="misbehaviours; a bare mode name applies it to every operation")

    @field_validator("address")
    @classmethod
    def _address(cls, value: str) -> str:
        try:
            ip = ipaddress.IPv4Address(value)
        except ValueError:
            raise ValueError("must be an IPv4 address") from None
        if not any(ip in net for net in _ALLOWED_NETWORKS):
            raise ValueError("lab cameras listen on loopback, private or RFC 5737 documentation addresses only")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Camera:
        profiles = {p.token for p in self.media.profiles}
        if self.recording:
            for job in self.recording.jobs:
                if job.source is not None and job.source not in profiles:
                    raise ValueError(f"recording job {job.token!r} records unknown profile {job.source!r}")
        services = set(self.offered_services)
        if Service.DEVICE not in services:
            raise ValueError("services must include device")
        if Service.SEARCH in services and Service.RECORDING not in services:
            raise ValueError("the search service needs the recording service")
        https = self.network.protocols.get(NetworkProtocolName.HTTPS)
        if self.tls.enabled and https is not None and not https.enabled:
            raise ValueError("tls.enabled contradicts network.protocols.HTTPS.enabled: false")
        if self.tls.enabled and self.tls.plain_http and self.tls.port and self.tls.port == self.port:
            raise ValueError("tls.port must differ from port while plain_http is served there")
        return self

    # -- derived values (used by the server and the discovery responders)

    @property
    def endpoint_uuid(self) -> str:
        return self.identity.endpoint_uuid or f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'camaudit-lab/' + self.name)}"

    @property
    def serial(self) -> str:
        return self.identity.serial or hashlib.sha1(self.name.encode()).hexdigest()[:12].upper()

    @property
    def mac(self) -> str:
        if self.identity.mac:
            return self.identity.mac
        digest = hashlib.sha1(self.name.encode()).digest()
        return ":".join(f"{b:02x}" for b in (0x02, *digest[:5]))  # locally administered

    @property
    def hostname(self) -> str:
        return self.identity.hostname or self.name

    @property
    def offered_services(self) -> list[Service]:
        if self.services is not None:
            return list(dict.fromkeys(self.services))
        found = [Service.DEVICE, Service.MEDIA, Service.MEDIA2, Service.IMAGING, Service.EVENTS, Service.DEVICEIO]
        if self.ptz is not None:
            found.append(Service.PTZ)
        if self.recording is not None and (self.recording.recordings or self.recording.jobs):
            found += [Service.RECORDING, Service.SEARCH]
        if self.recording is not None and self.recording.schedules:
            found.append(Service.SCHEDULE)
        if self.analytics is not None:
            found.append(Service.ANALYTICS)
        if self.thermal is not None:
            found.append(Service.THERMAL)
        if self.uplinks:
            found.append(Service.UPLINK)
        return found

    @property
    def scopes(self) -> list[str]:
        if self.identity.scopes is not None:
            scopes = list(self.identity.scopes)
        else:
            base = "onvif://www.onvif.org/"
            scopes = [f"{base}name/{_scope_part(self.name)}", f"{base}hardware/{_scope_part(self.identity.model)}",
                      f"{base}type/video_encoder", f"{base}Profile/Streaming", f"{base}Profile/T"]
            if self.identity.location:
                scopes.append(f"{base}location/{_scope_part(self.identity.location)}")
            if Service.RECORDING in self.offered_services:
                scopes.append(f"{base}Profile/G")
            if self.thermal is not None:
                scopes.append(f"{base}type/thermal")
            if self.ptz is not None:
                scopes.append(f"{base}type/ptz")
        if self.misbehaves(MisbehaviourMode.SCOPES_CLAIM_MISSING_SERVICES):
            base = "onvif://www.onvif.org/"
            for claim in ("Profile/G", "Profile/T", "Profile/M", "Profile/Streaming", "type/ptz"):
                if base + claim not in scopes:
                    scopes.append(base + claim)
        return scopes

    def misbehaves(self, mode: MisbehaviourMode, prefix: str | None = None,
                   operation: str | None = None) -> Misbehaviour | None:
        """The first misbehaviour of this mode (that applies to prefix:operation when given)."""
        for item in self.misbehaviour:
            if item.mode is mode and (operation is None or item.applies_to(prefix or "", operation)):
                return item
        return None

    def interfaces(self) -> list[Interface]:
        if self.network.interfaces is not None:
            return self.network.interfaces
        return [Interface(mac=self.mac, ipv4=[f"{self.address}/24"])]


def _scope_part(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_./-]+", "_", text)


def _unique(values: list[str], what: str) -> None:
    seen: set[str] = set()
    for v in values:
        if v in seen:
            raise ValueError(f"duplicate {what} {v!r}")
        seen.add(v)


_DEFAULTABLE: dict[str, Any] = {
    name: (Optional[field.annotation], None)  # noqa: UP045 - the annotation is a runtime value here
    for name, field in Camera.model_fields.items() if name not in ("name", "address")}
CameraDefaults = create_model(
    "CameraDefaults", __config__=ConfigDict(extra="forbid"), **_DEFAULTABLE)
CameraDefaults.__doc__ = "Keys applied to every camera (a camera's own keys win; mappings merge key by key)."


class Fleet(Strict):
    """A fleet file: defaults plus a list of cameras."""

    version: Literal[1] = 1
    defaults: CameraDefaults | None = None
    cameras: list[Camera] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique(self) -> Fleet:
        _unique([c.name for c in self.cameras], "camera name")
        # endpoint uuids and serials may repeat: cloned firmware and NVR channels share them on real networks
        _unique([f"{c.address}:{c.port}" for c in self.cameras if c.port], "camera address:port")
        return self

    def camera(self, name: str) -> Camera:
        for cam in self.cameras:
            if cam.name == name:
                return cam
        raise KeyError(name)


def fleet_json_schema() -> dict[str, Any]:
    """JSON Schema of the fleet file (for editors and CI)."""
    schema = Fleet.model_json_schema()
    # a bare mode name is shorthand for {mode: ...} (Misbehaviour's before-validator)
    for model in ("Camera", "CameraDefaults"):
        prop = schema["$defs"][model]["properties"]["misbehaviour"]
        holder = next((b for b in prop.get("anyOf", [prop]) if b.get("type") == "array"), prop)
        holder["items"] = {"anyOf": [holder["items"], {"$ref": "#/$defs/MisbehaviourMode"}]}
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "camaudit lab fleet file"
    return schema
