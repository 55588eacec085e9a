"""Compliance knowledge: inventory model, checks, YAML profiles, evaluator, findings model.

Public API:
    load_profiles(ids_or_paths) -> list[Profile]     shipped ids or user YAML paths
    list_profiles() -> list[ProfileInfo]             the shipped profiles
    evaluate(devices, inventory, profiles, at=...)   -> Evaluation (.findings, .matches)
    profile_json_schema()                            JSON Schema of the profile format

The names load lazily, so importing a model module (`profiles.findings`) stays cheap for other packages.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from profiles.evaluator import Evaluation, effective_rules, evaluate
    from profiles.loader import ProfileError, ProfileInfo, list_profiles, load_profiles, shipped_ids
    from profiles.model import Profile, Rule
    from profiles.schema import profile_json_schema

_EXPORTS = {
    "Evaluation": "profiles.evaluator", "effective_rules": "profiles.evaluator", "evaluate": "profiles.evaluator",
    "ProfileError": "profiles.loader", "ProfileInfo": "profiles.loader", "list_profiles": "profiles.loader",
    "load_profiles": "profiles.loader", "shipped_ids": "profiles.loader",
    "Profile": "profiles.model", "Rule": "profiles.model", "profile_json_schema": "profiles.schema",
}

__all__ = ["Evaluation", "Profile", "ProfileError", "ProfileInfo", "Rule", "effective_rules", "evaluate",
           "list_profiles", "load_profiles", "profile_json_schema", "shipped_ids"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'profiles' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
