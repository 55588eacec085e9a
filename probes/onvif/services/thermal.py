"""Thermal: radiometry and the thermal configurations, unless the service is proven absent."""

from __future__ import annotations

import asyncio

from probes.onvif import _parsers as P
from probes.onvif._ns import Service
from probes.onvif.services._context import ReadContext

KEYS = ("thermal.radiometry", "thermal.configurations")
"""The facts this reader sets."""


async def read_thermal(ctx: ReadContext) -> None:
    ctx.sheet.start("thermal.radiometry", "thermal.configurations")
    why = ctx.absence(Service.THERMAL)
    if why is not None:
        ctx.mark_absent(("thermal.radiometry", "thermal.configurations"), Service.THERMAL, why)
        return
    await asyncio.gather(
        ctx.read("thermal.radiometry", "tth:GetServiceCapabilities", P.thermal_radiometry),
        ctx.read("thermal.configurations", "tth:GetConfigurations", P.thermal_configurations),
    )
