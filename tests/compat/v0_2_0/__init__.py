"""Stores and documents written by camaudit 0.2.0 (see README.md), opened by the compatibility tests."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

HERE = Path(__file__).parent
SITE = "demo-campus"
DEVICES = 3
FINDINGS = 100
FACTS = 177


def unpack(name: str, into: Path) -> Path:
    """Decompress `name`.gz from this directory into `into`; the checked-in file is never opened for writing."""
    target = into / name
    target.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(HERE / f"{name}.gz", "rb") as src, open(target, "wb") as dst:
        shutil.copyfileobj(src, dst)
    return target
