"""Analytics facts: configured modules and rules, supported module types, biometric types found."""

from __future__ import annotations

from probes.factvalues._base import FactValue, fact


class AnalyticsConfig(FactValue):
    """A configured analytics module or rule: its name and its (QName) type."""

    name: str
    type: str | None = None  # "tt:CellMotionEngine", "{ns}Local" ...; None: the device gave none


MODULES = fact("analytics.modules", list[AnalyticsConfig], "tan:GetAnalyticsModules", "Analytics modules")
RULES = fact("analytics.rules", list[AnalyticsConfig], "tan:GetRules", "Analytics rules")
SUPPORTED_MODULES = fact("analytics.supported_modules", list[str], "tan:GetSupportedAnalyticsModules",
                         "Analytics module types the device can run (configured or not)")
BIOMETRIC = fact("analytics.biometric", list[str], "derived from analytics", "Module/rule types that identify people")

SPECS = (MODULES, RULES, SUPPORTED_MODULES, BIOMETRIC)
