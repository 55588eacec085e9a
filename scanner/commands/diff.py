"""`camaudit diff [SCAN_A SCAN_B]`: what changed between two scans (devices, facts, findings)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from probes.errors import ConfigError
from profiles.findings import Change
from reports.console import make_console
from reports.drift import Drift
from reports.model import ScanResult
from scanner.drift import compare
from scanner.history import HistoryStore, ScanStatus, UnknownScan, open_history

_CHANGE_STYLE = {Change.NEW: "red", Change.CHANGED: "yellow", Change.RESOLVED: "green", Change.PERSISTING: "dim"}
_ORDER = {Change.NEW: 0, Change.CHANGED: 1, Change.RESOLVED: 2, Change.PERSISTING: 3}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "diff", help="show what changed between two scans",
        description="Compare two scans: new and vanished devices, changed facts, and findings that are new, "
                    "changed or resolved. Without arguments: the last two complete scans of the site. "
                    "With one: that scan against the one before it. A scan is a history id (or a unique "
                    "prefix of one) or a scan JSON file (`camaudit scan --json`).")
    parser.add_argument("scans", nargs="*", metavar="SCAN", help="older and newer scan (id, prefix or file)")
    parser.add_argument("--site", metavar="NAME", help="the site (needed when the store holds several)")
    parser.add_argument("--all", action="store_true", help="also list persisting findings and minor fact changes")
    parser.add_argument("--json", action="store_true", help="the drift as JSON")
    parser.add_argument("--history", metavar="PATH|URL", default=None,
                        help="history store (default: $CAMAUDIT_STATE_DIR/history.sqlite or "
                             "~/.local/share/camaudit/history.sqlite)")
    parser.set_defaults(handler=run)


async def _load(store: HistoryStore, ref: str) -> ScanResult:
    path = Path(ref)
    if path.suffix == ".json" and path.is_file():
        try:
            return ScanResult.load(path)
        except ValueError as exc:
            raise ConfigError(f"not a camaudit scan document: {str(exc).splitlines()[0]}", path=str(path)) from None
    try:
        scan_id = await store.resolve(ref)
    except UnknownScan as exc:  # a wrong argument, not a broken store
        raise ConfigError(str(exc)) from None
    return await store.load_scan(scan_id)


async def _site(store: HistoryStore, site: str | None) -> str:
    if site:
        return site
    sites = {r.site for r in await store.list_scans(limit=1000, status=ScanStatus.COMPLETE)}
    if len(sites) == 1:
        return sites.pop()
    if not sites:
        raise ConfigError(f"no complete scans in {store.location}; a diff needs two")
    raise ConfigError(f"the store holds several sites ({', '.join(sorted(sites))}); give --site NAME")


async def pick(store: HistoryStore, refs: list[str], site: str | None) -> tuple[ScanResult, ScanResult]:
    """(older, newer) from 0, 1 or 2 scan references."""
    if len(refs) > 2:
        raise ConfigError("give at most two scans: SCAN_A (older) SCAN_B (newer)")
    if len(refs) == 2:
        return await _load(store, refs[0]), await _load(store, refs[1])
    if len(refs) == 1:
        newer = await _load(store, refs[0])
        older = await store.previous_scan(newer.meta.site, before=newer.meta.started_at)
        if older is None:
            raise ConfigError(f"scan {newer.meta.scan_id} has no earlier complete scan of {newer.meta.site}")
        return older, newer
    name = await _site(store, site)
    records = await store.list_scans(name, limit=2, status=ScanStatus.COMPLETE)
    if len(records) < 2:
        raise ConfigError(f"site {name} has {len(records)} complete scan(s) in {store.location}; "
                          "a diff needs two")
    return await store.load_scan(records[1].scan_id), await store.load_scan(records[0].scan_id)


async def run(args: argparse.Namespace) -> int:
    async with open_history(args.history) as store:
        older, newer = await pick(store, list(args.scans), args.site)
    if older.meta.site != newer.meta.site:
        raise ConfigError(f"the scans are of different sites ({older.meta.site}, {newer.meta.site})")
    drift = compare(newer, older)
    if args.json:
        doc = drift.model_dump(mode="json")
        doc["counts"] = drift.counts
        if not args.all:
            doc["findings"] = [f.model_dump(mode="json") for f in drift.changed_findings]
        print(json.dumps(doc, indent=2))
        return 0
    render_drift(drift, make_console(), show_all=args.all)
    return 0


def render_drift(drift: Drift, console: Console, *, show_all: bool = False) -> None:
    """The drift as tables; every device-supplied string goes in as plain Text (no markup injection)."""
    head = Text(f"{drift.site}: ", style="bold")
    head.append(f"{drift.previous_scan_id} ({drift.previous_started_at:%Y-%m-%d %H:%M} UTC)"
                if drift.previous_started_at else str(drift.previous_scan_id))
    head.append(" -> ")
    head.append(f"{drift.scan_id} ({drift.started_at:%Y-%m-%d %H:%M} UTC)")
    console.print(head)
    counts = drift.counts
    console.print(Text(f"devices: +{len(drift.new_devices)} -{len(drift.vanished_devices)}; "
                       f"fact changes: {len(drift.fact_changes)}; findings: {counts['new']} new, "
                       f"{counts['changed']} changed, {counts['resolved']} resolved, "
                       f"{counts['persisting']} persisting"))
    if drift.empty:
        console.print("No changes.")
        return
    if drift.new_devices or drift.vanished_devices:
        table = Table(title="Devices", title_justify="left")
        for col in ("", "device", "address", "model", "firmware"):
            table.add_column(col)
        for sign, style, refs in (("+", "red", drift.new_devices), ("-", "green", drift.vanished_devices)):
            for d in refs:
                table.add_row(Text(sign, style=style), Text(d.name), Text(d.address), Text(d.model or "-"),
                              Text(d.firmware or "-"))
        console.print(table)
    facts = [c for c in drift.fact_changes if show_all or c.important]
    if facts:
        table = Table(title="Configuration changes", title_justify="left")
        for col in ("device", "fact", "change"):
            table.add_column(col)
        for c in sorted(facts, key=lambda c: (c.device_name, not c.important, c.key)):
            table.add_row(Text(c.device_name), Text(c.key, style="dim"), Text(c.sentence))
        console.print(table)
        hidden = len(drift.fact_changes) - len(facts)
        if hidden:
            console.print(Text(f"({hidden} minor fact change(s) not shown; --all shows them)", style="dim"))
    findings = drift.findings if show_all else drift.changed_findings
    if findings:
        table = Table(title="Findings", title_justify="left")
        for col in ("state", "rule", "device", "result", "severity", "message"):
            table.add_column(col)
        for f in sorted(findings, key=lambda f: (_ORDER[f.change], f.device_name, f.rule_id)):
            before = f.before_result.value if f.before_result else "-"
            after = f.after_result.value if f.after_result else "gone"
            result = after if before == after else f"{before} -> {after}"
            severity = f.after_severity or f.before_severity or "-"
            if f.before_severity and f.after_severity and f.before_severity != f.after_severity:
                severity = f"{f.before_severity} -> {f.after_severity}"
            table.add_row(Text(f.change.value, style=_CHANGE_STYLE[f.change]), Text(f.rule_id),
                          Text(f.device_name), Text(result), Text(severity), Text(f.message))
        console.print(table)
