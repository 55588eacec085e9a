"""One entry point for the scanner: write every requested report, each atomically.

Reporters share one signature, `(result: ScanResult, path: Path) -> None`, and
are looked up in `REPORTERS` by format name. Each writes to a temporary file in
the target directory that replaces the target only when complete, so a crash or
a full disk never leaves a half-written report where the old one was.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from probes.barrier import barrier
from reports.csvout import write_csv
from reports.html import write_html
from reports.jsonout import write_json, write_jsonl
from reports.model import ScanResult
from reports.ocsf import write_ocsf

Reporter = Callable[[ScanResult, Path], None]

REPORTERS: dict[str, Reporter] = {
    "html": write_html,
    "json": write_json,
    "jsonl": write_jsonl,
    "csv": write_csv,
    "ocsf": write_ocsf,
}


def write_atomic(reporter: Reporter, result: ScanResult, path: Path) -> Path:
    """Run `reporter` into a temporary sibling of `path`, then rename it over `path`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        reporter(result, tmp)
        barrier("mid-report")
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return path


def write_reports(
    result: ScanResult,
    *,
    html: Path | str | None = None,
    json: Path | str | None = None,
    jsonl: Path | str | None = None,
    csv: Path | str | None = None,
    ocsf: Path | str | None = None,
) -> dict[str, Path]:
    """Write each report whose path is given; returns format -> path written."""
    wanted = {"html": html, "json": json, "jsonl": jsonl, "csv": csv, "ocsf": ocsf}
    return {
        fmt: write_atomic(REPORTERS[fmt], result, Path(target))
        for fmt, target in wanted.items()
        if target is not None
    }


async def write_reports_async(result: ScanResult, **paths: Path | str | None) -> dict[str, Path]:
    """`write_reports` in a worker thread, so a large scan does not stall the event loop."""
    return await asyncio.to_thread(write_reports, result, **paths)
