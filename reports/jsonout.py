"""Machine-readable files: the scan document (JSON, with a published JSON Schema) and JSON Lines of findings.

The scan document is versioned by its `schema` field (`camaudit.scan/3`; `/1` and `/2` documents still
load, /1 with read status and coverage derived from their facts and findings); its JSON Schema is
generated from the pydantic models, the value of every fact key included (probes/factvalues/), and
published in reports/schema/scan.schema.json, the fact values alone in reports/schema/facts.schema.json
(regenerate both with `python -m reports.jsonout`).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from probes.errors import ConfigError
from probes.factvalues.schema import fact_value_schemas
from profiles.findings import Finding
from reports._index import device_index, device_name
from reports._jsonio import json_line
from reports.coverage import coverage_of, verdict_sentence
from reports.model import READABLE_SCHEMAS, SCHEMA_ID, ScanResult
from reports.textsafety import json_escape, json_escape_bytes

SCHEMA_PATH = Path(__file__).parent / "schema" / "scan.schema.json"
FACTS_SCHEMA_PATH = Path(__file__).parent / "schema" / "facts.schema.json"
FINDING_LINE_SCHEMA = "camaudit.finding/1"
COVERAGE_LINE_SCHEMA = "camaudit.coverage/1"  # the one last line of a JSON Lines file
_CONTEXT_FACTS = ("identity.manufacturer", "identity.model", "identity.firmware", "identity.serial")


def scan_json_schema() -> dict[str, Any]:
    """JSON Schema (2020-12) of the scan document, as written by `write_json`."""
    schema = ScanResult.model_json_schema(by_alias=True, mode="serialization")
    schema["properties"]["schema"] = {
        "const": SCHEMA_ID,
        "title": "Schema",
        "description": "Document type and major version",
    }
    schema.setdefault("required", [])
    if "schema" not in schema["required"]:
        schema["required"].insert(0, "schema")
    values, definitions = fact_value_schemas()
    clash = definitions.keys() & schema["$defs"].keys()
    if clash:
        raise RuntimeError(f"fact value models named like scan models: {sorted(clash)}")
    schema["$defs"] |= definitions
    schema["$defs"]["DeviceFacts"]["properties"]["facts"]["properties"] = {
        key: {"allOf": [{"$ref": "#/$defs/Fact"}, {"properties": {"value": value}}]} for key, value in values.items()
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        # an identifier, not a location to fetch
        "$id": f"https://camaudit.invalid/schema/scan/{SCHEMA_ID.rpartition('/')[2]}",
        "title": "camaudit scan document",
        "description": f"One scan: devices with their facts, and findings. Versioned by schema={SCHEMA_ID}.",
        **{k: v for k, v in schema.items() if k not in ("title", "description")},
    }


def facts_json_schema() -> dict[str, Any]:
    """JSON Schema (2020-12) of the fact values: an object with one property per fact key."""
    values, definitions = fact_value_schemas()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://camaudit.invalid/schema/facts/{SCHEMA_ID.rpartition('/')[2]}",
        "title": "camaudit fact values",
        "description": "The value of every fact key (null: no value), as `devices[].facts[key].value` holds it in "
                       f"a {SCHEMA_ID} document. Models and keys: probes/factvalues/.",
        "type": "object",
        "properties": values,
        "additionalProperties": False,
        "$defs": definitions,
    }


def load_scan(path: str | Path) -> ScanResult:
    """Read a scan document back; a bad file raises ConfigError naming the file, line or field."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the scan document: {exc}", path=str(path)) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"not JSON: {exc.msg} (column {exc.colno})", path=str(path), line=exc.lineno
        ) from None
    if not isinstance(data, dict) or "meta" not in data:
        raise ConfigError("not a camaudit scan document (no 'meta')", path=str(path))
    schema = data.get("schema", SCHEMA_ID)
    if schema not in READABLE_SCHEMAS:
        raise ConfigError(
            f"schema {schema!r} is not supported (this camaudit reads {', '.join(READABLE_SCHEMAS)})",
            path=str(path),
            field="schema",
        )
    try:
        return ScanResult.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(x) for x in err["loc"])
        more = f" (and {exc.error_count() - 1} more problems)" if exc.error_count() > 1 else ""
        raise ConfigError(f"{err['msg']}{more}", path=str(path), field=field) from None


_STREAMED = ("devices", "findings")  # the large lists: written one item per line


def write_json(result: ScanResult, path: Path) -> None:
    """The whole scan document (what `camaudit report` and `camaudit evaluate` read back).

    Streamed field by field, and item by item for devices and findings, so that a 1,000-camera
    document (~80 MB) never exists in memory as one string; each item is one line.
    """
    serializer = ScanResult.__pydantic_serializer__
    with Path(path).open("wb") as out:
        out.write(b"{")
        for index, (name, info) in enumerate(ScanResult.model_fields.items()):
            key = json.dumps(info.alias or name).encode()
            out.write(b"\n  " if index == 0 else b",\n  ")
            out.write(key + b": ")
            items = getattr(result, name)
            if name in _STREAMED:
                out.write(b"[")
                for position, item in enumerate(items):
                    out.write(b"\n    " if position == 0 else b",\n    ")
                    out.write(json_escape_bytes(type(item).__pydantic_serializer__.to_json(item, by_alias=True)))
                out.write(b"\n  ]" if items else b"]")
            else:
                whole = serializer.to_json(result, include={name}, by_alias=True)  # b'{"key":value}'
                out.write(json_escape_bytes(whole[len(key) + 2:-1]))
        out.write(b"\n}\n")


def _device_context(finding: Finding, result: ScanResult) -> dict[str, Any]:
    dev = device_index(result).get(finding.device_id)
    declared = result.declared.get(finding.device_id)
    device: dict[str, Any] = {
        "id": finding.device_id,
        "name": device_name(result, finding.device_id, finding.device_name),
    }
    if dev is not None:
        device |= {"address": dev.address, "port": dev.port, "mac": dev.mac}
        for key in _CONTEXT_FACTS:
            device[key.split(".", 1)[1]] = dev.value(key)
    if declared is not None:
        device |= {"declared_class": declared.camera_class, "area": declared.area, "sector": declared.sector}
    if dev is not None and dev.read is not None:
        device["read_status"] = dev.read.status
    return device


def _header(result: ScanResult) -> dict[str, Any]:
    return {
        "schema": FINDING_LINE_SCHEMA,
        "scan_id": result.meta.scan_id,
        "site": result.meta.site,
        "scanner_version": result.meta.scanner_version,
        "scan_complete": coverage_of(result).complete,
    }


def coverage_record(result: ScanResult) -> dict[str, Any]:
    """The last JSON Lines record: the scan's coverage, so even a scan without findings says what it covered."""
    cov = coverage_of(result)
    return {"schema": COVERAGE_LINE_SCHEMA, "scan_id": result.meta.scan_id, "site": result.meta.site,
            "scanner_version": result.meta.scanner_version, "complete": cov.complete,
            "verdict": verdict_sentence(result), "coverage": cov.model_dump(mode="json")}


def finding_record(finding: Finding, result: ScanResult) -> dict[str, Any]:
    """A finding with enough device and scan context to stand alone in a SIEM."""
    record = _header(result)
    record |= finding.model_dump(mode="json")
    record["device"] = _device_context(finding, result)
    return record


def write_jsonl(result: ScanResult, path: Path) -> None:
    """JSON Lines, one finding per line with device context (for SIEMs that tail files).

    Same content as `finding_record`, spliced from pydantic's JSON encoder (several times faster
    than dumping dicts for 60,000 findings); the device part is encoded once per device.
    """
    head = json_line(_header(result))[:-2] + ","
    devices: dict[str, str] = {}
    with open(path, "w", encoding="utf-8") as out:
        for finding in result.findings:
            device = devices.get(finding.device_id)
            if device is None:
                device = devices[finding.device_id] = json_line(_device_context(finding, result))[:-1]
            body = finding.model_dump_json()[1:-1]
            out.write(json_escape(f'{head}{body},"device":{device}}}') + "\n")
        out.write(json_line(coverage_record(result)))


def main() -> int:
    """Regenerate the published schema files."""
    SCHEMA_PATH.parent.mkdir(exist_ok=True)
    for path, schema in ((SCHEMA_PATH, scan_json_schema()), (FACTS_SCHEMA_PATH, facts_json_schema())):
        path.write_text(json.dumps(schema, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
