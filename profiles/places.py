"""The place taxonomy (profiles/data/places.yaml): area and sector ids, their synonyms and parents.

Rules name places by id; operators write them in their own words and languages. `normalise_area` turns
what the site file says into an id, and `within` answers "is this place a kind of one of those" through
the parent relation, so a rule about changing rooms also covers fitting rooms without listing them.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

DATA = Path(__file__).parent / "data" / "reference" / "places.yaml"

Kind = Literal["areas", "sectors"]


class Place(BaseModel):
    """One area or sector of the taxonomy."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    title: str
    parents: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    synonyms: Mapping[str, tuple[str, ...]] = Field(default_factory=dict)  # language -> words


class Taxonomy(BaseModel):
    """Every place of one kind, with a lookup from normalised word to id and each place's ancestors."""

    model_config = ConfigDict(frozen=True)

    places: Mapping[str, Place]
    lookup: Mapping[str, str]
    ancestors: Mapping[str, frozenset[str]]


def fold(word: str) -> str:
    """The comparison key of a word: case-folded, accents dropped, spaces/hyphens/apostrophes as '_'."""
    decomposed = unicodedata.normalize("NFKD", str(word).strip().casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    for sep in (" ", "-", "'", "’", "/"):
        plain = plain.replace(sep, "_")
    while "__" in plain:
        plain = plain.replace("__", "_")
    return plain.strip("_")


def _build(raw: Mapping[str, Mapping[str, Any]], kind: str) -> Taxonomy:
    places: dict[str, Place] = {}
    for place_id, body in raw.items():
        synonyms = {lang: tuple(words or ()) for lang, words in dict(body.get("synonyms") or {}).items()}
        places[place_id] = Place(id=place_id, title=str(body["title"]),
                                 parents=tuple(body.get("parents") or ()),
                                 sources=tuple(body.get("sources") or ()), synonyms=synonyms)
    lookup: dict[str, str] = {}
    for place in places.values():
        for word in (place.id, *(w for words in place.synonyms.values() for w in words)):
            key = fold(word)
            if lookup.get(key, place.id) != place.id:
                raise ValueError(f"{DATA.name}: {kind} word {word!r} means both {lookup[key]} and {place.id}")
            lookup[key] = place.id
        for parent in place.parents:
            if parent not in places:
                raise ValueError(f"{DATA.name}: {kind}.{place.id}: unknown parent {parent!r}")
    ancestors = {pid: frozenset(_ancestors(pid, places, ())) for pid in places}
    return Taxonomy(places=places, lookup=lookup, ancestors=ancestors)


def _ancestors(place_id: str, places: Mapping[str, Place], path: tuple[str, ...]) -> set[str]:
    if place_id in path:
        raise ValueError(f"{DATA.name}: parent cycle {' -> '.join((*path, place_id))}")
    found: set[str] = set()
    for parent in places[place_id].parents:
        found |= {parent, *_ancestors(parent, places, (*path, place_id))}
    return found


@functools.cache
def taxonomy(kind: Kind) -> Taxonomy:
    """The taxonomy of areas or sectors (read once)."""
    with DATA.open(encoding="utf-8") as fh:
        doc = yaml.safe_load(fh)
    return _build(doc[kind], kind)


def normalise(kind: Kind, word: object) -> str:
    """The id a site-file word stands for; ValueError naming the nearest ids when it is unknown."""
    tax = taxonomy(kind)
    key = fold(str(word))
    if key in tax.lookup:
        return tax.lookup[key]
    import difflib
    near = difflib.get_close_matches(key, list(tax.lookup), n=3)
    ids = list(dict.fromkeys(tax.lookup[n] for n in near))  # closest first, each id once
    hint = f"; did you mean {' or '.join(repr(i) for i in ids)}?" if ids else ""
    raise ValueError(f"not a known {kind[:-1]} (ids and synonyms: `camaudit profiles areas`){hint}")


def normalise_area(word: object) -> str:
    return normalise("areas", word)


def normalise_sector(word: object) -> str:
    return normalise("sectors", word)


def lineage(kind: Kind, place_id: str | None) -> frozenset[str]:
    """The place and every place it is a kind of (empty for None)."""
    if place_id is None:
        return frozenset()
    tax = taxonomy(kind)
    return frozenset({str(place_id)}) | tax.ancestors.get(str(place_id), frozenset())


def within(area: str | None, areas: Iterable[str], kind: Kind = "areas") -> bool:
    """Whether `area` is one of `areas` or a kind of one of them (fitting_room is within [changing_room])."""
    wanted = {str(a) for a in areas}
    return bool(wanted) and not wanted.isdisjoint(lineage(kind, area))


def matching(area: str | None, areas: Iterable[str], kind: Kind = "areas") -> str | None:
    """The entry of `areas` that `area` falls under (itself first, then the nearest listed ancestor)."""
    listed = [str(a) for a in areas]
    if area is None:
        return None
    if str(area) in listed:
        return str(area)
    family = lineage(kind, area)
    return next((a for a in listed if a in family), None)


def describe(kind: Kind, place_id: str, listed: str | None) -> str:
    """'fitting_room (a kind of changing_room)' when the rule matched through a parent."""
    return place_id if listed in (None, place_id) else f"{place_id} (a kind of {listed})"
