"""Network facts: interfaces, gateway, DNS, NTP, protocols, discovery mode, IP filter, open ports."""

from __future__ import annotations

from typing import Literal

from probes.factvalues._base import FactSpec, FactValue, fact


class NetworkInterface(FactValue):
    token: str
    name: str | None = None
    mac: str | None = None  # lower case, colon separated
    enabled: bool
    ipv4: tuple[str, ...] = ()  # "address/prefix" (manual, link-local and DHCP)
    dhcp: bool | None = None


class Dns(FactValue):
    from_dhcp: bool
    servers: tuple[str, ...] = ()
    search_domains: tuple[str, ...] = ()


class Ntp(FactValue):
    from_dhcp: bool
    servers: tuple[str, ...] = ()


class NetworkProtocol(FactValue):
    name: str  # HTTP | HTTPS | RTSP (compare case-insensitively)
    enabled: bool
    ports: tuple[int, ...] = ()


class ZeroConfiguration(FactValue):
    enabled: bool
    addresses: tuple[str, ...] = ()


class IpFilter(FactValue):
    type: Literal["Allow", "Deny"]
    prefixes: tuple[str, ...] = ()


DiscoveryMode = Literal["Discoverable", "NonDiscoverable"]

INTERFACES = fact("network.interfaces", list[NetworkInterface], "tds:GetNetworkInterfaces", "Network interfaces")
GATEWAY = fact("network.gateway", list[str], "tds:GetNetworkDefaultGateway", "Default gateways")
DNS = fact("network.dns", Dns, "tds:GetDNS", "DNS")
NTP = fact("network.ntp", Ntp, "tds:GetNTP", "NTP servers")
PROTOCOLS = fact("network.protocols", list[NetworkProtocol], "tds:GetNetworkProtocols", "Network protocols")
ZERO_CONFIGURATION = fact("network.zero_configuration", ZeroConfiguration, "tds:GetZeroConfiguration",
                          "IPv4 link-local auto configuration")
DISCOVERY_MODE: FactSpec[DiscoveryMode] = FactSpec("network.discovery_mode", DiscoveryMode, "tds:GetDiscoveryMode",
                                                   "WS-Discovery mode")
IP_FILTER = fact("network.ip_filter", IpFilter, "tds:GetIPAddressFilter", "IP filter")
OPEN_PORTS = fact("network.open_ports", list[int], "tcp-sweep", "TCP ports found open")
SEGMENT = fact("network.segment", str, "discovery", "Network segment (CIDR/interface) where the device was seen")

SPECS = (INTERFACES, GATEWAY, DNS, NTP, PROTOCOLS, ZERO_CONFIGURATION, DISCOVERY_MODE, IP_FILTER, OPEN_PORTS,
         SEGMENT)
