"""Stores and documents written by camaudit 0.4.0 (see README.md), opened by the compatibility tests."""

from __future__ import annotations

from pathlib import Path

from tests.compat.releases import Release

RELEASE = Release(version="0.4.0", directory=Path(__file__).parent, history_schema=4,
                  site="demo-campus", devices=3, findings=109, facts=198)
