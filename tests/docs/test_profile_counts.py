"""docs/profiles.md's table of shipped profiles counts the rules each profile really has."""

from __future__ import annotations

import re
from pathlib import Path

from profiles import list_profiles

ROOT = Path(__file__).resolve().parents[2]
ROW = re.compile(r"^\| `([a-z0-9-]+)` \| [^|]+ \| (\d+)(?: \+ (\d+))? \|$", re.M)


def test_rule_counts_in_docs_match_the_shipped_profiles() -> None:
    infos = {i.id: i for i in list_profiles()}
    rows = {m.group(1): (int(m.group(2)), int(m.group(3) or 0))
            for m in ROW.finditer((ROOT / "docs" / "profiles.md").read_text(encoding="utf-8"))}
    assert set(rows) == set(infos)
    for pid, (own, inherited) in rows.items():
        expected_inherited = sum(infos[e].rules for e in infos[pid].extends)
        assert (own, inherited) == (infos[pid].rules - expected_inherited, expected_inherited), pid
