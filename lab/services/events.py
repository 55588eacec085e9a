"""Events (tev): service capabilities and the configured MQTT event brokers."""

from __future__ import annotations

from typing import Any

from lab.model import Service
from lab.services._registry import Ctx, capabilities, op
from lab.soap import SoapRequest, sub

E = Service.EVENTS


@capabilities(E)
def events_capabilities(ctx: Ctx, parent: Any) -> Any:
    return sub(parent, "tev:Capabilities", attrs={
        "WSSubscriptionPolicySupport": False, "WSPullPointSupport": True,
        "WSPausableSubscriptionManagerInterfaceSupport": False, "MaxNotificationProducers": 10,
        "MaxPullPoints": 10, "PersistentNotificationStorage": False,
        "EventBrokerProtocols": "mqtt mqtts", "MaxEventBrokers": 2})


@op(E, "GetEventBrokers")
def get_event_brokers(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    wanted = req.arg("Address")
    for broker in ctx.cam.event_brokers:
        if wanted and broker.address != wanted:
            continue
        el = sub(resp, "tev:EventBroker")
        sub(el, "tev:Address", broker.address)
        sub(el, "tev:TopicPrefix", broker.topic_prefix)
        if broker.qos is not None:
            sub(el, "tev:QoS", broker.qos)
        if broker.status:
            sub(el, "tev:Status", broker.status)
