"""What one released camaudit wrote for the compatibility tests: where its artefacts are and what they hold."""

from __future__ import annotations

import gzip
import shutil
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Release:
    """One release's directory under tests/compat and the counts measured from what that release wrote."""

    version: str
    directory: Path
    history_schema: int  # the history store's schema version as that release left it
    site: str
    devices: int
    findings: int
    facts: int

    def unpack(self, name: str, into: Path) -> Path:
        """Decompress `name`.gz from this release's directory into `into`; the checked-in file is never opened
        for writing."""
        target = into / name
        target.parent.mkdir(parents=True, exist_ok=True)
        with gzip.open(self.directory / f"{name}.gz", "rb") as src, open(target, "wb") as dst:
            shutil.copyfileobj(src, dst)
        return target
