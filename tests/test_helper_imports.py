"""Test helpers import by dotted path (`tests.scanner.labscans`): no test edits sys.path or loads a file by path.

pytest puts the repository root on sys.path (`pythonpath` in pyproject.toml); Python children started by tests get
it from tests.support.children.python_env(). The benchmark scripts import as `bench.<script>` (a namespace package).
"""

from __future__ import annotations

import re
from pathlib import Path

TESTS = Path(__file__).resolve().parent
PATH_HACKS = re.compile(r"sys\.path\.(insert|append)\(|spec_from_file_location\(")


def test_no_test_edits_sys_path_or_loads_helpers_by_file() -> None:
    offenders = [f"{path.relative_to(TESTS)}:{n}" for path in sorted(TESTS.rglob("*.py"))
                 if path != Path(__file__).resolve()
                 for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if PATH_HACKS.search(line)]
    assert not offenders, "import helpers as `from tests.<dir> import <module>` instead"
