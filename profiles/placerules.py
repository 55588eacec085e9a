"""Which rules each place of the taxonomy triggers, read from the rules themselves (filters and parameters).

Computed rather than written down twice: a rule names places in its `applies_to` filter or its parameters
(banned areas, allowed areas, minimum-class tables ...); a place triggers every rule that names it or one of
its parents (a fitting room triggers the changing-room rules).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from profiles import places
from profiles.model import Profile, Rule

_SKIP = {"other"}  # the catch-all place triggers nothing by name


def _strings(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(field path, string) for every string and mapping key inside a parameter value."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield path, str(key)
            yield from _strings(item, f"{path}.{key}")
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item, path)


def named_places(rule: Rule) -> dict[places.Kind, set[str]]:
    """The area and sector ids a rule names (field names containing 'sector' hold sectors)."""
    found: dict[places.Kind, set[str]] = {"areas": set(), "sectors": set()}
    raw: dict[str, Any] = {}
    if rule.applies_to is not None:
        raw["applies_to"] = rule.applies_to.model_dump(mode="json")
    if rule.params is not None:
        raw["params"] = rule.params.model_dump(mode="json")
    for path, text in _strings(raw):
        kind: places.Kind = "sectors" if "sector" in path.rsplit(".", 1)[-1] else "areas"
        if text not in _SKIP and text in places.taxonomy(kind).places:
            found[kind].add(text)
    return found


def triggered_rules(profiles: Sequence[Profile]) -> dict[tuple[places.Kind, str], list[Rule]]:
    """For every place: the rules (one per id, first profile wins) that name it or one of its parents."""
    rules: dict[str, Rule] = {}
    for profile in profiles:
        for rule in profile.rules:
            rules.setdefault(rule.id, rule)
    named = {rid: named_places(rule) for rid, rule in rules.items()}
    out: dict[tuple[places.Kind, str], list[Rule]] = {}
    kinds: tuple[places.Kind, ...] = ("areas", "sectors")
    for kind in kinds:
        for place_id in places.taxonomy(kind).places:
            family = places.lineage(kind, place_id)
            out[(kind, place_id)] = [rules[rid] for rid in sorted(rules)
                                     if named[rid][kind] & family]
    return out
