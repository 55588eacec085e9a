"""The architecture of design.md, enforced: scanner -> reports -> profiles -> probes; lab stands alone."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("probes", "profiles", "reports", "scanner", "lab")
ALLOWED = {
    "probes": set(),
    "profiles": {"probes"},
    "reports": {"probes", "profiles"},
    "scanner": {"probes", "profiles", "reports", "lab"},
    "lab": set(),
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found & set(PACKAGES)


@pytest.mark.parametrize("package", PACKAGES)
def test_dependencies_point_one_way(package: str) -> None:
    offenders = []
    for path in sorted((ROOT / package).rglob("*.py")):
        bad = _imports(path) - ALLOWED[package] - {package}
        if bad:
            offenders.append(f"{path.relative_to(ROOT)} imports {sorted(bad)}")
    assert not offenders, "\n".join(offenders)


def _modules() -> list[str]:
    mods = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT).with_suffix("")
            parts = list(rel.parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            if parts[-1] == "__main__":
                continue
            mods.append(".".join(parts))
    return mods


def test_every_module_imports_on_its_own() -> None:
    """Each module imports in a fresh interpreter (catches circular imports), all in one subprocess per batch."""
    code = (
        "import importlib, subprocess, sys\n"
        "mods = sys.argv[1:]\n"
        "bad = []\n"
        "for m in mods:\n"
        "    r = subprocess.run([sys.executable, '-c', f'import {m}'], capture_output=True, text=True)\n"
        "    if r.returncode: bad.append(m + ': ' + r.stderr.strip().splitlines()[-1])\n"
        "print('\\n'.join(bad)); sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code, *_modules()], capture_output=True, text=True, cwd=ROOT,
                            timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
