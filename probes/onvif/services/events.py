"""Event service: the MQTT brokers the device sends its events to (tev:GetEventBrokers)."""

from __future__ import annotations

from probes.onvif import _parsers as P
from probes.onvif.services._context import ReadContext

KEYS = ("cloud.event_brokers",)
"""The facts this reader sets."""


async def read_event_brokers(ctx: ReadContext) -> None:
    await ctx.read("cloud.event_brokers", "tev:GetEventBrokers", P.event_brokers)
