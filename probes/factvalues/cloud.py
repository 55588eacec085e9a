"""Cloud facts: where the device connects out to (uplinks, event brokers, dynamic DNS, remote user)."""

from __future__ import annotations

from probes.factvalues._base import FactValue, fact


class Uplink(FactValue):
    remote_address: str
    status: str | None = None  # Offline | Connecting | Connected; None: not said
    user_level: str


class EventBroker(FactValue):
    address: str
    topic_prefix: str
    status: str | None = None


class DynamicDns(FactValue):
    type: str  # ServerUpdates | ClientUpdates | NoUpdate
    name: str | None = None


class RemoteUser(FactValue):
    username: str
    use_derived_password: bool


UPLINKS = fact("cloud.uplinks", list[Uplink], "tup:GetUplinks", "Uplinks to remote services")
EVENT_BROKERS = fact("cloud.event_brokers", list[EventBroker], "tev:GetEventBrokers", "Event brokers (MQTT)")
DYNAMIC_DNS = fact("cloud.dynamic_dns", DynamicDns, "tds:GetDynamicDNS", "Dynamic DNS (None: off)")
REMOTE_USER = fact("cloud.remote_user", RemoteUser, "tds:GetRemoteUser", "Remote user (None: none)")

SPECS = (UPLINKS, EVENT_BROKERS, DYNAMIC_DNS, REMOTE_USER)
