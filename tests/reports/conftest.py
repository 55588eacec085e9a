"""Report test fixtures: the repo root on sys.path (for tests.reports.factory) and sample scans."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.reports.factory import make_scan


@pytest.fixture
def scan():
    """A small scan with hostile device names, every result, waivers and changes."""
    return make_scan(6)


@pytest.fixture
def artifacts() -> Path:
    """Where tests leave files for people to look at (gitignored)."""
    path = ROOT / "artifacts" / "reports"
    path.mkdir(parents=True, exist_ok=True)
    return path
