"""JSON Schema of every fact value, generated from the family models (published under reports/schema/)."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from probes.factvalues import ALL_SPECS

REF_TEMPLATE = "#/$defs/{model}"


def fact_value_schemas() -> tuple[dict[str, Any], dict[str, Any]]:
    """(fact key -> JSON Schema of its value, $defs of the models they use); None is always allowed."""
    inputs = [(spec.key, "serialization", spec.adapter) for spec in ALL_SPECS]
    by_key, definitions = TypeAdapter.json_schemas(inputs, ref_template=REF_TEMPLATE)  # type: ignore[arg-type]
    values = {key: {"anyOf": [schema, {"type": "null"}]} for (key, _), schema in by_key.items()}
    return values, dict(definitions.get("$defs", {}))
