"""Load a fleet file: YAML with line numbers, `defaults:` merged into each camera, clear errors.

The lab keeps its own small located loader (it must not share parsing code with
the scanner). Errors name the file, the line and the field, e.g.
`demo.yaml:42: cameras[3] (bank-vault).recording.recordings[0].max_retention: ...`.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from lab.model import Fleet

MAX_FLEET_BYTES = 8 * 1024 * 1024
Loc = tuple[str | int, ...]


class FleetError(ValueError):
    """A fleet file is invalid; the message names file, line and field."""

    def __init__(self, message: str, *, path: str, line: int | None = None, field: str | None = None,
                 problems: list[str] | None = None) -> None:
        self.path, self.line, self.field, self.detail = path, line, field, message
        self.problems = problems or [message]
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {field + ': ' if field else ''}{message}")


def _walk(node: yaml.Node, loc: Loc, lines: dict[Loc, int], path: str) -> None:
    lines.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value
            line = key_node.start_mark.line + 1
            if key in seen:
                raise FleetError(f"duplicate key {key!r} (first at line {seen[key]})", path=path, line=line,
                                 field=_field((*loc, key)))
            seen[key] = line
            lines[(*loc, key)] = line
            _walk(value_node, (*loc, key), lines, path)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[(*loc, index)] = item.start_mark.line + 1
            _walk(item, (*loc, index), lines, path)


def _field(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def deep_merge(base: Any, override: Any) -> Any:
    """Mappings merge key by key (override wins); anything else is replaced by the override."""
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = deep_merge(base[key], value) if key in base else value
        return merged
    return copy.deepcopy(override)


def parse_fleet(text: str, path: str = "<fleet>") -> Fleet:
    """Parse and validate fleet YAML text."""
    if len(text.encode()) > MAX_FLEET_BYTES:
        raise FleetError(f"file is larger than {MAX_FLEET_BYTES} bytes", path=path)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise FleetError(f"not valid YAML: {exc.problem or exc}", path=path,
                         line=mark.line + 1 if mark else None) from None
    except yaml.YAMLError as exc:
        raise FleetError(f"not valid YAML: {exc}", path=path) from None
    lines: dict[Loc, int] = {}
    if node is not None:
        _walk(node, (), lines, path)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise FleetError("the top level must be a mapping with version, defaults and cameras", path=path, line=1)
    defaults = data.get("defaults") or {}
    cameras = data.get("cameras")
    if not isinstance(defaults, dict):
        raise FleetError("must be a mapping", path=path, line=lines.get(("defaults",)), field="defaults")
    if cameras is not None and not isinstance(cameras, list):
        raise FleetError("must be a list of cameras", path=path, line=lines.get(("cameras",)), field="cameras")
    merged = dict(data)
    if cameras:
        merged["cameras"] = [deep_merge(defaults, cam) if isinstance(cam, dict) else cam for cam in cameras]
    try:
        return Fleet.model_validate(merged)
    except ValidationError as exc:
        raise _located(exc, lines, path, cameras or []) from None


def _best_line(loc: Loc, lines: dict[Loc, int]) -> tuple[int, int | None]:
    for end in range(len(loc), -1, -1):
        line = lines.get(tuple(loc[:end]))
        if line is not None:
            return end, line
    return 0, None


def _located(exc: ValidationError, lines: dict[Loc, int], path: str, cameras: list[Any]) -> FleetError:
    problems: list[tuple[int | None, str, str]] = []
    from_defaults: set[tuple[int | None, str]] = set()  # one report per mistake in `defaults:`
    for err in exc.errors():
        loc: Loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        depth, line = _best_line(loc, lines)
        if len(loc) >= 2 and loc[0] == "cameras" and isinstance(loc[1], int):
            # A value that came from `defaults:` is located there when that is more precise.
            d_depth, d_line = _best_line(("defaults", *loc[2:]), lines)
            if d_line is not None and d_depth - 1 > depth - 2:
                if (d_line, err["msg"]) in from_defaults:
                    continue
                from_defaults.add((d_line, err["msg"]))
                line = d_line
            cam = cameras[loc[1]] if loc[1] < len(cameras) else None
            name = cam.get("name") if isinstance(cam, dict) else None
            field = f"cameras[{loc[1]}]" + (f" ({name})" if name else "") + (
                "." + _field(loc[2:]) if len(loc) > 2 else "")
            field = field.replace(".[", "[")
        else:
            field = _field(loc)
            if loc and loc[0] == "defaults":
                from_defaults.add((line, err["msg"]))
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown key (typo?)"
        problems.append((line, field, msg))
    first_line, first_field, first_msg = problems[0]
    text = [f"{path}:{ln}: {fld}: {m}" if ln else f"{path}: {fld}: {m}" for ln, fld, m in problems]
    message = first_msg if len(problems) == 1 else first_msg + f" (and {len(problems) - 1} more problems)"
    return FleetError(message, path=path, line=first_line, field=first_field, problems=text)


def load_fleet(path: str | Path) -> Fleet:
    """Load and validate a fleet file."""
    p = Path(path)
    try:
        if p.stat().st_size > MAX_FLEET_BYTES:
            raise FleetError(f"file is larger than {MAX_FLEET_BYTES} bytes", path=str(p))
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise FleetError(f"cannot read: {exc.strerror}", path=str(p)) from None
    except UnicodeDecodeError:
        raise FleetError("not UTF-8 text", path=str(p)) from None
    return parse_fleet(text, str(p))
