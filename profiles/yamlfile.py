"""Load user-written YAML with line numbers, so validation errors can name file, line and field.

Used for site files and profiles. Duplicate keys are errors (YAML would keep the
last silently), and files are size-capped.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar, get_args, get_origin

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
    loader = _SAFE_LOADER(text)
    try:  # one parse: the data are built from the very node tree that gives the lines
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise ConfigError(f"not valid YAML: {exc.problem or exc}", path=path, line=line) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"not valid YAML: {exc}", path=path) from None
    finally:
        loader.dispose()
    lines: dict[Loc, int] = {}
    if node is not None:
        _walk(node, (), lines, path)
    return LocatedYaml(data, lines, path)


def read_user_file(path: Path, *, max_bytes: int) -> str:
    """A file the user names (site, profile, facts), as UTF-8 text of at most `max_bytes`; a ConfigError naming
    it when it is missing, too large, unreadable or not UTF-8."""
    try:
        if path.stat().st_size > max_bytes:
            raise ConfigError(f"file is larger than {max_bytes} bytes", path=str(path))
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("file not found", path=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read file: {exc}", path=str(path)) from None


def load_yaml(path: str | Path) -> LocatedYaml:
    p = Path(path)
    return parse_yaml(read_user_file(p, max_bytes=MAX_FILE_BYTES), str(p))


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
    """Validate YAML data against a pydantic model; every error becomes a located problem of one ConfigError.

    Problems are in file order. An unknown key gets a "did you mean" from the keys allowed there, and a
    required key it misspells is not reported missing as well (`scop:` is one problem, not two).
    """
    if not isinstance(doc.data, dict):
        raise ConfigError("expected a mapping at the top of the file", path=doc.path, line=1)
    try:
        return model.model_validate(doc.data)
    except ValidationError as exc:
        errors: list[dict[str, Any]] = [dict(e) for e in exc.errors()]
    suggested: set[Loc] = set()
    messages: list[tuple[Loc, str]] = []
    for error in errors:
        loc: Loc = tuple(error["loc"])
        message = _describe(error)
        if error.get("type") == "extra_forbidden" and loc and isinstance(loc[-1], str):
            guess = _did_you_mean(model, loc, doc.data)
            if guess:
                message = f"unknown key; did you mean {guess!r}?"
                suggested.add((*loc[:-1], guess))
        elif error.get("type") in ("enum", "literal_error") and isinstance(error.get("input"), str):
            choices = re.findall(r"'([^']*)'", str((error.get("ctx") or {}).get("expected", "")))
            match = difflib.get_close_matches(error["input"], choices, n=1, cutoff=0.6)
            if match:
                message = f"{error['input']!r} is not allowed here; did you mean {match[0]!r}?"
        messages.append((loc, message))
    problems = [
        ConfigError(message, path=doc.path, line=doc.line_of(loc), field=".".join(map(str, loc)) or "(top level)")
        for loc, message in messages
        if loc not in suggested  # "did you mean 'scope'?" already says that scope is not there
    ]
    problems.sort(key=lambda p: (p.line is None, p.line or 0))
    first, *more = problems
    raise ConfigError(first.detail, path=first.path, line=first.line, field=first.field, more=more)


def _did_you_mean(model: type[BaseModel], loc: Loc, data: Any) -> str | None:
    """The allowed key closest to the unknown key at `loc` (difflib), preferring keys not yet present."""
    allowed = _keys_at(model, loc[:-1])
    if not allowed:
        return None
    present = _value_at(data, loc[:-1])
    present_keys = set(present) if isinstance(present, dict) else set()
    for pool in (allowed - present_keys, allowed):
        match = difflib.get_close_matches(str(loc[-1]), sorted(pool), n=1, cutoff=0.6)
        if match:
            return match[0]
    return None


def _value_at(data: Any, loc: Loc) -> Any:
    for part in loc:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _keys_at(model: type[BaseModel], loc: Loc) -> set[str]:
    """The keys a mapping at `loc` may hold, found by walking the model's annotations (lists, dicts, unions)."""
    current: list[Any] = [model]
    for part in loc:
        following = [a for ann in current for a in _step(ann, part)]
        current = following or current  # a part pydantic adds (a union member's tag) is not a step in the file
    return {key for ann in current for key in _model_keys(ann)}


def _step(annotation: Any, part: str | int) -> list[Any]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if isinstance(part, str):
            return [f.annotation for name, f in annotation.model_fields.items() if part in (name, f.alias)]
        return []
    args = get_args(annotation)
    origin = get_origin(annotation)
    if origin in (list, tuple, set, frozenset, Sequence) and isinstance(part, int):
        return list(args[:1])
    if origin in (dict, Mapping) and len(args) == 2 and isinstance(part, str):
        return [args[1]]
    return [a for arg in args for a in _step(arg, part)]  # Union, Optional, Annotated


def _model_keys(annotation: Any) -> set[str]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return {f.alias or name for name, f in annotation.model_fields.items()}
    return {key for arg in get_args(annotation) for key in _model_keys(arg)}
