"""Report test fixtures: sample scans (built by tests.reports.factory) and where browser artefacts go."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reports.factory import make_scan

ROOT = Path(__file__).resolve().parents[2]


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
