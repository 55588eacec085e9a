"""The official OCSF 1.8.0 Compliance Finding schema as a validator (same source as the reports tests)."""

from __future__ import annotations

from functools import cache

import jsonschema


@cache
def ocsf_validator() -> jsonschema.Draft202012Validator:
    from ocsf_json_schema import OcsfJsonSchemaEmbedded, get_ocsf_schema

    schema = OcsfJsonSchemaEmbedded(get_ocsf_schema("1.8.0")).get_class_schema("compliance_finding")
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def ocsf_errors(event: dict) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in ocsf_validator().iter_errors(event)]
