"""Load profiles (shipped ids or user YAML files), resolve `extends:` and validate every rule's parameters.

Every mistake becomes a ConfigError naming file, line and field: an unknown
check id, an unknown or ill-typed parameter, an override of a rule that does
not exist, an `extends` cycle.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from probes.errors import ConfigError
from profiles.checks import REGISTRY
from profiles.findings import Reference
from profiles.model import Profile, ProfileDoc, Rule, RuleSpec
from profiles.yamlfile import LocatedYaml, load_yaml, validate_located

SHIPPED_DIR = Path(__file__).resolve().parent / "data"


class ProfileError(ConfigError):
    """A profile file is invalid (the message names file, line and field)."""


@dataclass(frozen=True, slots=True)
class ProfileInfo:
    id: str
    title: str
    source: str
    jurisdiction: str
    version: str
    extends: tuple[str, ...]
    rules: int
    path: Path


def shipped_ids() -> list[str]:
    return sorted(p.stem for p in SHIPPED_DIR.glob("*.yaml"))


def _locate(ref: str, base: Path | None) -> Path:
    """A shipped id or a path (relative to the referring file's folder, else the working directory)."""
    looks_like_path = ref.endswith((".yaml", ".yml")) or "/" in ref or "\\" in ref
    if not looks_like_path:
        shipped = SHIPPED_DIR / f"{ref}.yaml"
        if shipped.is_file():
            return shipped
        close = difflib.get_close_matches(ref, shipped_ids(), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else f" (shipped: {', '.join(shipped_ids())})"
        raise ProfileError(f"unknown profile {ref!r}{hint}")
    path = Path(ref)
    if not path.is_absolute() and base is not None and (base / path).exists():
        path = base / path
    return path.resolve()


def _error(doc: LocatedYaml, loc: tuple[str | int, ...], message: str) -> ProfileError:
    return ProfileError(message, path=doc.path, line=doc.line_of(loc), field=".".join(map(str, loc)))


def _validate_params(doc: LocatedYaml, index: int, check_id: str, raw: dict[str, Any]) -> Any:
    spec = REGISTRY[check_id]
    try:
        return spec.validate_params(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ("rules", index, "params", *first["loc"])
        kind = first.get("type")
        if kind == "extra_forbidden":
            known = ", ".join(spec.params.model_fields) or "none"
            msg = f"unknown parameter for check {check_id!r} (known: {known})"
        elif kind == "missing":
            msg = f"required parameter of check {check_id!r} is missing"
        else:
            msg = str(first.get("msg", "invalid")).removeprefix("Value error, ")
            if isinstance(first.get("input"), (str, int, float, bool)):
                msg += f" (got {first['input']!r})"
        raise _error(doc, loc, msg) from None


_FILE_CACHE: dict[tuple[Path, int, int], tuple[ProfileDoc, LocatedYaml]] = {}


def _read(path: Path) -> tuple[ProfileDoc, LocatedYaml]:
    """Parse and validate one profile file; unchanged files are served from a cache (path, mtime, size)."""
    try:
        info = path.stat()
        key = (path, info.st_mtime_ns, info.st_size)
    except OSError:
        key = None
    if key is not None and key in _FILE_CACHE:
        return _FILE_CACHE[key]
    doc = load_yaml(path)
    spec = validate_located(ProfileDoc, doc)
    if key is not None:
        _FILE_CACHE[key] = (spec, doc)
    return spec, doc


class _Loader:
    def __init__(self) -> None:
        self.cache: dict[Path, Profile] = {}

    def load(self, ref: str, base: Path | None = None, stack: tuple[Path, ...] = ()) -> Profile:
        path = _locate(ref, base)
        if path in stack:
            chain = " -> ".join(p.name for p in (*stack, path))
            raise ProfileError(f"`extends` cycle: {chain}", path=str(stack[-1]), field="extends")
        if path in self.cache:
            return self.cache[path]
        spec, doc = _read(path)
        parents: list[Profile] = []
        for i, parent_ref in enumerate(spec.extends):
            try:
                parents.append(self.load(parent_ref, path.parent, (*stack, path)))
            except ProfileError as exc:
                if exc.path is None:  # unknown id: point at the extends entry
                    raise _error(doc, ("extends", i), exc.detail) from None
                raise
        profile = _resolve(spec, doc, parents, path)
        self.cache[path] = profile
        return profile


def _resolve(spec: ProfileDoc, doc: LocatedYaml, parents: list[Profile], path: Path) -> Profile:
    inherited: dict[str, Rule] = {}
    for parent in parents:
        for rule in parent.rules:
            inherited.setdefault(rule.id, rule)
    own: dict[str, Rule] = {}
    for index, rs in enumerate(spec.rules):
        if rs.id in own:
            raise _error(doc, ("rules", index, "id"), f"rule {rs.id} is defined twice in this profile")
        base = inherited.get(rs.id)
        own[rs.id] = _override(doc, index, rs, base, spec.id) if base else _new_rule(doc, index, rs, spec.id)
    ancestors: list[str] = []
    for parent in parents:
        for pid in (parent.id, *parent.ancestors):
            if pid not in ancestors:
                ancestors.append(pid)
    lineage = tuple(ancestors)
    own = {rid: replace(rule, lineage=lineage, profile_version=spec.version) for rid, rule in own.items()}
    rules = [own.pop(rid) if rid in own else rule for rid, rule in inherited.items()]
    rules.extend(own.values())
    return Profile(ancestors=lineage, id=spec.id, title=spec.title, source=spec.source, jurisdiction=spec.jurisdiction,
                   version=spec.version, extends=tuple(p.id for p in parents), rules=tuple(rules), path=path,
                   description=spec.description, own_rule_ids=frozenset(r.id for r in spec.rules))


def _check_id(doc: LocatedYaml, index: int, check_id: str) -> str:
    if check_id not in REGISTRY:
        close = difflib.get_close_matches(check_id, list(REGISTRY), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else "; run `camaudit profiles checks` for the list"
        raise _error(doc, ("rules", index, "check"), f"unknown check {check_id!r}{hint}")
    return check_id


def _new_rule(doc: LocatedYaml, index: int, rs: RuleSpec, profile_id: str) -> Rule:
    for name in ("severity", "title", "reference"):
        if getattr(rs, name) is None:
            raise _error(doc, ("rules", index, name), f"required field is missing (rule {rs.id} is new, "
                                                      f"not an override of an inherited rule)")
    if not rs.check and not rs.manual:
        raise _error(doc, ("rules", index), f"rule {rs.id} needs `check` (automated) or `manual` (attested)")
    params = None
    if rs.check:
        params = _validate_params(doc, index, _check_id(doc, index, rs.check), rs.params or {})
    elif rs.params:
        raise _error(doc, ("rules", index, "params"), "a manual rule takes no parameters")
    assert rs.severity and rs.title and rs.reference
    return Rule(id=rs.id, title=rs.title, severity=rs.severity, profile=profile_id,
                reference=Reference(source=rs.reference.source, article=rs.reference.article,
                                    title=rs.reference.title),
                check=rs.check, params=params, remediation=rs.remediation or "", applies_to=rs.applies_to,
                manual=rs.manual)


def _override(doc: LocatedYaml, index: int, rs: RuleSpec, base: Rule, profile_id: str) -> Rule:
    """A child's rule with a parent's id: given fields replace the parent's; params merge key by key."""
    check = rs.check or (None if rs.manual else base.check)
    manual = rs.manual or (None if rs.check else base.manual)
    params = None
    if check:
        merged: dict[str, Any] = {}
        if check == base.check and base.params is not None:
            merged = base.params.model_dump(exclude_unset=True)
        merged.update(rs.params or {})
        params = _validate_params(doc, index, _check_id(doc, index, check), merged)
    ref = base.reference
    if rs.reference:
        ref = Reference(source=rs.reference.source, article=rs.reference.article, title=rs.reference.title)
    return Rule(id=rs.id, title=rs.title or base.title, severity=rs.severity or base.severity, reference=ref,
                profile=profile_id, check=check, params=params,
                remediation=rs.remediation if rs.remediation is not None else base.remediation,
                applies_to=rs.applies_to if rs.applies_to is not None else base.applies_to, manual=manual)


def load_profiles(ids_or_paths: Sequence[str]) -> list[Profile]:
    """Load shipped profiles by id or user profiles by path, in order, resolving `extends:`."""
    loader = _Loader()
    return [loader.load(ref) for ref in ids_or_paths]


def list_profiles() -> list[ProfileInfo]:
    """The shipped profiles."""
    infos = []
    for profile in load_profiles(shipped_ids()):
        assert profile.path is not None
        infos.append(ProfileInfo(profile.id, profile.title, profile.source, profile.jurisdiction, profile.version,
                                 profile.extends, len(profile.rules), profile.path))
    return infos
