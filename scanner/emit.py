"""After a scan: store it, queue its MQTT alerts, write the reports, send, choose the exit code.

The order is the delivery guarantee (docs/mqtt.md): the history commit (marked
`emit_pending` for the MQTT destination) and the outbox transaction come first and
are joined by scanner/delivery.py, so a crash at any instant leaves the alerts
either queued or still due for the next run; reports come after and a report that
cannot be written is an error message and an exit code, never lost alerts.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape

from probes.barrier import barrier
from reports.model import ScanResult
from scanner import exitcodes
from scanner.commands._common import output_paths
from scanner.pipeline import ScanOptions, exit_code

if TYPE_CHECKING:
    from reports.mqtt import MqttConfig
    from scanner.delivery import Queued
    from scanner.history import HistoryStore, ScanRun

log = logging.getLogger(__name__)


def _history_wanted(args: argparse.Namespace, options: ScanOptions | None = None) -> bool:
    return not getattr(args, "no_history", False) and not (options is not None and options.facts_only)


def _mqtt_config(args: argparse.Namespace) -> MqttConfig | None:
    if not getattr(args, "mqtt", None):
        return None
    from scanner.mqtt_options import mqtt_config_from_args

    return mqtt_config_from_args(args)


async def scan_and_finish(args: argparse.Namespace, options: ScanOptions, site: str, *, console: Console,
                          scan: Callable[[ScanOptions], Awaitable[ScanResult]]) -> int:
    """`camaudit scan`: a `running` marker in the history for the whole scan, then `finish_scan`.

    A scan killed outright leaves its marker; the next scan (or `camaudit history`) shows it aborted.
    """
    config = _mqtt_config(args)  # a bad --mqtt option stops us before scanning
    if not _history_wanted(args, options):
        return await finish_scan(await scan(options), args, console=console, config=config)
    from scanner.history import ScanRun, open_history

    async with open_history(getattr(args, "history", None)) as store, ScanRun(store, site) as run:
        if run.reaped:
            log.warning("marked %d interrupted scan(s) as aborted: %s", len(run.reaped), ", ".join(run.reaped))
        options.scan_id = run.scan_id
        result = await scan(options)
        return await finish_scan(result, args, console=console, config=config, store=store, run=run)


async def finish_scan(result: ScanResult, args: argparse.Namespace, *, console: Console,
                      config: MqttConfig | None = None, store: HistoryStore | None = None,
                      run: ScanRun | None = None) -> int:
    """History and MQTT queue (one step), reports, summary, MQTT delivery; returns the documented exit code."""
    if config is None:
        config = _mqtt_config(args)
    queued = await commit_and_queue(result, args, config, store=store, run=run)
    failed = write_reports_reporting(result, output_paths(args), console)
    if not args.quiet:
        from reports.console import make_console, render_summary

        render_summary(result, make_console())
    if config is not None and queued is not None:
        from reports.mqtt import deliver_outbox
        from scanner.delivery import requeue_for

        stats = await deliver_outbox(config, site=result.meta.site, scanner_id=result.meta.scanner_id,
                                     ours=queued.seqs, enqueued=queued.messages, findings=queued.findings,
                                     requeue=requeue_for(result, config))
        console.print(f"MQTT: {stats}", highlight=False)
    code = exit_code(result)
    return exitcodes.USAGE if failed else code


async def commit_and_queue(result: ScanResult, args: argparse.Namespace, config: MqttConfig | None, *,
                           store: HistoryStore | None = None, run: ScanRun | None = None) -> Queued | None:
    """Store the scan (annotating `result` in place) and queue its MQTT messages; see scanner/delivery.py."""
    from scanner.delivery import destination_key

    destination = destination_key(config) if config is not None else None
    recorded = result.meta.evaluated_at is not None and _history_wanted(args)
    if recorded and run is not None and store is not None:
        from scanner.history import adopt

        annotated, _drift, _record = await run.finish(result, emit_pending=destination)
        adopt(result, annotated)
        barrier("after-history-commit")
        return await _queue(result, config, store) if config is not None else None
    if recorded:
        from scanner.history import adopt, open_history, store_scan

        async with open_history(getattr(args, "history", None)) as opened:
            annotated, _drift, _record = await store_scan(opened, result, emit_pending=destination)
            adopt(result, annotated)
            barrier("after-history-commit")
            return await _queue(result, config, opened) if config is not None else None
    return await _queue(result, config, None) if config is not None else None


async def _queue(result: ScanResult, config: MqttConfig, store: HistoryStore | None) -> Queued:
    from reports.mqtt import Outbox
    from scanner.delivery import default_scanner_id_for, queue_pending, queue_scan

    scanner_id = default_scanner_id_for(result)
    async with Outbox(config.outbox) as outbox:
        if store is None:
            return await queue_scan(outbox, result, config, scanner_id=scanner_id)
        return await queue_pending(outbox, store, config, site=result.meta.site, scanner_id=scanner_id,
                                   current=result)


def write_reports_reporting(result: ScanResult, paths: dict[str, Path | None], console: Console) -> list[str]:
    """Write each requested report; one that cannot be written is an error line, not a traceback."""
    from reports.emit import write_reports

    failed: list[str] = []
    for name, path in paths.items():
        if not path:
            continue
        try:
            write_reports(result, **{name: path})
        except Exception as exc:  # noqa: BLE001 - the scan is stored and its alerts queued; say what failed
            failed.append(name)
            text = f"cannot write the {name.upper()} report to {path}: {type(exc).__name__}: {exc}"
            Console(stderr=True).print(f"[red]error:[/] {escape(text)}", highlight=False)
        else:
            console.print(f"{name.upper()} written to {path}", highlight=False)
    return failed
