"""Sans-I/O parsers: one function per ONVIF response element -> its typed fact value.

Each takes the <OpResponse> element (already checked by `_soap.interpret`) and
returns the fact value as the family model FACT_CATALOGUE names for it
(`probes/factvalues/`), or a typed record (`_records`) for a reply that feeds several
facts. Models are built with their validating constructors: a value that does not fit
its model fails here, in the reader, not when the sheet is assembled. They raise
`SchemaViolation` when a required element is missing or a value has the wrong
type: a broken reply must never look like an empty, compliant one.
Element names follow the ONVIF WSDL/XSD (ver10 schema, devicemgmt, media, media2,
ptz, recording, search, analytics, events, thermal, uplink).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from probes.factvalues.analytics import AnalyticsConfig
from probes.factvalues.clock import ClockSource
from probes.factvalues.cloud import DynamicDns, EventBroker, RemoteUser, Uplink
from probes.factvalues.media import AudioEncoder, AudioOutput, AudioSource, MediaProfile, Osd, VideoEncoder
from probes.factvalues.network import (
    DiscoveryMode,
    Dns,
    IpFilter,
    NetworkInterface,
    NetworkProtocol,
    Ntp,
    ZeroConfiguration,
)
from probes.factvalues.privacy import PrivacyMask
from probes.factvalues.ptz import PtzNode, PtzPreset, PtzTour
from probes.factvalues.recording import Recording, RecordingJob, RecordingSummary, Schedule, StorageTarget
from probes.factvalues.services import OfferedService, SecurityCapabilities
from probes.factvalues.thermal import ThermalConfiguration
from probes.factvalues.users import User
from probes.onvif._devclock import local_date_time
from probes.onvif._ical import weekly_windows
from probes.onvif._ns import TT, Service
from probes.onvif._records import CapabilityListing, DeviceInformation, SystemDateTime
from probes.onvif._xml import (
    Element,
    SchemaViolation,
    attr,
    child,
    children,
    need,
    need_attr,
    need_bool,
    need_int,
    need_text,
    opt_bool,
    opt_text,
    path,
    qname_value,
    text,
    texts,
    to_bool,
    to_int,
)

TDS = Service.DEVICE.namespace
TRT = Service.MEDIA.namespace
TR2 = Service.MEDIA2.namespace
TPTZ = Service.PTZ.namespace
TRC = Service.RECORDING.namespace
TSE = Service.SEARCH.namespace
TAN = Service.ANALYTICS.namespace
TEV = Service.EVENTS.namespace
TTH = Service.THERMAL.namespace
TUP = Service.UPLINK.namespace
TSC = Service.SCHEDULE.namespace


# ------------------------------------------------------------------ device

def device_information(resp: Element) -> DeviceInformation:
    """tds:GetDeviceInformationResponse: all five elements are required by the WSDL."""
    return DeviceInformation(
        manufacturer=need_text(resp, TDS, "Manufacturer"),
        model=need_text(resp, TDS, "Model"),
        firmware=need_text(resp, TDS, "FirmwareVersion"),
        serial=need_text(resp, TDS, "SerialNumber"),
        hardware_id=need_text(resp, TDS, "HardwareId"),
    )


def services(resp: Element) -> list[OfferedService]:
    out: list[OfferedService] = []
    for svc in children(resp, TDS, "Service"):
        version = child(svc, TDS, "Version")
        ver = None
        if version is not None:
            ver = f"{need_int(version, TT, 'Major')}.{need_int(version, TT, 'Minor')}"
        out.append(OfferedService(namespace=need_text(svc, TDS, "Namespace"), xaddr=need_text(svc, TDS, "XAddr"),
                                  version=ver))
    if not out:
        raise SchemaViolation("GetServices returned no Service (at least the device service is required)")
    return out


_CAP_SERVICES = {  # GetCapabilities element -> service namespace (ver10 schema tt:Capabilities)
    "Analytics": Service.ANALYTICS, "Device": Service.DEVICE, "Events": Service.EVENTS,
    "Media": Service.MEDIA, "PTZ": Service.PTZ,
}
_CAP_EXT_SERVICES = {"Recording": Service.RECORDING, "Search": Service.SEARCH}


def capabilities_services(resp: Element) -> tuple[OfferedService, ...]:
    """tds:GetCapabilities rendered like GetServices entries (see `capabilities_listing`)."""
    return capabilities_listing(resp).services


def capabilities_listing(resp: Element) -> CapabilityListing:
    """tds:GetCapabilities rendered like GetServices entries, and a caveat when the reply is non-conforming.

    Some firmware binds the capability types to another namespace than the ver10 schema: they are read
    by local name and the caveat says so. A reply without a Device capability is a schema violation,
    never an empty service list (that would read as "no PTZ, no recording, no analytics").
    """
    caps = need(resp, TDS, "Capabilities")
    out = _capability_entries(caps, lambda el, name: child(el, TT, name))
    caveat = None
    if not any(e.namespace == Service.DEVICE.namespace for e in out):
        out = _capability_entries(caps, _child_by_local)
        if any(e.namespace == Service.DEVICE.namespace for e in out):
            namespaces = sorted({etree_ns(el) for el in caps if isinstance(el.tag, str)} - {TT})
            caveat = (f"non-conforming tds:GetCapabilities: capability types in {', '.join(namespaces) or 'no'} "
                      f"namespace instead of {TT}; read by local name")
    if not any(e.namespace == Service.DEVICE.namespace for e in out):
        raise SchemaViolation("tds:GetCapabilities names no Device capability with an XAddr (tt:Device/tt:XAddr)")
    return CapabilityListing(tuple(out), caveat)


def _child_by_local(el: Element, name: str) -> Element | None:
    return next((c for c in el if isinstance(c.tag, str) and c.tag.rpartition("}")[2] == name), None)


def etree_ns(el: Element) -> str:
    return el.tag.rpartition("}")[0].lstrip("{") if isinstance(el.tag, str) else ""


def _capability_entries(caps: Element, find: Callable[[Element, str], Element | None]) -> list[OfferedService]:
    out: list[OfferedService] = []
    for name, svc in _CAP_SERVICES.items():
        el = find(caps, name)
        xaddr = find(el, "XAddr") if el is not None else None
        if xaddr is not None and (x := (xaddr.text or "").strip()):
            out.append(OfferedService(namespace=svc.namespace, xaddr=x))
    ext = find(caps, "Extension")
    if ext is not None:
        for name, svc in _CAP_EXT_SERVICES.items():
            el = find(ext, name)
            xaddr = find(el, "XAddr") if el is not None else None
            if xaddr is not None and (x := (xaddr.text or "").strip()):
                out.append(OfferedService(namespace=svc.namespace, xaddr=x))
    return out


def _snake(name: str) -> str:
    name = name.replace(".", "_").replace("X_509", "x509")
    name = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name)
    return re.sub(r"_+", "_", name).lower()


# tds:SecurityCapabilities attributes that are numbers, not booleans (devicemgmt.wsdl).
_SECURITY_INT_ATTRS = frozenset({"SupportedEAPMethods", "MaxUsers", "MaxUserNameLength", "MaxPasswordLength",
                                 "MaxPasswordHistory"})
# Attributes whose acronym-then-word spelling the generic snake-casing cannot split.
_SECURITY_NAMES = {"SupportedEAPMethods": "supported_eap_methods"}


def security_capabilities(resp: Element) -> SecurityCapabilities:
    """tds:GetServiceCapabilities Capabilities/Security attributes (TLS1.2, HttpDigest, UsernameToken ...);
    attributes the model does not name go to its `other`."""
    caps = need(resp, TDS, "Capabilities")
    sec = need(caps, TDS, "Security")
    out: dict[str, bool | int | str] = {}
    for key, value in sec.attrib.items():
        local_key = key.rpartition("}")[2]
        name = _SECURITY_NAMES.get(local_key) or _snake(local_key)
        if local_key in _SECURITY_INT_ATTRS:
            # xs:int / IntList (MaxUsers="1", SupportedEAPMethods="0"): "1" here is a count, never "true".
            out[name] = int(value.strip()) if value.strip().isdigit() else value.strip()
        elif value.strip().lower() in ("true", "false", "1", "0"):
            out[name] = bool(to_bool(value, f"Security/@{key}"))
        else:
            out[name] = value.strip()
    for key in ("tls1_0", "tls1_1", "tls1_2", "tls1_3", "http_digest", "username_token"):
        out.setdefault(key, False)  # optional attributes default to false (devicemgmt.wsdl)
    return SecurityCapabilities.model_validate(out)


def hostname(resp: Element) -> str | None:
    """HostnameInformation: FromDHCP is required (like NTPInformation/DNSInformation); an empty one is an error."""
    info = need(resp, TDS, "HostnameInformation")
    need_bool(info, TT, "FromDHCP")
    return opt_text(info, TT, "Name")


def scopes(resp: Element) -> list[str]:
    """tds:Scopes is required (minOccurs 1): a reply without any is an error, not an empty list."""
    found = children(resp, TDS, "Scopes")
    if not found:
        raise SchemaViolation("required element tds:Scopes missing in GetScopesResponse (at least one scope)")
    return [need_text(s, TT, "ScopeItem") for s in found]


def endpoint_reference(resp: Element) -> str | None:
    guid = opt_text(resp, TDS, "GUID")
    if not guid:
        return None
    guid = guid.lower()
    return guid.removeprefix("urn:uuid:")


def users(resp: Element) -> list[User]:
    return [User(username=need_text(u, TT, "Username"), level=need_text(u, TT, "UserLevel"))
            for u in children(resp, TDS, "User")]


_CLOCK_SOURCES: dict[str, ClockSource] = {"Manual": "Manual", "NTP": "NTP"}


def system_date_time(resp: Element) -> SystemDateTime:
    """tds:GetSystemDateAndTime: source, UTC (optional in the schema), TZ, and LocalDateTime read leniently
    (it only corrects a device that gets UTC wrong: `_devclock.device_utc`)."""
    sdt = need(resp, TDS, "SystemDateAndTime")
    kind = need_text(sdt, TT, "DateTimeType")
    source = _CLOCK_SOURCES.get(kind)
    if source is None:
        raise SchemaViolation(f"DateTimeType {kind!r} is neither Manual nor NTP")
    utc_el = child(sdt, TT, "UTCDateTime")
    utc = None
    if utc_el is not None:
        time_el, date_el = need(utc_el, TT, "Time"), need(utc_el, TT, "Date")
        try:
            utc = datetime(need_int(date_el, TT, "Year"), need_int(date_el, TT, "Month"),
                           need_int(date_el, TT, "Day"), need_int(time_el, TT, "Hour"),
                           need_int(time_el, TT, "Minute"), min(need_int(time_el, TT, "Second"), 59), tzinfo=UTC)
        except ValueError as exc:
            raise SchemaViolation(f"UTCDateTime is not a valid date/time: {exc}") from None
    tz = text(path(sdt, (TT, "TimeZone"), (TT, "TZ")))
    return SystemDateTime(source=source, utc=utc, timezone=tz, local=local_date_time(resp))


def _ipv4_config(el: Element) -> list[str]:
    out = []
    for tag in ("Manual", "LinkLocal", "FromDHCP"):
        for a in children(el, TT, tag):
            out.append(f"{need_text(a, TT, 'Address')}/{need_int(a, TT, 'PrefixLength')}")
    return out


def network_interfaces(resp: Element) -> list[NetworkInterface]:
    """tds:NetworkInterfaces is required (minOccurs 1): a reply without any is an error, not an empty list."""
    out: list[NetworkInterface] = []
    nics = children(resp, TDS, "NetworkInterfaces")
    if not nics:
        raise SchemaViolation("required element tds:NetworkInterfaces missing in GetNetworkInterfacesResponse")
    for nic in nics:
        info = child(nic, TT, "Info")
        ipv4 = child(nic, TT, "IPv4")
        cfg = child(ipv4, TT, "Config") if ipv4 is not None else None
        mac = opt_text(info, TT, "HwAddress") if info is not None else None
        out.append(NetworkInterface(
            token=need_attr(nic, "token"),
            name=opt_text(info, TT, "Name") if info is not None else None,
            mac=normalise_mac(mac) if mac else None,
            enabled=need_bool(nic, TT, "Enabled"),
            ipv4=tuple(_ipv4_config(cfg)) if cfg is not None else (),
            dhcp=bool(opt_bool(cfg, TT, "DHCP", False)) if cfg is not None else False,
        ))
    return out


def normalise_mac(mac: str) -> str:
    digits = re.sub(r"[^0-9a-fA-F]", "", mac).lower()
    if len(digits) != 12:
        raise SchemaViolation(f"HwAddress {mac!r} is not a 48-bit MAC address")
    return ":".join(digits[i:i + 2] for i in range(0, 12, 2))


def gateway(resp: Element) -> list[str]:
    gw = need(resp, TDS, "NetworkGateway")
    return texts(gw, TT, "IPv4Address") + texts(gw, TT, "IPv6Address")


def _ip_addresses(entries: list[Element]) -> list[str]:
    out = []
    for e in entries:
        for tag in ("IPv4Address", "IPv6Address", "DNSname"):
            if v := opt_text(e, TT, tag):
                out.append(v)
    return out


def dns(resp: Element) -> Dns:
    info = need(resp, TDS, "DNSInformation")
    return Dns(
        from_dhcp=need_bool(info, TT, "FromDHCP"),
        servers=tuple(_ip_addresses(children(info, TT, "DNSFromDHCP") + children(info, TT, "DNSManual"))),
        search_domains=tuple(texts(info, TT, "SearchDomain")),
    )


def ntp(resp: Element) -> Ntp:
    info = need(resp, TDS, "NTPInformation")
    return Ntp(
        from_dhcp=need_bool(info, TT, "FromDHCP"),
        servers=tuple(_ip_addresses(children(info, TT, "NTPFromDHCP") + children(info, TT, "NTPManual"))),
    )


def network_protocols(resp: Element) -> list[NetworkProtocol]:
    return [NetworkProtocol(name=need_text(p, TT, "Name"), enabled=need_bool(p, TT, "Enabled"),
                            ports=tuple(_port(port) for port in children(p, TT, "Port")))
            for p in children(resp, TDS, "NetworkProtocols")]


def _port(el: Element) -> int:
    port = to_int(text(el), "NetworkProtocols/Port")
    if port is None:  # to_int(required=True) raises first; this says so to mypy
        raise SchemaViolation("NetworkProtocols/Port is empty")
    return port


def zero_configuration(resp: Element) -> ZeroConfiguration:
    zc = need(resp, TDS, "ZeroConfiguration")
    return ZeroConfiguration(enabled=need_bool(zc, TT, "Enabled"), addresses=tuple(texts(zc, TT, "Addresses")))


_DISCOVERY_MODES: dict[str, DiscoveryMode] = {"Discoverable": "Discoverable", "NonDiscoverable": "NonDiscoverable"}


def discovery_mode(resp: Element) -> DiscoveryMode:
    mode = need_text(resp, TDS, "DiscoveryMode")
    known = _DISCOVERY_MODES.get(mode)
    if known is None:
        raise SchemaViolation(f"DiscoveryMode {mode!r} is neither Discoverable nor NonDiscoverable")
    return known


def ip_filter(resp: Element) -> IpFilter:
    f = need(resp, TDS, "IPAddressFilter")
    prefixes = tuple(f"{need_text(a, TT, 'Address')}/{need_int(a, TT, 'PrefixLength')}"
                     for tag in ("IPv4Address", "IPv6Address") for a in children(f, TT, tag))
    kind = need_text(f, TT, "Type")
    if kind not in ("Allow", "Deny"):
        raise SchemaViolation(f"IPAddressFilter Type {kind!r} is neither Allow nor Deny")
    return IpFilter.model_validate({"type": kind, "prefixes": prefixes})


REMOTE_STORAGE_TYPES = frozenset({"NFS", "CIFS", "CDMI", "FTP", "ObjectStorageS3", "ObjectStorageAzure"})


def storage_configurations(resp: Element) -> list[StorageTarget]:
    out = []
    for sc in children(resp, TDS, "StorageConfigurations"):
        data = need(sc, TDS, "Data")
        kind = need_attr(data, "type")
        uri = opt_text(data, TDS, "StorageUri")
        local_path = opt_text(data, TDS, "LocalPath")
        out.append(StorageTarget(token=need_attr(sc, "token"), type=kind, uri=uri or local_path,
                                 local=kind not in REMOTE_STORAGE_TYPES))
    return out


def dynamic_dns(resp: Element) -> DynamicDns | None:
    """None when DDNS is off (Type NoUpdate and no name)."""
    info = need(resp, TDS, "DynamicDNSInformation")
    kind = need_text(info, TT, "Type")
    name = opt_text(info, TT, "Name") or None  # Hikvision default: <tt:Name></tt:Name> = no name configured
    if kind == "NoUpdate" and not name:
        return None
    return DynamicDns(type=kind, name=name)


def remote_user(resp: Element) -> RemoteUser | None:
    ru = child(resp, TDS, "RemoteUser")
    if ru is None:
        return None
    return RemoteUser(username=need_text(ru, TT, "Username"),
                      use_derived_password=need_bool(ru, TT, "UseDerivedPassword"))


# ------------------------------------------------------------------ media

def _token(el: Element | None) -> str | None:
    return attr(el, "token") if el is not None else None


def media1_profiles(resp: Element) -> list[MediaProfile]:
    out = []
    for p in children(resp, TRT, "Profiles"):
        vsc = child(p, TT, "VideoSourceConfiguration")
        out.append(MediaProfile(
            token=need_attr(p, "token"),
            name=need_text(p, TT, "Name"),
            video_source=opt_text(vsc, TT, "SourceToken") if vsc is not None else None,
            video_encoder=_token(child(p, TT, "VideoEncoderConfiguration")),
            audio_source=_token(child(p, TT, "AudioSourceConfiguration")),
            audio_encoder=_token(child(p, TT, "AudioEncoderConfiguration")),
            ptz=_token(child(p, TT, "PTZConfiguration")),
            analytics=_token(child(p, TT, "VideoAnalyticsConfiguration")),
        ))
    return out


def _media2_profile_name(profile: Element) -> str:
    """tr2:Profiles/tr2:Name per media2.wsdl; several simulators and some firmware write tt:Name (the Media1
    spelling). The value is the same either way, so that one deviation is accepted; no Name at all is still
    a schema violation."""
    if child(profile, TR2, "Name") is not None:
        return need_text(profile, TR2, "Name")
    if child(profile, TT, "Name") is not None:
        return need_text(profile, TT, "Name")
    return need_text(profile, TR2, "Name")  # raises, naming tr2:Name


def media2_profiles(resp: Element) -> list[MediaProfile]:
    out = []
    for p in children(resp, TR2, "Profiles"):
        cfg = child(p, TR2, "Configurations")

        def tok(name: str, cfg: Element | None = cfg) -> str | None:
            return _token(child(cfg, TR2, name)) if cfg is not None else None

        vs = child(cfg, TR2, "VideoSource") if cfg is not None else None
        out.append(MediaProfile(
            token=need_attr(p, "token"),
            name=_media2_profile_name(p),
            video_source=opt_text(vs, TT, "SourceToken") if vs is not None else None,
            video_encoder=tok("VideoEncoder"),
            audio_source=tok("AudioSource"),
            audio_encoder=tok("AudioEncoder"),
            ptz=tok("PTZ"),
            analytics=tok("Analytics"),
        ))
    return out


def _users_of(profiles: Sequence[MediaProfile] | None, uses: Callable[[MediaProfile], str | None],
              token: str) -> tuple[str, ...]:
    """Tokens of the profiles whose configuration `uses` picks is `token`."""
    return tuple(p.token for p in profiles or () if uses(p) == token)


def video_encoders(resp: Element, ns: str, profiles: Sequence[MediaProfile] | None) -> list[VideoEncoder]:
    """trt:/tr2:GetVideoEncoderConfigurations; Resolution Width/Height are required integers."""
    out = []
    for c in children(resp, ns, "Configurations"):
        token = need_attr(c, "token")
        res = need(c, TT, "Resolution")
        rate = child(c, TT, "RateControl")
        fps = bitrate = None
        if rate is not None:
            fps = _num(opt_text(rate, TT, "FrameRateLimit"), "RateControl/FrameRateLimit")
            bitrate = to_int(opt_text(rate, TT, "BitrateLimit"), "RateControl/BitrateLimit", required=False)
        out.append(VideoEncoder(token=token, encoding=need_text(c, TT, "Encoding"),
                                width=need_int(res, TT, "Width"), height=need_int(res, TT, "Height"),
                                fps=fps, bitrate_kbps=bitrate,
                                profiles=_users_of(profiles, lambda p: p.video_encoder, token)))
    return out


def _num(value: str | None, what: str) -> float | int | None:
    if value is None or value == "":
        return None
    try:
        f = float(value)
    except ValueError:
        raise SchemaViolation(f"{what} is not a number: {value!r}") from None
    return int(f) if f.is_integer() else f


def audio_encoders(resp: Element, ns: str, profiles: Sequence[MediaProfile] | None) -> list[AudioEncoder]:
    out = []
    for c in children(resp, ns, "Configurations"):
        token = need_attr(c, "token")
        out.append(AudioEncoder(token=token, encoding=need_text(c, TT, "Encoding"),
                                profiles=_users_of(profiles, lambda p: p.audio_encoder, token)))
    return out


def audio_sources(resp: Element) -> list[AudioSource]:
    return [AudioSource(token=need_attr(a, "token"), channels=need_int(a, TT, "Channels"))
            for a in children(resp, TRT, "AudioSources")]


def audio_source_configurations(resp: Element) -> list[AudioSource]:
    """Media2 has no GetAudioSources: the physical inputs are the SourceTokens of the configurations."""
    tokens = dict.fromkeys(need_text(c, TT, "SourceToken") for c in children(resp, TR2, "Configurations"))
    return [AudioSource(token=src) for src in tokens]


def audio_outputs(resp: Element) -> list[AudioOutput]:
    return [AudioOutput(token=need_attr(a, "token")) for a in children(resp, TRT, "AudioOutputs")]


def audio_output_configurations(resp: Element) -> list[AudioOutput]:
    tokens = dict.fromkeys(need_text(c, TT, "OutputToken") for c in children(resp, TR2, "Configurations"))
    return [AudioOutput(token=out) for out in tokens]


def osds(resp: Element, ns: str) -> list[Osd]:
    out = []
    for o in children(resp, ns, "OSDs"):
        ts = child(o, TT, "TextString")
        out.append(Osd(
            token=need_attr(o, "token"),
            type=need_text(o, TT, "Type"),
            text_type=need_text(ts, TT, "Type") if ts is not None else None,
            text=opt_text(ts, TT, "PlainText") if ts is not None else None,
        ))
    return out


def masks(resp: Element) -> list[PrivacyMask]:
    out = []
    for m in children(resp, TR2, "Masks"):
        poly = need(m, TR2, "Polygon")
        out.append(PrivacyMask(token=attr(m, "token"), type=need_text(m, TR2, "Type"),
                               enabled=need_bool(m, TR2, "Enabled"), points=len(children(poly, TT, "Point"))))
    return out


def stream_uri(resp: Element) -> str:
    """tr2:GetStreamUriResponse: the URI (credentials a camera embeds in it are removed by the RTSP probe)."""
    return need_text(resp, TR2, "Uri")


def media1_stream_uri(resp: Element) -> str:
    """trt:GetStreamUriResponse: trt:MediaUri/tt:Uri (InvalidAfterConnect, Timeout: not needed for DESCRIBE)."""
    return need_text(need(resp, TRT, "MediaUri"), TT, "Uri")


def analytics_configuration_tokens(resp: Element, ns: str) -> list[str]:
    return [need_attr(c, "token") for c in children(resp, ns, "Configurations")]


# ------------------------------------------------------------------ ptz

def ptz_nodes(resp: Element) -> list[PtzNode]:
    return [PtzNode(token=need_attr(n, "token"), name=opt_text(n, TT, "Name"),
                    fixed_home=to_bool(attr(n, "FixedHomePosition"), "PTZNode/@FixedHomePosition", required=False))
            for n in children(resp, TPTZ, "PTZNode")]


def ptz_configuration_tokens(resp: Element) -> list[str]:
    """tptz:GetConfigurations: the tokens of the PTZ configurations (a PTZ head's settings exist)."""
    return [need_attr(c, "token") for c in children(resp, TPTZ, "PTZConfiguration")]


def ptz_presets(resp: Element) -> list[PtzPreset]:
    return [PtzPreset(token=attr(p, "token"), name=opt_text(p, TT, "Name")) for p in children(resp, TPTZ, "Preset")]


def ptz_tours(resp: Element) -> list[PtzTour]:
    out = []
    for t in children(resp, TPTZ, "PresetTour"):
        status = need(t, TT, "Status")
        out.append(PtzTour(token=attr(t, "token"), name=opt_text(t, TT, "Name"),
                           status=need_text(status, TT, "State"), auto_start=need_bool(t, TT, "AutoStart")))
    return out


# ------------------------------------------------------------------ recording

_DURATION = re.compile(
    r"^(?P<neg>-)?P(?:(?P<y>\d+)Y)?(?:(?P<mo>\d+)M)?(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?"
    r"(?:T(?:(?P<h>\d+)H)?(?:(?P<mi>\d+)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?$")


def duration_seconds(value: str, what: str) -> int:
    """xs:duration -> seconds (years = 365 d, months = 30 d: retention is compared in days, not calendars)."""
    m = _DURATION.match(value.strip())
    if not m or value.strip() in ("P", "PT") or value.strip().endswith("T"):
        raise SchemaViolation(f"{what} is not an xs:duration: {value!r}")
    if m["neg"]:
        raise SchemaViolation(f"{what} is negative: {value!r}")
    g = {k: float(v) if v else 0.0 for k, v in m.groupdict().items() if k != "neg"}
    days = g["y"] * 365 + g["mo"] * 30 + g["w"] * 7 + g["d"]
    return round(days * 86400 + g["h"] * 3600 + g["mi"] * 60 + g["s"])


def recordings(resp: Element) -> list[Recording]:
    out: list[Recording] = []
    for item in children(resp, TRC, "RecordingItem"):
        cfg = need(item, TT, "Configuration")
        src = child(cfg, TT, "Source")
        retention = need_text(cfg, TT, "MaximumRetentionTime")
        tracks: list[str] = []
        tracks_el = child(item, TT, "Tracks")
        track_els: list[Element] = children(tracks_el, TT, "Track") if tracks_el is not None else []
        for tr in track_els:
            tcfg = need(tr, TT, "Configuration")
            tracks.append(need_text(tcfg, TT, "TrackType"))
        # Axis leaves SourceId empty (<tt:SourceId></tt:SourceId>): that is "not set", not a source named "".
        out.append(Recording(
            token=need_text(item, TT, "RecordingToken"),
            source=(opt_text(src, TT, "SourceId") or None) if src is not None else None,
            # an NVR names the camera it records here (a URI of the camera) when SourceId is opaque
            source_address=(opt_text(src, TT, "Address") or None) if src is not None else None,
            max_retention_seconds=duration_seconds(retention, "MaximumRetentionTime"),
            max_retention=retention,
            content=opt_text(cfg, TT, "Content") or None,
            tracks=tuple(tracks)))
    return out


def recording_jobs(resp: Element) -> list[RecordingJob]:
    out = []
    for item in children(resp, TRC, "JobItem"):
        cfg = need(item, TT, "JobConfiguration")
        out.append(RecordingJob(token=need_text(item, TT, "JobToken"), recording=need_text(cfg, TT, "RecordingToken"),
                                mode=need_text(cfg, TT, "Mode"), schedule=attr(cfg, "ScheduleToken") or None))
    return out


def _iso(value: str | None, what: str) -> str | None:
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        raise SchemaViolation(f"{what} is not an xs:dateTime: {value!r}") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).isoformat().replace("+00:00", "Z")


def recording_summary(resp: Element) -> RecordingSummary:
    s = need(resp, TSE, "Summary")
    return RecordingSummary(data_from=_iso(need_text(s, TT, "DataFrom"), "Summary/DataFrom"),
                            data_until=_iso(need_text(s, TT, "DataUntil"), "Summary/DataUntil"),
                            recordings=need_int(s, TT, "NumberRecordings"))


# ------------------------------------------------------------------ analytics, events, thermal, uplink

def _config_list(parent: Element, ns: str, tag: str) -> list[AnalyticsConfig]:
    return [AnalyticsConfig(name=need_attr(item, "Name"), type=qname_value(item, need_attr(item, "Type")))
            for item in children(parent, ns, tag)]


def analytics_modules(resp: Element) -> list[AnalyticsConfig]:
    return _config_list(resp, TAN, "AnalyticsModule")


def analytics_rules(resp: Element) -> list[AnalyticsConfig]:
    return _config_list(resp, TAN, "Rule")


def supported_analytics_modules(resp: Element) -> list[str]:
    sup = need(resp, TAN, "SupportedAnalyticsModules")
    return [qname_value(d, need_attr(d, "Name")) or "" for d in children(sup, TT, "AnalyticsModuleDescription")]


def event_brokers(resp: Element) -> list[EventBroker]:
    return [EventBroker(address=need_text(b, TEV, "Address"), topic_prefix=need_text(b, TEV, "TopicPrefix"),
                        status=opt_text(b, TEV, "Status")) for b in children(resp, TEV, "EventBroker")]


def thermal_radiometry(resp: Element) -> bool:
    caps = need(resp, TTH, "Capabilities")
    return bool(to_bool(attr(caps, "Radiometry"), "Capabilities/@Radiometry", required=False, default=False))


def thermal_configurations(resp: Element) -> list[ThermalConfiguration]:
    out = []
    for c in children(resp, TTH, "Configurations"):
        cfg = need(c, TTH, "Configuration")
        palette = need(cfg, TTH, "ColorPalette")
        out.append(ThermalConfiguration(token=need_attr(c, "token"), polarity=need_text(cfg, TTH, "Polarity"),
                                        color_palette=attr(palette, "Type") or opt_text(palette, TTH, "Name")))
    return out


def uplinks(resp: Element) -> list[Uplink]:
    return [Uplink(remote_address=need_text(c, TUP, "RemoteAddress"), status=opt_text(c, TUP, "Status"),
                   user_level=need_text(c, TUP, "UserLevel")) for c in children(resp, TUP, "Configuration")]


def schedules(resp: Element) -> list[Schedule]:
    """tsc:GetSchedulesResponse: each schedule's weekly windows (camera local time) from its iCalendar."""
    out = []
    for el in children(resp, TSC, "Schedule"):
        token = need_attr(el, "token")
        try:
            windows, zone = weekly_windows(need_text(el, TSC, "Standard"))
        except SchemaViolation as exc:
            raise SchemaViolation(f"schedule {token!r}: {exc}") from None
        out.append(Schedule.model_validate({"token": token, "name": opt_text(el, TSC, "Name"), "windows": windows,
                                            "timezone": zone, "special_days": bool(children(el, TSC, "SpecialDays"))}))
    return out


def profile_audio_encoders(resp: Element, ns: str, profiles: Sequence[MediaProfile]) -> list[AudioEncoder] | None:
    """The audio encoder configurations inside trt:/tr2:GetProfiles (Media2 asked with Type=All), each once,
    in the order the profiles name them, with the profiles that use it: what tr2:/trt:GetAudioEncoderConfigurations
    would say of them. None when one is named without its token or Encoding: then only that call can tell.
    Configurations no profile uses are not in this reply."""
    found: dict[str, str] = {}
    for p in children(resp, ns, "Profiles"):
        if ns == TR2:
            cfg = child(p, TR2, "Configurations")
            aec = child(cfg, TR2, "AudioEncoder") if cfg is not None else None
        else:
            aec = child(p, TT, "AudioEncoderConfiguration")
        if aec is None:
            continue
        token, encoding = attr(aec, "token"), opt_text(aec, TT, "Encoding")
        if not token or not encoding:
            return None
        found.setdefault(token, encoding)
    return [AudioEncoder(token=token, encoding=encoding, profiles=_users_of(profiles, lambda p: p.audio_encoder, token))
            for token, encoding in found.items()]
