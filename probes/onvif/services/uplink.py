"""Uplink service: the cloud connections the device keeps open itself (tup:GetUplinks)."""

from __future__ import annotations

from probes.onvif import _parsers as P
from probes.onvif.services._context import ReadContext

KEYS = ("cloud.uplinks",)
"""The facts this reader sets."""


async def read_uplinks(ctx: ReadContext) -> None:
    await ctx.read("cloud.uplinks", "tup:GetUplinks", P.uplinks)
