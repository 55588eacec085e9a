"""`camaudit history`: the scans in the history store, newest first."""

from __future__ import annotations

import argparse
import json

from rich import box
from rich.table import Table
from rich.text import Text

from probes import clock
from reports.console import make_console
from scanner.history import ScanRecord, ScanStatus, open_history
from scanner.schedule import format_duration, parse_duration

_STATUS_STYLE = {ScanStatus.COMPLETE: "green", ScanStatus.RUNNING: "cyan", ScanStatus.ABORTED: "yellow",
                 ScanStatus.FAILED: "red"}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("history", help="list the recorded scans",
                            description="List the scans in the history store, newest first: status, "
                                        "devices, failing findings and what changed since the scan before.")
    parser.add_argument("--site", metavar="NAME", help="only this site")
    parser.add_argument("--limit", type=int, default=20, metavar="N", help="at most N scans (default 20)")
    parser.add_argument("--status", choices=[s.value for s in ScanStatus], help="only scans with this status")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--prune", metavar="AGE", help="delete scans older than AGE (e.g. 180d) first; the "
                                                       "latest complete scan of each site is always kept")
    parser.add_argument("--history", metavar="PATH|URL", default=None,
                        help="history store (default: $CAMAUDIT_STATE_DIR/history.sqlite or "
                             "~/.local/share/camaudit/history.sqlite)")
    parser.set_defaults(handler=run)


async def run(args: argparse.Namespace) -> int:
    async with open_history(args.history) as store:
        if args.prune:
            cutoff = clock.now() - parse_duration(args.prune)
            deleted = await store.prune(cutoff, args.site)
            make_console(stderr=True).print(f"pruned {deleted} scan(s) started before {cutoff:%Y-%m-%d %H:%M} UTC",
                                       highlight=False)
        await store.reap_stale(args.site)  # a scan whose process died shows as aborted, not running
        records = await store.list_scans(args.site, limit=max(1, args.limit),
                                         status=ScanStatus(args.status) if args.status else None)
        location = store.location
    if args.json:
        print(json.dumps([r.model_dump(mode="json") for r in records], indent=2))
        return 0
    console = make_console()
    if not records:
        console.print(f"No scans recorded in {location}" + (f" for site {args.site}" if args.site else ""),
                      highlight=False)
        return 0
    console.print(render_table(records, title=f"Scans in {location}"))
    return 0


def render_table(records: list[ScanRecord], *, title: str | None = None) -> Table:
    several_sites = len({r.site for r in records}) > 1
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True,
                  caption="dev devices, fail failing findings, new/chg/res new/changed/resolved findings, "
                          "err devices not read" if records else None, caption_justify="left")
    table.add_column("scan", no_wrap=True)
    if several_sites:
        table.add_column("site", no_wrap=True)
    table.add_column("started (UTC)", no_wrap=True)
    table.add_column("status", overflow="fold")
    for name in ("took", "dev", "fail", "new", "chg", "res", "err"):
        table.add_column(name, justify="right", no_wrap=True)
    for r in records:
        done = r.status is ScanStatus.COMPLETE
        status = Text(r.status.value, style=_STATUS_STYLE[r.status])
        if r.reason:
            status.append(f": {r.reason}", style="dim")
        counts = [str(n) if done else "-" for n in (r.devices, r.failing, r.new, r.changed, r.resolved, r.errors)]
        site = [Text(r.site)] if several_sites else []
        table.add_row(Text(r.scan_id), *site, f"{r.started_at:%Y-%m-%d %H:%M}", status,
                      format_duration_s(r.duration_s), *counts)
    return table


def format_duration_s(seconds: float | None) -> str:
    from datetime import timedelta

    return "-" if seconds is None else format_duration(timedelta(seconds=seconds))
