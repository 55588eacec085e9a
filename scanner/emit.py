"""After a scan: compare with history, write the reports, publish to MQTT, choose the exit code."""

from __future__ import annotations

import argparse
import logging

from rich.console import Console

from reports.model import ScanResult
from scanner.commands._common import output_paths
from scanner.pipeline import exit_code

log = logging.getLogger(__name__)


async def record_history(result: ScanResult, args: argparse.Namespace) -> None:
    """Store the scan and mark each finding new/changed/persisting/resolved against the previous one."""
    if getattr(args, "no_history", False) or result.meta.evaluated_at is None:
        return
    from scanner.history import record_scan

    await record_scan(result, getattr(args, "history", None))


async def publish_mqtt(result: ScanResult, args: argparse.Namespace, console: Console) -> None:
    if not getattr(args, "mqtt", None):
        return
    from reports.mqtt import mqtt_config_from_args, publish_result

    config = mqtt_config_from_args(args)
    if config is None:
        return
    stats = await publish_result(result, config)
    console.print(f"MQTT: {stats}", highlight=False)


async def finish_scan(result: ScanResult, args: argparse.Namespace, *, console: Console) -> int:
    """History, reports, summary, MQTT; returns the documented exit code."""
    from reports.emit import write_reports

    await record_history(result, args)
    paths = output_paths(args)
    write_reports(result, **paths)
    if not args.quiet:
        from reports.console import make_console, render_summary

        render_summary(result, make_console())
        for name, path in paths.items():
            if path:
                console.print(f"{name.upper()} written to {path}", highlight=False)
    await publish_mqtt(result, args, console)
    return exit_code(result)
