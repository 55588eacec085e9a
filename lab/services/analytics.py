"""Analytics (tan, ver20): supported and configured analytics modules and rules (QName types)."""

from __future__ import annotations

from typing import Any

from lab.model import Analytics, AnalyticsItem, Service
from lab.services._registry import Ctx, capabilities, op
from lab.soap import SoapRequest, invalid_arg, qname_value, sub

A = Service.ANALYTICS


def _qname(el: Any, analytics: Analytics, value: str) -> str:
    prefix, local = value.split(":", 1)
    return qname_value(el, analytics.prefix_map()[prefix], local)


def config_item(parent: Any, name: str, item: AnalyticsItem, analytics: Analytics) -> Any:
    el = sub(parent, name, attrs={"Name": item.name})
    el.set("Type", _qname(el, analytics, item.type))
    params = sub(el, "tt:Parameters")
    for key, value in item.parameters.items():
        sub(params, "tt:SimpleItem", attrs={"Name": key, "Value": value})
    return el


def _analytics(ctx: Ctx, req: SoapRequest) -> Analytics:
    analytics = ctx.cam.analytics or Analytics()
    token = req.arg("ConfigurationToken")
    if token != analytics.configuration_token:
        raise invalid_arg("NoConfig", f"no analytics configuration {token!r}")
    return analytics


@capabilities(A)
def analytics_capabilities(ctx: Ctx, parent: Any) -> Any:
    return sub(parent, "tan:Capabilities", attrs={"RuleSupport": True, "AnalyticsModuleSupport": True,
                                                  "CellBasedSceneDescriptionSupported": False})


def _descriptions(parent: Any, name: str, types: list[str], analytics: Analytics) -> None:
    for qname in dict.fromkeys(types):
        el = sub(parent, name)
        el.set("Name", _qname(el, analytics, qname))
        sub(el, "tt:Parameters")


@op(A, "GetSupportedAnalyticsModules")
def get_supported_analytics_modules(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    analytics = _analytics(ctx, req)
    _supported(resp, "tan:SupportedAnalyticsModules", "tt:AnalyticsModuleDescription", analytics,
               analytics.supported_modules, analytics.modules)


@op(A, "GetAnalyticsModules")
def get_analytics_modules(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    analytics = _analytics(ctx, req)
    for module in analytics.modules:
        config_item(resp, "tan:AnalyticsModule", module, analytics)


@op(A, "GetSupportedRules")
def get_supported_rules(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    analytics = _analytics(ctx, req)
    _supported(resp, "tan:SupportedRules", "tt:RuleDescription", analytics, analytics.supported_rules,
               analytics.rules)


def _supported(resp: Any, name: str, description: str, analytics: Analytics, declared: list[str] | None,
               configured: list[AnalyticsItem]) -> None:
    """The supported types: those the fleet file declares, else the types of what is configured."""
    types = declared if declared is not None else [item.type for item in configured]
    _descriptions(sub(resp, name), description, types, analytics)


@op(A, "GetRules")
def get_rules(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    analytics = _analytics(ctx, req)
    for rule in analytics.rules:
        config_item(resp, "tan:Rule", rule, analytics)
