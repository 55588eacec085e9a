"""The check registry and every check module (importing this package registers them all)."""

from profiles.checks import (  # noqa: F401  (imported to register their checks)
    audio,
    biometrics,
    classes,
    cloud,
    declarations,
    identity,
    inventory,
    masks,
    pixels,
    ptz,
    retention,
    sector,
    security,
    thermal,
)
from profiles.checks._registry import (
    MISSING,
    REGISTRY,
    CheckContext,
    CheckOutcome,
    CheckSpec,
    NoParams,
    NotApplicable,
    Params,
    Unknown,
    check,
    run_check,
)

__all__ = ["MISSING", "REGISTRY", "CheckContext", "CheckOutcome", "CheckSpec", "NoParams", "NotApplicable",
           "Params", "Unknown", "check", "run_check"]
