"""CHANGELOG discipline: unreleased changes collect under "Unreleased" at the top, each release has one
section per kind of change, and pyproject's version is the newest release (raised when Unreleased is released)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KINDS = {"Added", "Changed", "Changed (may affect scripts)", "Deprecated", "Removed", "Fixed", "Security", "Internal"}


def _sections() -> list[tuple[str, list[str]]]:
    """(release heading, its `###` headings) in file order."""
    out: list[tuple[str, list[str]]] = []
    for line in (ROOT / "CHANGELOG.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            out.append((line[3:].strip(), []))
        elif line.startswith("### ") and out:
            out[-1][1].append(line[4:].strip())
    return out


def test_unreleased_comes_first_and_releases_are_newest_first() -> None:
    sections = _sections()
    assert sections[0][0] == "Unreleased" or re.match(r"\d+\.\d+\.\d+", sections[0][0])
    versions = [tuple(int(n) for n in m.group(1).split(".")) for title, _ in sections
                if (m := re.match(r"(\d+\.\d+\.\d+)\b", title))]
    assert versions == sorted(versions, reverse=True) and len(set(versions)) == len(versions)
    assert [t for t, _ in sections].count("Unreleased") <= 1


def test_each_section_has_one_list_per_kind_of_change() -> None:
    for title, kinds in _sections():
        assert set(kinds) <= KINDS, f"{title}: unknown kinds {set(kinds) - KINDS}"
        assert len(kinds) == len(set(kinds)), f"{title}: a kind appears twice ({kinds}); add to the first list"


def test_the_package_version_is_the_newest_release() -> None:
    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    released = [t.split()[0] for t, _ in _sections() if re.match(r"\d+\.\d+\.\d+", t)]
    assert released[0] == version, f"pyproject says {version}, the newest CHANGELOG release is {released[0]}"
