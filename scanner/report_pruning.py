"""`watch --keep AGE`: delete per-scan report files older than AGE, as the history store prunes its scans.

Only files whose name matches a report path template of this watch exactly are candidates
(`reports/{site}-{time}.html` matches `reports/campus-20261123T060000Z.html`, nothing else), and a
file's age is the scan start written in its name ({time}, or the time that begins a {scan_id}), never
its modification time, so the injected clock and copied files judge it the same way. A template without
{time} or {scan_id} names one file that every scan replaces: nothing to prune.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

_STAMP = r"\d{8}T\d{6}Z"
_STAMP_FORMAT = "%Y%m%dT%H%M%SZ"


def _name_pattern(name: str, site: str) -> re.Pattern[str] | None:
    """A regex for the file names a template's last part produces; None when it does not vary per scan."""
    if "{time}" not in name and "{scan_id}" not in name:
        return None
    parts = re.split(r"(\{time\}|\{scan_id\}|\{site\})", name)
    seen: set[str] = set()
    regex = ""
    for part in parts:
        if part == "{site}":
            regex += re.escape(site)
        elif part in ("{time}", "{scan_id}"):
            group = part.strip("{}")
            if group in seen:
                regex += f"(?P={group})"
            else:
                seen.add(group)
                regex += (f"(?P<time>{_STAMP})" if group == "time"
                          else f"(?P<scan_id>(?P<scan_stamp>{_STAMP})[A-Za-z0-9._-]*)")
        else:
            regex += re.escape(part)
    return re.compile(regex)


def _started(match: re.Match[str]) -> datetime:
    stamp = match.groupdict().get("time") or match.group("scan_stamp")
    return datetime.strptime(stamp, _STAMP_FORMAT).replace(tzinfo=UTC)


def prune_reports(templates: Iterable[Path | str], *, site: str, cutoff: datetime,
                  keep: Iterable[Path] = ()) -> tuple[list[Path], list[str]]:
    """Delete report files of scans that started before `cutoff`; returns (deleted, problems).

    `keep` (the reports just written) is never deleted. Placeholders in directory names are not searched.
    """
    kept = {Path(p).resolve() for p in keep}
    deleted: list[Path] = []
    problems: list[str] = []
    for template in templates:
        directory = Path(str(Path(template).parent).replace("{site}", site))
        pattern = _name_pattern(Path(template).name, site)
        if pattern is None or "{" in str(directory) or not directory.is_dir():
            continue
        for candidate in directory.iterdir():
            match = pattern.fullmatch(candidate.name)
            if match is None or not candidate.is_file() or candidate.resolve() in kept:
                continue
            if _started(match) >= cutoff:
                continue
            try:
                candidate.unlink()
            except OSError as exc:
                problems.append(f"cannot delete {candidate}: {exc.strerror or exc}")
            else:
                deleted.append(candidate)
    return deleted, problems
