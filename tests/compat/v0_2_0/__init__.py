"""Stores and documents written by camaudit 0.2.0 (see README.md), opened by the compatibility tests."""

from __future__ import annotations

from pathlib import Path

from tests.compat.releases import Release

RELEASE = Release(version="0.2.0", directory=Path(__file__).parent, history_schema=3,
                  site="demo-campus", devices=3, findings=100, facts=177)
