"""JSON Schema of the profile format, with each check's parameters (for editors and CI)."""

from __future__ import annotations

from typing import Any

from profiles.checks import REGISTRY
from profiles.model import ProfileDoc


def profile_json_schema() -> dict[str, Any]:
    """The profile file schema; `params` is constrained per `check` with if/then clauses."""
    schema = ProfileDoc.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "camaudit compliance profile"
    defs = schema.setdefault("$defs", {})
    rule = defs["RuleSpec"]
    rule["properties"]["check"] = {"anyOf": [{"enum": sorted(REGISTRY)}, {"type": "null"}],
                                   "description": "Check id", "default": None}
    clauses = []
    for check_id, spec in sorted(REGISTRY.items()):
        params = spec.params.model_json_schema(ref_template="#/$defs/{model}")
        for name, sub in params.pop("$defs", {}).items():
            defs.setdefault(name, sub)
        params["description"] = spec.summary
        clauses.append({"if": {"properties": {"check": {"const": check_id}}, "required": ["check"]},
                        "then": {"properties": {"params": {"anyOf": [params, {"type": "null"}]}}}})
    rule["allOf"] = clauses
    return schema
