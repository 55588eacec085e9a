"""Device management (tds): identity, services, capabilities, clock, network, users, storage."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from lab.clock import tz_local_offset
from lab.model import AuthScheme, ClockSource, DynamicDnsType, MisbehaviourMode, NetworkProtocolName, Service
from lab.services._registry import CAPABILITIES, Ctx, capabilities, op
from lab.soap import NS, SERVICE_INFO, SoapFault, SoapRequest, sub

D = Service.DEVICE


def _https(ctx: Ctx) -> bool:
    return ctx.tls_port is not None or ctx.cam.network.protocol(NetworkProtocolName.HTTPS)[0]


@capabilities(D)
def device_capabilities(ctx: Ctx, parent: Any) -> Any:
    cam = ctx.cam
    caps = sub(parent, "tds:Capabilities")
    sub(caps, "tds:Network", attrs={"IPFilter": True, "ZeroConfiguration": True, "IPVersion6": False,
                                    "DynDNS": True, "HostnameFromDHCP": True, "NTP": 2})
    tls = _https(ctx)
    sub(caps, "tds:Security", attrs={
        "TLS1.0": False, "TLS1.1": False, "TLS1.2": tls, "OnboardKeyGeneration": False,
        "AccessPolicyConfig": False, "DefaultAccessPolicy": False, "Dot1X": False, "RemoteUserHandling": False,
        "X.509Token": False, "SAMLToken": False, "KerberosToken": False,
        "UsernameToken": AuthScheme.WS_USERNAMETOKEN in cam.auth.schemes,
        "HttpDigest": AuthScheme.HTTP_DIGEST in cam.auth.schemes, "RELToken": False, "MaxUsers": 32})
    sub(caps, "tds:System", attrs={"DiscoveryResolve": False, "DiscoveryBye": True, "RemoteDiscovery": False,
                                   "SystemBackup": False, "SystemLogging": False, "FirmwareUpgrade": False,
                                   "HttpFirmwareUpgrade": False, "HttpSystemBackup": False,
                                   "HttpSystemLogging": False, "HttpSupportInformation": False})
    sub(caps, "tds:Misc", attrs={"AuxiliaryCommands": "tt:IRLamp|Auto"})
    return caps


@op(D, "GetDeviceInformation")
def get_device_information(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    ident = ctx.cam.identity
    sub(resp, "tds:Manufacturer", ident.manufacturer)
    sub(resp, "tds:Model", ident.model)
    sub(resp, "tds:FirmwareVersion", ident.firmware)
    sub(resp, "tds:SerialNumber", ctx.cam.serial)
    sub(resp, "tds:HardwareId", ident.hardware_id)


@op(D, "GetServices")
def get_services(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    include = (req.arg("IncludeCapability") or "false").lower() in ("true", "1")
    for service, scheme in ((s, scheme) for s in ctx.listed_services for scheme in ctx.schemes):
        prefix, _, (major, minor) = SERVICE_INFO[service]
        el = sub(resp, "tds:Service")  # tls.advertise both: one entry per scheme, http first
        sub(el, "tds:Namespace", NS[prefix])
        sub(el, "tds:XAddr", ctx.xaddr(service, scheme))
        if include and service in CAPABILITIES:
            CAPABILITIES[service](ctx, sub(el, "tds:Capabilities"))
        version = sub(el, "tds:Version")
        sub(version, "tt:Major", major)
        sub(version, "tt:Minor", minor)


_CATEGORIES = ("All", "Analytics", "Device", "Events", "Imaging", "Media", "PTZ")


@op(D, "GetCapabilities")
def get_capabilities(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    wanted = set(req.args("Category")) or {"All"}
    if not wanted <= set(_CATEGORIES):
        raise SoapFault("Sender", ("ter:InvalidArgVal", "ter:NoSuchService"), "unknown capability category")
    every = "All" in wanted
    listed = set(ctx.capability_services)
    caps = sub(resp, "tds:Capabilities")
    if (every or "Analytics" in wanted) and Service.ANALYTICS in listed:
        a = sub(caps, "tt:Analytics")
        sub(a, "tt:XAddr", ctx.xaddr(Service.ANALYTICS))
        sub(a, "tt:RuleSupport", True)
        sub(a, "tt:AnalyticsModuleSupport", True)
    if every or "Device" in wanted:
        d = sub(caps, "tt:Device")
        sub(d, "tt:XAddr", ctx.xaddr(D))
        n = sub(d, "tt:Network")
        for name, value in (("IPFilter", True), ("ZeroConfiguration", True), ("IPVersion6", False), ("DynDNS", True)):
            sub(n, f"tt:{name}", value)
        s = sub(d, "tt:System")
        for name, value in (("DiscoveryResolve", False), ("DiscoveryBye", True), ("RemoteDiscovery", False),
                            ("SystemBackup", False), ("SystemLogging", False), ("FirmwareUpgrade", False)):
            sub(s, f"tt:{name}", value)
        for major, minor in ((2, 60), (23, 6)):
            v = sub(s, "tt:SupportedVersions")
            sub(v, "tt:Major", major)
            sub(v, "tt:Minor", minor)
        io = sub(d, "tt:IO")
        sub(io, "tt:InputConnectors", 0)
        sub(io, "tt:RelayOutputs", 0)
        sec = sub(d, "tt:Security")
        for name, value in (("TLS1.1", False), ("TLS1.2", _https(ctx)), ("OnboardKeyGeneration", False),
                            ("AccessPolicyConfig", False), ("X.509Token", False), ("SAMLToken", False),
                            ("KerberosToken", False), ("RELToken", False)):
            sub(sec, f"tt:{name}", value)
    if (every or "Events" in wanted) and Service.EVENTS in listed:
        e = sub(caps, "tt:Events")
        sub(e, "tt:XAddr", ctx.xaddr(Service.EVENTS))
        sub(e, "tt:WSSubscriptionPolicySupport", False)
        sub(e, "tt:WSPullPointSupport", True)
        sub(e, "tt:WSPausableSubscriptionManagerInterfaceSupport", False)
    if (every or "Imaging" in wanted) and Service.IMAGING in listed:
        sub(sub(caps, "tt:Imaging"), "tt:XAddr", ctx.xaddr(Service.IMAGING))
    if (every or "Media" in wanted) and Service.MEDIA in listed:
        m = sub(caps, "tt:Media")
        sub(m, "tt:XAddr", ctx.xaddr(Service.MEDIA))
        sc = sub(m, "tt:StreamingCapabilities")
        sub(sc, "tt:RTPMulticast", False)
        sub(sc, "tt:RTP_TCP", True)
        sub(sc, "tt:RTP_RTSP_TCP", True)
    if (every or "PTZ" in wanted) and Service.PTZ in listed:
        sub(sub(caps, "tt:PTZ"), "tt:XAddr", ctx.xaddr(Service.PTZ))
    if every and listed & {Service.DEVICEIO, Service.RECORDING, Service.SEARCH}:
        ext = sub(caps, "tt:Extension")
        if Service.DEVICEIO in listed:
            dio = sub(ext, "tt:DeviceIO")
            sub(dio, "tt:XAddr", ctx.xaddr(Service.DEVICEIO))
            sub(dio, "tt:VideoSources", len(ctx.cam.media.video_sources))
            sub(dio, "tt:VideoOutputs", 0)
            sub(dio, "tt:AudioSources", len(ctx.cam.media.audio_sources))
            sub(dio, "tt:AudioOutputs", len(ctx.cam.media.audio_outputs))
            sub(dio, "tt:RelayOutputs", 0)
        if Service.RECORDING in listed:
            r = sub(ext, "tt:Recording")
            sub(r, "tt:XAddr", ctx.xaddr(Service.RECORDING))
            flags: tuple[tuple[str, bool | int], ...] = (
                ("ReceiverSource", False), ("MediaProfileSource", True), ("DynamicRecordings", False),
                ("DynamicTracks", False), ("MaxStringLength", 128))
            for flag, setting in flags:
                sub(r, f"tt:{flag}", setting)
        if Service.SEARCH in listed:
            s = sub(ext, "tt:Search")
            sub(s, "tt:XAddr", ctx.xaddr(Service.SEARCH))
            sub(s, "tt:MetadataSearch", False)


@op(D, "GetHostname")
def get_hostname(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    info = sub(resp, "tds:HostnameInformation")
    sub(info, "tt:FromDHCP", ctx.cam.network.hostname_from_dhcp)
    sub(info, "tt:Name", ctx.cam.hostname)


def _datetime(parent: Any, name: str, dt: Any) -> None:
    el = sub(parent, name)
    t = sub(el, "tt:Time")
    sub(t, "tt:Hour", dt.hour)
    sub(t, "tt:Minute", dt.minute)
    sub(t, "tt:Second", dt.second)
    d = sub(el, "tt:Date")
    sub(d, "tt:Year", dt.year)
    sub(d, "tt:Month", dt.month)
    sub(d, "tt:Day", dt.day)


@op(D, "GetSystemDateAndTime")
def get_system_date_and_time(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    clock = ctx.cam.clock
    sdt = sub(resp, "tds:SystemDateAndTime")
    sub(sdt, "tt:DateTimeType", "NTP" if clock.source is ClockSource.NTP else "Manual")
    now = ctx.now
    offset, dst = tz_local_offset(clock.timezone, now)
    sub(sdt, "tt:DaylightSavings", dst)
    sub(sub(sdt, "tt:TimeZone"), "tt:TZ", clock.timezone)
    local = now + timedelta(seconds=offset)
    if ctx.cam.misbehaves(MisbehaviourMode.CLOCK_LOCAL_AS_UTC):
        _datetime(sdt, "tt:UTCDateTime", local)  # the wall clock labelled UTC (OpenIPC/majestic-webui#292)
    elif not ctx.cam.misbehaves(MisbehaviourMode.NO_UTC_DATETIME):
        _datetime(sdt, "tt:UTCDateTime", now)
    _datetime(sdt, "tt:LocalDateTime", local)


@op(D, "GetWsdlUrl")
def get_wsdl_url(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    sub(resp, "tds:WsdlUrl", "http://www.onvif.org/Documents/Specifications.aspx")


@op(D, "GetEndpointReference")
def get_endpoint_reference(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    sub(resp, "tds:GUID", ctx.cam.endpoint_uuid)


@op(D, "GetScopes")
def get_scopes(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    for scope in ctx.cam.scopes:
        el = sub(resp, "tds:Scopes")
        configurable = "/name/" in scope or "/location/" in scope
        sub(el, "tt:ScopeDef", "Configurable" if configurable else "Fixed")
        sub(el, "tt:ScopeItem", scope)


@op(D, "GetUsers", admin=True)
def get_users(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    for name, user in ctx.cam.auth.users.items():
        el = sub(resp, "tds:User")
        sub(el, "tt:Username", name)
        sub(el, "tt:UserLevel", user.level.value)


@op(D, "GetNetworkInterfaces")
def get_network_interfaces(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    for iface in ctx.cam.interfaces():
        el = sub(resp, "tds:NetworkInterfaces", attrs={"token": iface.token})
        sub(el, "tt:Enabled", iface.enabled)
        info = sub(el, "tt:Info")
        sub(info, "tt:Name", iface.name)
        sub(info, "tt:HwAddress", iface.mac or ctx.cam.mac)
        sub(info, "tt:MTU", iface.mtu)
        v4 = sub(el, "tt:IPv4")
        sub(v4, "tt:Enabled", True)
        cfg = sub(v4, "tt:Config")
        for prefixed in iface.ipv4 or [f"{ctx.cam.address}/24"]:
            addr, length = prefixed.split("/")
            entry = sub(cfg, "tt:FromDHCP" if iface.dhcp else "tt:Manual")
            sub(entry, "tt:Address", addr)
            sub(entry, "tt:PrefixLength", int(length))
            if iface.dhcp:
                break
        sub(cfg, "tt:DHCP", iface.dhcp)


@op(D, "GetNetworkDefaultGateway")
def get_network_default_gateway(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    gw = sub(resp, "tds:NetworkGateway")
    for addr in ctx.cam.network.gateway:
        sub(gw, "tt:IPv4Address", addr)


@op(D, "GetDNS")
def get_dns(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    dns = ctx.cam.network.dns
    info = sub(resp, "tds:DNSInformation")
    sub(info, "tt:FromDHCP", dns.from_dhcp)
    for domain in dns.search_domains:
        sub(info, "tt:SearchDomain", domain)
    for server in dns.servers:
        host = sub(info, "tt:DNSFromDHCP" if dns.from_dhcp else "tt:DNSManual")
        sub(host, "tt:Type", "IPv4")
        sub(host, "tt:IPv4Address", server)


def _is_ipv4(text: str) -> bool:
    parts = text.split(".")
    return len(parts) == 4 and all(p.isdigit() and int(p) < 256 for p in parts)


@op(D, "GetNTP")
def get_ntp(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    ntp = ctx.cam.network.ntp
    info = sub(resp, "tds:NTPInformation")
    sub(info, "tt:FromDHCP", ntp.from_dhcp)
    for server in ntp.servers:
        host = sub(info, "tt:NTPFromDHCP" if ntp.from_dhcp else "tt:NTPManual")
        if _is_ipv4(server):
            sub(host, "tt:Type", "IPv4")
            sub(host, "tt:IPv4Address", server)
        else:
            sub(host, "tt:Type", "DNS")
            sub(host, "tt:DNSname", server)


@op(D, "GetNetworkProtocols")
def get_network_protocols(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    for name in NetworkProtocolName:
        enabled, ports = ctx.cam.network.protocol(name)
        if name is NetworkProtocolName.HTTPS and ctx.tls_port is not None:
            enabled, ports = True, [ctx.tls_port]  # what really listens (tests run on ephemeral ports)
        elif name is NetworkProtocolName.HTTP and ctx.tls_port is not None and not ctx.cam.tls.plain_http:
            enabled = False  # an HTTPS-only camera
        el = sub(resp, "tds:NetworkProtocols")
        sub(el, "tt:Name", name.value)
        sub(el, "tt:Enabled", enabled)
        for port in ports:
            sub(el, "tt:Port", port)


@op(D, "GetZeroConfiguration")
def get_zero_configuration(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    zc = ctx.cam.network.zero_configuration
    el = sub(resp, "tds:ZeroConfiguration")
    sub(el, "tt:InterfaceToken", ctx.cam.interfaces()[0].token)
    sub(el, "tt:Enabled", zc.enabled)
    for addr in zc.addresses:
        sub(el, "tt:Addresses", addr)


@op(D, "GetDiscoveryMode")
def get_discovery_mode(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    sub(resp, "tds:DiscoveryMode", ctx.cam.network.discovery_mode.value)


@op(D, "GetIPAddressFilter")
def get_ip_address_filter(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    flt = ctx.cam.network.ip_filter
    el = sub(resp, "tds:IPAddressFilter")
    sub(el, "tt:Type", flt.type.value)
    for prefixed in flt.prefixes:
        addr, length = prefixed.split("/")
        entry = sub(el, "tt:IPv4Address")
        sub(entry, "tt:Address", addr)
        sub(entry, "tt:PrefixLength", int(length))


@op(D, "GetDynamicDNS")
def get_dynamic_dns(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    ddns = ctx.cam.dynamic_dns
    el = sub(resp, "tds:DynamicDNSInformation")
    sub(el, "tt:Type", (ddns.type if ddns else DynamicDnsType.NO_UPDATE).value)
    if ddns and ddns.name:
        sub(el, "tt:Name", ddns.name)
    if ddns and ddns.ttl:
        sub(el, "tt:TTL", ddns.ttl)


@op(D, "GetRemoteUser", admin=True)
def get_remote_user(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    remote = ctx.cam.remote_user
    if remote:
        el = sub(resp, "tds:RemoteUser")
        sub(el, "tt:Username", remote.username)
        sub(el, "tt:UseDerivedPassword", remote.use_derived_password)


@op(D, "GetStorageConfigurations", admin=True)
def get_storage_configurations(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    for storage in ctx.cam.storage:
        el = sub(resp, "tds:StorageConfigurations", attrs={"token": storage.token})
        data = sub(el, "tds:Data", attrs={"type": storage.type.value})
        if storage.local_path:
            sub(data, "tds:LocalPath", storage.local_path)
        if storage.uri:
            sub(data, "tds:StorageUri", storage.uri)
        if storage.user:
            sub(sub(data, "tds:User"), "tds:UserName", storage.user)


@op(D, "GetRelayOutputs")
def get_relay_outputs(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    return None  # no relays


@op(D, "GetDPAddresses")
def get_dp_addresses(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    return None  # no discovery proxy configured
