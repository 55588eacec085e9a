"""Egress facts (`egress.observed`): what a camera was seen sending out of the site's networks (probes/egress).

Only summaries: per destination the bytes, packets and first/last time, the DNS names asked, the TLS
server names offered. Payloads are never kept. An observation that saw nothing proves nothing: its
value says how long and where it looked, so every reader can say "not observed in 10 min", never "absent".
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from probes.factvalues._base import FactValue, fact


class ServiceKind(StrEnum):
    CLOUD = "cloud"
    P2P = "p2p"
    STUN = "stun"
    NTP = "ntp"
    DDNS = "ddns"
    UNCLASSIFIED = "unclassified"  # a destination outside the site that no entry of endpoints.yaml names

    @property
    def transfers_data(self) -> bool:
        """Whether footage or personal data may travel there (time and STUN-only lookups aside)."""
        return self not in (ServiceKind.NTP,)


class Window(FactValue):
    """Where and how long the observation looked."""

    source: str  # "pcap:<file name>" or "live:<interface>"
    start: datetime | None = None  # first packet seen (None: the capture was empty)
    end: datetime | None = None
    seconds: float  # the capture's duration (asked for live, first to last packet for a file)
    packets_total: int  # every packet read (the cameras' and, in a file, the others)


class Flow(FactValue):
    """Traffic between one camera and one destination outside the site's networks."""

    address: str
    port: int | None = None  # destination port (None for protocols without ports)
    protocol: str  # "tcp" | "udp" | "icmp" | "ip/<n>"
    bytes_sent: int
    bytes_received: int
    packets: int
    first_seen: datetime
    last_seen: datetime
    names: tuple[str, ...] = ()  # DNS names that resolved to it, TLS server names sent to it
    service: str | None = None  # endpoints.yaml id
    service_name: str | None = None
    kind: ServiceKind  # unclassified when the catalogue names no service


class DnsName(FactValue):
    name: str
    count: int
    first_seen: datetime
    answers: tuple[str, ...] = ()
    service: str | None = None


class EgressObservation(FactValue):
    """`egress.observed`: one camera's traffic out of the site during one observation window."""

    window: Window
    camera_packets: int  # every packet of this camera the capture saw (local ones too)
    flows: tuple[Flow, ...] = ()
    dns: tuple[DnsName, ...] = ()

    @property
    def services(self) -> list[str]:
        return sorted({f.service for f in self.flows if f.service} | {d.service for d in self.dns if d.service})

    def data_flows(self) -> list[Flow]:
        """Flows that can carry data out (every destination but time servers)."""
        return [f for f in self.flows if f.kind.transfers_data]

    def describe(self, flow: Flow) -> str:
        """One sentence of evidence: "sent 4.2 MB to Dahua P2P (easy4ip) at 203.0.113.7:32100/udp between ..."."""
        what = flow.service_name or (f"an unclassified destination ({', '.join(flow.names[:2])})" if flow.names
                                     else "an unclassified destination")
        where = f"{flow.address}:{flow.port}/{flow.protocol}" if flow.port is not None else \
            f"{flow.address}/{flow.protocol}"
        when = f"{flow.first_seen:%H:%M:%S} and {flow.last_seen:%H:%M:%S} UTC"
        return f"sent {_size(flow.bytes_sent)} to {what} at {where} between {when}"


def _size(count: int) -> str:
    for unit, factor in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if count >= factor:
            return f"{count / factor:.1f} {unit}"
    return f"{count} B"


OBSERVED = fact("egress.observed", EgressObservation, "egress:<pcap or interface>",
                "Traffic the camera sent out of the site's networks while observed (none: not observed, never "
                "proof of absence)")

SPECS = (OBSERVED,)
