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


def _third_party_modules() -> list[str]:
    """Modules our modules import that are not ours (stdlib included): safe to load before forking."""
    roots: set[str] = set()
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    roots.update(alias.name for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    roots.add(node.module)
    return sorted(name for name in roots if name.split(".")[0] not in {*PACKAGES, "__future__"})


_IMPORT_EACH = """
import importlib, os, sys, traceback
pre, mods = sys.argv[1].split(","), sys.argv[2:]
for name in pre:
    try:
        importlib.import_module(name)
    except ImportError:
        pass  # an optional extra: the module that needs it reports it below
bad, running = [], {}

def reap():
    pid, status = os.wait()
    m, pipe = running.pop(pid)
    message = pipe.read().decode()
    pipe.close()
    if status:
        bad.append(f"{m}: {message or status}")

for m in mods:
    while len(running) >= (os.cpu_count() or 1):
        reap()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            importlib.import_module(m)
            code = 0
        except BaseException:
            os.write(write, traceback.format_exc().strip().splitlines()[-1].encode())
            code = 1
        os._exit(code)
    os.close(write)
    running[pid] = (m, os.fdopen(read, "rb"))
while running:
    reap()
print(chr(10).join(sorted(bad))); sys.exit(1 if bad else 0)
"""


@pytest.mark.timeout(900)
def test_every_module_imports_on_its_own() -> None:
    """Each of our modules imports first in an interpreter that has loaded none of ours (catches circular
    imports). Third-party packages are loaded once and each module is imported in a fork of that process, so
    no module pays an interpreter start-up; the forks run one per core."""
    result = subprocess.run([sys.executable, "-c", _IMPORT_EACH, ",".join(_third_party_modules()), *_modules()],
                            capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
