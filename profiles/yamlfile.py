"""Load user-written YAML with line numbers, so validation errors can name file, line and field.

Used for site files and profiles. Duplicate keys are errors (YAML would keep the
last silently), and files are size-capped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from probes.errors import ConfigError

MAX_FILE_BYTES = 5 * 1024 * 1024
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: same rules, ~10x faster

Loc = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)


class LocatedYaml:
    """Parsed YAML data plus the line of every key/item path."""

    def __init__(self, data: Any, lines: dict[Loc, int], path: str) -> None:
        self.data, self.lines, self.path = data, lines, path

    def line_of(self, loc: Loc) -> int | None:
        """Line of the deepest known prefix of `loc` (1-based)."""
        for end in range(len(loc), -1, -1):
            line = self.lines.get(tuple(loc[:end]))
            if line is not None:
                return line
        return None


def _walk(node: yaml.Node, loc: Loc, lines: dict[Loc, int], path: str) -> None:
    lines.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value
            if key in seen:
                raise ConfigError(f"duplicate key {key!r} (first at line {seen[key]})", path=path,
                                  line=key_node.start_mark.line + 1, field=".".join(map(str, (*loc, key))))
            seen[key] = key_node.start_mark.line + 1
            lines[(*loc, key)] = key_node.start_mark.line + 1
            _walk(value_node, (*loc, key), lines, path)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[(*loc, index)] = item.start_mark.line + 1
            _walk(item, (*loc, index), lines, path)


def parse_yaml(text: str, path: str = "<input>") -> LocatedYaml:
    """Parse YAML text safely (no Python tags, no aliases bombs beyond PyYAML's), keeping lines."""
    if len(text.encode()) > MAX_FILE_BYTES:
        raise ConfigError(f"file is larger than {MAX_FILE_BYTES} bytes", path=path)
    try:
        node = yaml.compose(text, Loader=_SAFE_LOADER)
        data = yaml.load(text, Loader=_SAFE_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise ConfigError(f"not valid YAML: {exc.problem or exc}", path=path, line=line) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"not valid YAML: {exc}", path=path) from None
    lines: dict[Loc, int] = {}
    if node is not None:
        _walk(node, (), lines, path)
    return LocatedYaml(data, lines, path)


def load_yaml(path: str | Path) -> LocatedYaml:
    p = Path(path)
    try:
        if p.stat().st_size > MAX_FILE_BYTES:
            raise ConfigError(f"file is larger than {MAX_FILE_BYTES} bytes", path=str(p))
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("file not found", path=str(p)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read file: {exc}", path=str(p)) from None
    return parse_yaml(text, str(p))


_SECRET_WORDS = ("password", "secret", "token", "key")  # never echo these values back


def _describe(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    msg = str(error.get("msg", "invalid"))
    if kind == "extra_forbidden":
        return "unknown key (not part of the schema; check the spelling)"
    if kind == "missing":
        return "required field is missing"
    if msg.startswith("Value error, "):
        msg = msg.removeprefix("Value error, ")
    inp = error.get("input")
    secret = any(word in str(part).lower() for part in error.get("loc", ()) for word in _SECRET_WORDS)
    if not secret and isinstance(inp, (str, int, float, bool)) and len(str(inp)) < 80:
        return f"{msg} (got {inp!r})"
    return msg


def validate_located(model: type[M], doc: LocatedYaml) -> M:
    """Validate YAML data against a pydantic model; the first error becomes a located ConfigError."""
    if not isinstance(doc.data, dict):
        raise ConfigError("expected a mapping at the top of the file", path=doc.path, line=1)
    try:
        return model.model_validate(doc.data)
    except ValidationError as exc:
        errors = exc.errors()
        first = errors[0]
        loc: Loc = tuple(first["loc"])
        field = ".".join(str(part) for part in loc) or "(top level)"
        more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
        raise ConfigError(_describe(dict(first)) + more, path=doc.path, line=doc.line_of(loc),
                          field=field) from None
