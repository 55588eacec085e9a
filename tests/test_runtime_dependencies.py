"""What the installed package imports is what pyproject.toml installs with it, and nothing more.

A third-party import in the package code must come from a runtime dependency (or, imported
lazily, from an optional extra); a runtime dependency nobody imports is dead weight for every
user (onvif-zeep-async was one: the reader speaks SOAP itself, docs/facts.md).
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("probes", "profiles", "reports", "scanner", "lab")


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[;\s]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _imported_distributions() -> dict[str, set[str]]:
    """distribution name -> package files importing it (top-level, third-party only)."""
    dists = packages_distributions()
    found: dict[str, set[str]] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    tops = [alias.name.split(".")[0] for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    tops = [node.module.split(".")[0]]
                else:
                    continue
                for top in tops:
                    if top in PACKAGES or top in sys.stdlib_module_names:
                        continue
                    for dist in dists.get(top, [top]):
                        found.setdefault(dist.lower().replace("_", "-"), set()).add(
                            str(path.relative_to(ROOT)))
    return found


def test_every_import_is_a_declared_dependency() -> None:
    project = _project()
    declared = {_name(r) for r in project["dependencies"]}
    optional = {_name(r) for extra in ("postgres", "fast") for r in project["optional-dependencies"][extra]}
    undeclared = {d: sorted(files) for d, files in _imported_distributions().items()
                  if d not in declared | optional}
    assert not undeclared, f"imported but not a runtime dependency: {undeclared}"


def test_every_runtime_dependency_is_imported() -> None:
    imported = set(_imported_distributions())
    unused = sorted(_name(r) for r in _project()["dependencies"] if _name(r) not in imported)
    assert not unused, f"runtime dependencies no package module imports: {unused}"


def test_onvif_zeep_async_is_a_test_dependency_only() -> None:
    project = _project()
    assert "onvif-zeep-async" not in {_name(r) for r in project["dependencies"]}
    assert "onvif-zeep-async" in {_name(r) for r in project["optional-dependencies"]["test"]}
