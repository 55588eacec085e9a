"""Python child processes that import what the tests import (our packages and the `tests.` helpers)."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def python_env(**extra: str) -> dict[str, str]:
    """The environment for `sys.executable -c CODE`: the repository root first on PYTHONPATH, plus `extra`."""
    inherited = os.environ.get("PYTHONPATH")
    path = str(ROOT) + (os.pathsep + inherited if inherited else "")
    return {**os.environ, "PYTHONPATH": path, **extra}
