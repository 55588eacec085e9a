"""The public surface of `profiles` is what __all__ says, and every check registers on import."""

from __future__ import annotations

import re
import subprocess
import sys

import profiles
from profiles.checks import REGISTRY


def test_exported_members() -> None:
    assert sorted(profiles.__all__) == ["Evaluation", "Profile", "ProfileError", "ProfileInfo", "Rule",
                                        "effective_rules", "evaluate", "list_profiles", "load_profiles",
                                        "profile_json_schema", "shipped_ids"]
    for name in profiles.__all__:
        assert getattr(profiles, name) is not None


def test_model_imports_stay_light() -> None:
    """Other packages import profiles.findings; that must not load the checks and profiles."""
    code = "import sys, profiles.findings; print('profiles.checks' in sys.modules, 'profiles.loader' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_check_ids_are_snake_case_with_a_summary() -> None:
    assert len(REGISTRY) >= 45
    for check_id, spec in REGISTRY.items():
        assert re.fullmatch(r"[a-z][a-z0-9_]+", check_id), check_id
        assert spec.id == check_id and spec.summary and spec.summary != check_id, check_id


def test_lazy_table_matches_all() -> None:
    assert sorted(profiles._EXPORTS) == profiles.__all__
