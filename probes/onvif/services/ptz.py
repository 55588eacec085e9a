"""PTZ: present or absent from every source (the service lists, the profiles, the PTZ service itself), presets
and tours through each profile's PTZ configuration."""

from __future__ import annotations

import asyncio

from probes.errors import DeviceError
from probes.facts import FACT_CATALOGUE, FactStatus
from probes.factvalues.media import MediaProfile
from probes.factvalues.ptz import PtzNode
from probes.onvif import _parsers as P
from probes.onvif._ns import Service
from probes.onvif._transport import Reply
from probes.onvif.services._context import MAX_FANOUT, NOT_READ, Outcome, ReadContext

KEYS = ("ptz.nodes", "ptz.present", "ptz.presets", "ptz.tours", "ptz.auto_tracking")
"""The facts this reader sets."""


async def read_ptz(ctx: ReadContext) -> None:
    """PTZ from every source: GetServices, GetCapabilities, the profiles' PTZ configurations, and the PTZ
    service itself (GetNodes, and GetConfigurations when no profile carries a PTZ configuration). Absent only
    when all of them agree; presets and tours are asked through each profile's PTZ configuration even when
    GetNodes is refused."""
    keys = ("ptz.nodes", "ptz.present", "ptz.presets", "ptz.tours")
    ctx.sheet.start(*keys)
    ctx.sheet.fail("ptz.auto_tracking", FactStatus.NOT_PROBED, "tptz:GetConfigurations",
                    "ONVIF defines no standard auto-tracking setting; vendor extensions are not read")
    profiles = await ctx.wait_profiles()
    by_config: dict[str, str] = {}  # PTZ configuration token -> a profile that uses it
    for p in profiles or []:
        if p.ptz:
            by_config.setdefault(p.ptz, p.token)
    hints = [what for what, shown in (
        ("tds:GetServices lists a PTZ service", ctx.listed is not None and Service.PTZ in ctx.listed),
        ("tds:GetCapabilities lists PTZ", ctx.capable is not None and Service.PTZ in ctx.capable),
        (f"media profiles carry PTZ configuration {', '.join(sorted(by_config))}", bool(by_config))) if shown]
    if not hints:
        why = ctx.absence(Service.PTZ)
        if why is not None and profiles is not None:
            ctx.mark_absent(keys, Service.PTZ, f"{why}, and no media profile has a PTZ configuration",
                             also=", media profiles")
            return
        unknown = why is None and f"PTZ presence unknown: {ctx.no_service_reason(Service.PTZ)}" or \
            f"PTZ presence unknown: {why}, but {ctx.profiles_failed()}"
        for key in keys:
            ctx.sheet.fail(key, ctx.no_service_status() if profiles is not None else FactStatus.NOT_PROBED,
                            FACT_CATALOGUE[key].source, unknown)
        return
    note = None
    silent = [src for src, says_no in (
        ("tds:GetServices", ctx.listed is not None and Service.PTZ not in ctx.listed),
        ("tds:GetCapabilities", ctx.capable is not None and Service.PTZ not in ctx.capable),
        ("the media profiles", profiles is not None and not by_config)) if says_no]
    if silent:
        note = (f"sources disagree: {'; '.join(hints)}; {' and '.join(silent)} "
                f"{'shows' if len(silent) == 1 else 'show'} none: read anyway")
    if Service.PTZ not in ctx.urls:  # only the profiles name it: many devices serve every service at one URL
        ctx.urls[Service.PTZ] = ctx.device_xaddr
        note = f"{note}; PTZ asked at the device service address, which no service list names"
    ctx.conflicts[Service.PTZ] = note or ""
    configs: list[str] | None = None
    if by_config:  # the profiles already show PTZ configurations: tptz:GetConfigurations could add nothing
        node_out = await ctx.call("tptz:GetNodes")
    else:
        node_out, config_out = await asyncio.gather(ctx.call("tptz:GetNodes"), ctx.call("tptz:GetConfigurations"))
        configs = _configuration_tokens(config_out)
    nodes = ctx.record("ptz.nodes", "tptz:GetNodes", node_out, P.ptz_nodes)
    tokens = list(by_config.values())
    await _presets_and_tours(ctx, tokens, nodes, profiles)
    _ptz_present(ctx, nodes, by_config, configs, note)


def _configuration_tokens(out: Outcome) -> list[str] | None:
    """The PTZ configurations tptz:GetConfigurations lists (None: not read): PTZ presence when nothing else shows it."""
    if not isinstance(out, Reply):
        return None
    try:
        return P.ptz_configuration_tokens(out.element)
    except DeviceError:
        return None


async def _presets_and_tours(ctx: ReadContext, tokens: list[str], nodes: list[PtzNode] | None,
                             profiles: list[MediaProfile] | None) -> None:
    nodes_fact = ctx.sheet.facts["ptz.nodes"]
    if not tokens:
        for key in ("ptz.presets", "ptz.tours"):
            if nodes == []:
                ctx.sheet.ok(key, [], FACT_CATALOGUE[key].source, nodes_fact.evidence,
                              reason="the device reports no PTZ node and no profile has a PTZ configuration")
            elif profiles is None:
                ctx.sheet.fail(key, FactStatus.NOT_PROBED, FACT_CATALOGUE[key].source, ctx.profiles_failed())
            else:
                ctx.sheet.fail(key, FactStatus.NOT_PROBED, FACT_CATALOGUE[key].source,
                                "no media profile has a PTZ configuration to ask with")
        return
    if len(tokens) > MAX_FANOUT:
        for key in ("ptz.presets", "ptz.tours"):
            ctx.sheet.fail(key, FactStatus.ERROR, FACT_CATALOGUE[key].source,
                            f"{len(tokens)} PTZ configurations; more than the {MAX_FANOUT} camaudit asks about")
        return
    # Presets and tours belong to the PTZ configuration: ask through one profile per configuration.
    presets = [(t, ctx.call("tptz:GetPresets", (("ProfileToken", t),))) for t in tokens]
    tours = [(t, ctx.call("tptz:GetPresetTours", (("ProfileToken", t),))) for t in tokens]
    outs = await asyncio.gather(*(c for _, c in presets + tours))
    n = len(tokens)
    ctx.merge("ptz.presets", "tptz:GetPresets",
               [(f"profile {t}", o) for t, o in zip(tokens, outs[:n], strict=True)], P.ptz_presets,
               dedupe=lambda preset: preset.token)
    ctx.merge("ptz.tours", "tptz:GetPresetTours",
               [(f"profile {t}", o) for t, o in zip(tokens, outs[n:], strict=True)], P.ptz_tours,
               dedupe=lambda tour: tour.token)


def _ptz_present(ctx: ReadContext, nodes: list[PtzNode] | None, by_config: dict[str, str], configs: list[str] | None,
                 note: str | None) -> None:
    """Present when any read shows a PTZ head; absent only when the PTZ service itself says none."""
    key, nodes_fact = "ptz.present", ctx.sheet.facts["ptz.nodes"]
    if nodes:
        ctx.sheet.ok(key, True, "tptz:GetNodes", nodes_fact.evidence, reason=note)
    elif by_config:
        ctx.sheet.ok(key, True, "tr2:GetProfiles" if ctx.sheet.facts.get("media.service", NOT_READ).value
                      == "media2" else "trt:GetProfiles", ctx.profiles_fact.evidence if ctx.profiles_fact
                      else None, reason="; ".join(x for x in (
                          f"media profiles carry PTZ configuration {', '.join(sorted(by_config))}",
                          None if nodes_fact.ok else f"tptz:GetNodes {nodes_fact.status}: {nodes_fact.reason}",
                          note) if x))
    elif configs:
        ctx.sheet.ok(key, True, "tptz:GetConfigurations", reason="; ".join(x for x in (
            f"PTZ configurations {', '.join(configs)} exist", note) if x))
    elif nodes == [] and configs is not None:
        ctx.sheet.ok(key, False, "tptz:GetNodes", nodes_fact.evidence, reason="; ".join(x for x in (
            "the PTZ service reports no node and no configuration", note) if x))
    else:
        ctx.sheet.fail(key, nodes_fact.status if not nodes_fact.ok else FactStatus.ERROR, "tptz:GetNodes",
                        "; ".join(x for x in (f"ptz.nodes is {nodes_fact.status}: {nodes_fact.reason}"
                                              if not nodes_fact.ok else "tptz:GetConfigurations failed",
                                              note) if x), nodes_fact.evidence)
