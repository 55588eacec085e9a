"""The place taxonomy through the evaluator: every synonym of every area and sector, in every language, reaches
the rules of its place and of its parents (fitting room -> changing room -> GR-CORE-1)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from profiles import evaluate, load_profiles, places
from profiles.findings import Result as R
from profiles.inventory import AreaType, Declaration, Sector
from tests.profiles.factbook import camera, decl, inventory

AT = datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("Europe/Athens"))
GR = load_profiles(["gr-hdpa-1-2011"])
CORE_BANNED = {"toilet", "bathroom", "changing_room"}  # GR-CORE-1 (GR art 6.3), by id in the profile


def _words(kind: places.Kind) -> list[tuple[str, str, str]]:
    """(place id, language, word) for every id and synonym."""
    rows = []
    for place in places.taxonomy(kind).places.values():
        rows.append((place.id, "id", place.id))
        rows += [(place.id, lang, word) for lang, words in place.synonyms.items() for word in words]
    return rows


def _finding(declaration: Declaration | None, rule_id: str, profiles=GR, **inv):  # type: ignore[no-untyped-def]
    device = camera()
    inv_decls = [declaration] if declaration else []
    evaluation = evaluate([device], inventory(*inv_decls, **inv), profiles, at=AT)
    [found] = [f for f in evaluation.findings if f.rule_id == rule_id]
    return found


def test_taxonomy_and_vocabularies_agree() -> None:
    assert set(places.taxonomy("areas").places) == {a.value for a in AreaType}
    assert set(places.taxonomy("sectors").places) == {s.value for s in Sector}


def test_every_place_names_a_source_and_each_language() -> None:
    for kind in ("areas", "sectors"):
        for place in places.taxonomy(kind).places.values():  # type: ignore[arg-type]
            if place.id == "other":
                continue
            assert place.sources, place.id
            assert {"en", "cs", "el", "fr", "nl", "de"} <= set(place.synonyms), place.id


@pytest.mark.parametrize(("place_id", "lang", "word"), _words("areas"))
def test_every_area_word_reaches_gr_core_1(place_id: str, lang: str, word: str) -> None:
    """GR-CORE-1 fails exactly for toilets, baths, changing rooms and their kinds, whatever the word or sector."""
    for sector in ("shop", "office"):
        declaration = decl(area=word.upper() if lang == "en" else word, sector=sector)
        assert declaration.area == place_id
        finding = _finding(declaration, "GR-CORE-1")
        expected = R.FAIL if places.lineage("areas", place_id) & CORE_BANNED else R.PASS
        assert finding.result is expected, (word, sector, finding.message)
        if expected is R.FAIL:
            assert place_id in finding.message


@pytest.mark.parametrize(("place_id", "lang", "word"), _words("sectors"))
def test_every_sector_word_selects_its_rules(place_id: str, lang: str, word: str) -> None:
    """GR-SCHOOL-1 applies to schools and their kinds (nursery); it is not applicable elsewhere."""
    declaration = decl(sector=word, area="corridor")
    assert declaration.sector == place_id
    finding = _finding(declaration, "GR-SCHOOL-1")
    applies = bool(places.lineage("sectors", place_id) & {"school"})
    assert (finding.result is not R.NOT_APPLICABLE) is applies, (word, finding.result, finding.message)


@pytest.mark.parametrize(("area", "sector", "rule", "result", "text"), [
    # the cases: a shop fitting room fails the critical rule, and so does one outside a shop
    ("fitting_room", "shop", "GR-CORE-1", R.FAIL, "fitting_room (a kind of changing_room)"),
    ("fitting_room", "shop", "GR-SHOP-1", R.FAIL, "fitting_room"),
    ("cabine d'essayage", "hotel", "GR-CORE-1", R.FAIL, "fitting_room (a kind of changing_room)"),
    ("Umkleide", "factory", "GR-CORE-1", R.FAIL, "changing_room"),
    ("αποδυτήρια προσωπικού", "hospital", "GR-CORE-1", R.FAIL, "staff_changing_room (a kind of changing_room)"),
    ("toilet anteroom", "office", "GR-CORE-1", R.FAIL, "toilet_anteroom (a kind of toilet)"),
    ("sauna", "hotel", "GR-CORE-1", R.FAIL, "sauna (a kind of bathroom)"),
    ("sauna", "hotel", "GR-HOTEL-1", R.FAIL, "sauna (a kind of"),
    ("gym", "hotel", "GR-HOTEL-1", R.FAIL, "gym (a kind of leisure)"),
    ("schoolyard", "school", "GR-CORE-1", R.PASS, "not a forbidden place"),
    ("staff toilet", "shop", "GR-SHOP-1", R.FAIL, "staff_toilet (a kind of toilet)"),
    ("zkušební kabinka", "mall", "GR-SHOP-1", R.FAIL, "fitting_room"),
    ("guest room corridor", "hotel", "GR-HOTEL-1", R.FAIL, "hotel_corridor"),
])
def test_places_through_parents(area: str, sector: str, rule: str, result: R, text: str) -> None:
    finding = _finding(decl(area=area, sector=sector), rule)
    assert finding.result is result, finding.message
    assert text in finding.message


def test_unknown_rows_placeholder_and_undeclared() -> None:
    guessed = _finding(decl(area="fitting room", placeholders=["area"]), "GR-CORE-1")
    assert guessed.result is R.UNKNOWN and "placeholder" in guessed.message
    undeclared = _finding(None, "GR-CORE-1")
    assert undeclared.result is R.UNKNOWN and undeclared.needs_declaration


def test_unknown_word_is_an_error_naming_the_nearest_places() -> None:
    with pytest.raises(ValueError, match=r"not a known area .*did you mean 'fitting_room'"):
        decl(area="fiting room")


def test_no_word_means_two_places() -> None:
    for kind in ("areas", "sectors"):
        tax = places.taxonomy(kind)  # type: ignore[arg-type]
        for word, place_id in tax.lookup.items():
            assert place_id in tax.places and word == places.fold(word)


def test_profiles_areas_lists_the_taxonomy_with_rules() -> None:
    out = subprocess.run([sys.executable, "-m", "scanner", "profiles", "areas", "--json"], capture_output=True,
                         text=True, check=True).stdout
    doc = json.loads(out)
    fitting = next(a for a in doc["areas"] if a["id"] == "fitting_room")
    assert fitting["parents"] == ["changing_room"]
    assert "cabine d'essayage" in fitting["synonyms"]["fr"]
    assert {"GR-CORE-1", "GR-SHOP-1", "GR-HOTEL-1"} <= {r["id"] for r in fitting["rules"]}
    core = next(r for r in fitting["rules"] if r["id"] == "GR-CORE-1")
    assert core["source"] == "GR" and core["article"] == "art 6.3"
    nursery = next(s for s in doc["sectors"] if s["id"] == "nursery")
    assert "GR-SCHOOL-1" in {r["id"] for r in nursery["rules"]}
