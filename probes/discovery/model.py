"""What discovery learned about one device, merged from every signal that saw it."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field


class Signal(StrEnum):
    WS_DISCOVERY = "ws-discovery"  # multicast Probe / Hello
    WS_DISCOVERY_UNICAST = "ws-discovery-unicast"
    MDNS = "mdns"
    SSDP = "ssdp"
    ARP = "arp"
    TCP = "tcp"  # TCP connect sweep (+ ONVIF endpoint check)
    DECLARED = "declared"  # listed in the site file / --targets host:port, not seen otherwise
    WS_DISCOVERY_BYE = "ws-discovery-bye"  # said WS-Discovery Bye (leaving) during the run: an observation


OBSERVATIONS = frozenset({Signal.DECLARED, Signal.WS_DISCOVERY_BYE})
"""Marks in `signals` that are not ways of searching: never chosen with --signals."""


def selectable_signals() -> list[Signal]:
    """The signals a user may choose (--signals), in order."""
    return [s for s in Signal if s not in OBSERVATIONS]


class OnvifEndpoint(BaseModel):
    """One ONVIF device service to read: every endpoint found is read, and identity is decided after reading."""

    url: str  # device service URL (http or https, on one of the device's addresses)
    uuid: str | None = None  # the endpoint uuid announced with this URL (WS-Discovery/mDNS); None = ask the device


class DiscoveredDevice(BaseModel):
    """What was seen at one address (or one multi-homed announcement). Merged by address only: a shared
    uuid, serial or MAC never joins two addresses here; the reader decides identity from what it reads."""

    addresses: list[str] = Field(default_factory=list)  # IPs (first = preferred)
    xaddrs: list[str] = Field(default_factory=list)  # ONVIF device service URLs
    endpoint_uuid: str | None = None  # lower case, without urn:uuid:
    mac: str | None = None  # lower case, colon separated
    vendor: str | None = None  # from the OUI database
    manufacturer: str | None = None  # from scopes / mDNS / SSDP
    model: str | None = None
    name: str | None = None
    serial: str | None = None
    hardware: str | None = None
    scopes: list[str] = Field(default_factory=list)
    types: list[str] = Field(default_factory=list)
    open_ports: list[int] = Field(default_factory=list)
    onvif_ports: list[int] = Field(default_factory=list)  # open ports where an ONVIF device service answered
    signals: list[Signal] = Field(default_factory=list)
    segment: str | None = None  # interface/CIDR where it was seen
    bye: bool = False  # sent a WS-Discovery Bye during the scan
    location: str | None = None  # from the onvif://www.onvif.org/location/ scope
    metadata_version: int | None = None  # WS-Discovery MetadataVersion
    upnp_udn: str | None = None  # UPnP UDN from SSDP (often differs from the WS-Discovery uuid)
    hostname: str | None = None  # mDNS host name
    endpoints: list[OnvifEndpoint] = Field(default_factory=list)  # ONVIF endpoints, one per scheme+host+port

    @property
    def key(self) -> str:
        """Stable device id, the same as DeviceFacts.device_id."""
        if self.endpoint_uuid:
            return f"uuid:{self.endpoint_uuid}"
        if self.serial:
            return f"serial:{self.serial}"
        if self.mac:
            return f"mac:{self.mac}"
        ports = self.onvif_ports or self.open_ports
        port = ports[0] if ports else None
        address = self.addresses[0] if self.addresses else "?"
        return f"addr:{address}:{port}" if port else f"addr:{address}"


class DiscoveryReport(BaseModel):
    """Everything one discovery run produced: the devices and why any signal did not run."""

    devices: list[DiscoveredDevice] = Field(default_factory=list)
    signals_run: list[Signal] = Field(default_factory=list)
    skipped: dict[Signal, str] = Field(default_factory=dict)  # signal -> reason it did not run
    interfaces: list[str] = Field(default_factory=list)  # "eth0 (192.0.2.10/24)" used for multicast/ARP
    notes: list[str] = Field(default_factory=list)  # interfaces refused and why
    elapsed_s: float = 0.0
