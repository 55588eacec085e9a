"""Analytics: the modules, rules and supported module types of each analytics configuration, and the biometric
types among them."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

from probes.errors import DeviceError
from probes.facts import FACT_CATALOGUE, Fact, FactStatus
from probes.factvalues.analytics import AnalyticsConfig
from probes.onvif import _parsers as P
from probes.onvif._ns import Service
from probes.onvif._xml import Element
from probes.onvif.services._context import MAX_FANOUT, ReadContext, evidence_of, status_of

KEYS = ("analytics.modules", "analytics.rules", "analytics.supported_modules", "analytics.biometric")
"""The facts this reader sets."""


async def read_analytics(ctx: ReadContext) -> None:
    ctx.sheet.start(*KEYS)
    try:
        await _analytics(ctx, KEYS[:3])
    finally:
        if "analytics.biometric" not in ctx.sheet.facts:
            ctx.derive("analytics.biometric", ["analytics.modules", "analytics.rules"], biometric_types)


async def _analytics(ctx: ReadContext, keys: tuple[str, ...]) -> None:
    profiles = await ctx.wait_profiles()
    tokens = sorted({p.analytics for p in profiles or [] if p.analytics})
    if Service.ANALYTICS not in ctx.urls:
        why = ctx.absence(Service.ANALYTICS)
        if why is not None and profiles is not None and not tokens:
            ctx.mark_absent((*keys, "analytics.biometric"), Service.ANALYTICS,
                             f"{why}, and no media profile has an analytics configuration", also=", media profiles")
            return
        if not tokens:
            for key in keys:
                ctx.sheet.fail(key, ctx.no_service_status() if profiles is not None else FactStatus.NOT_PROBED,
                                FACT_CATALOGUE[key].source, ctx.no_service_reason(Service.ANALYTICS)
                                if profiles is not None else ctx.profiles_failed())
            return
        # only the profiles name it: many devices serve every service at one URL
        ctx.urls[Service.ANALYTICS] = ctx.device_xaddr
        ctx.conflicts[Service.ANALYTICS] = (
            f"sources disagree: media profiles carry analytics configuration {', '.join(tokens)} but no "
            "service list names an analytics service; asked at the device service address")
    source_note = None
    if not tokens:
        # No profile references an analytics configuration: ask the media service for all of them.
        op = ("tr2:GetAnalyticsConfigurations" if ctx.sheet.facts.get("media.service", Fact(
            status=FactStatus.NOT_PROBED)).value == "media2" else "trt:GetVideoAnalyticsConfigurations")
        ns = Service.MEDIA2.namespace if op.startswith("tr2") else Service.MEDIA.namespace
        out = await ctx.call(op)
        if isinstance(out, DeviceError):
            why = f"no analytics configuration in the profiles, and {op} failed: {out}"
            for key in keys:
                ctx.sheet.fail(key, status_of(out) if profiles is not None else FactStatus.NOT_PROBED,
                                FACT_CATALOGUE[key].source,
                                why if profiles is not None else ctx.profiles_failed())
            return
        try:
            tokens = P.analytics_configuration_tokens(out.element, ns)
        except DeviceError as exc:
            for key in keys:
                ctx.sheet.fail(key, FactStatus.ERROR, op, str(exc), evidence_of(op, out))
            return
        source_note = f"configuration tokens from {op}"
    if not tokens:
        for key in keys:
            ctx.sheet.ok(key, [], FACT_CATALOGUE[key].source, reason="the device has no analytics configuration")
        return
    if len(tokens) > MAX_FANOUT:
        for key in keys:
            ctx.sheet.fail(key, FactStatus.ERROR, FACT_CATALOGUE[key].source,
                            f"{len(tokens)} analytics configurations; more than the {MAX_FANOUT} camaudit "
                            "asks about")
        return
    ops: tuple[tuple[str, str, Callable[[Element], Sequence[AnalyticsConfig | str]]], ...] = (
           ("analytics.supported_modules", "tan:GetSupportedAnalyticsModules", P.supported_analytics_modules),
           ("analytics.modules", "tan:GetAnalyticsModules", P.analytics_modules),
           ("analytics.rules", "tan:GetRules", P.analytics_rules))
    calls = [ctx.call(op, (("ConfigurationToken", t),)) for _, op, _ in ops for t in tokens]
    outs = await asyncio.gather(*calls)
    n = len(tokens)
    for i, (key, op, parse) in enumerate(ops):
        chunk = outs[i * n:(i + 1) * n]
        ctx.merge(key, op, [(f"configuration {t}", o) for t, o in zip(tokens, chunk, strict=True)], parse)
        if source_note and key in ctx.sheet.facts and ctx.sheet.facts[key].ok:
            f = ctx.sheet.facts[key]
            ctx.sheet.facts[key] = f.model_copy(update={"reason": source_note})


_BIOMETRIC_WORDS = ("facerecogn", "facematch", "faceident", "facecompar", "facesearch", "reidentif", "personreid",
                    "biometric", "gaitrecogn", "irisrecogn", "faceverif")


def is_biometric(kind: str) -> bool:
    """Module/rule types that identify people (tt:FaceRecognition and vendor equivalents)."""
    flat = kind.rpartition(":")[2].rpartition("}")[2].lower().replace("_", "").replace("-", "")
    return any(word in flat for word in _BIOMETRIC_WORDS)


def biometric_types(modules: list[AnalyticsConfig] | None, rules: list[AnalyticsConfig] | None) -> list[str]:
    kinds = [m.type for m in (modules or []) + (rules or []) if m.type]
    return sorted({k for k in kinds if is_biometric(k)})
