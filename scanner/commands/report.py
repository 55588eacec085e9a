"""`camaudit report FINDINGS.json`: render a saved scan document again (HTML, JSON, JSON Lines, CSV, OCSF)."""

from __future__ import annotations

import argparse
from pathlib import Path

from scanner.commands._common import add_output_arguments, check_output_paths, output_paths


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "report",
        help="render a saved scan document (from --json) into reports again",
        description="Read a scan document written by `camaudit scan --json` and write the requested reports; "
        "prints the summary unless --quiet. The exit code follows the document, as for scan.",
    )
    parser.add_argument(
        "document", type=Path, metavar="FINDINGS.json", help="scan document (camaudit.scan/3; /1 and /2 still load)"
    )
    add_output_arguments(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from reports.console import make_console, render_summary
    from reports.emit import write_reports
    from reports.jsonout import load_scan
    from scanner.pipeline import exit_code

    check_output_paths(args)
    result = load_scan(args.document).with_coverage()  # ConfigError names the file and field; /1: derived
    paths = {fmt: path for fmt, path in output_paths(args).items() if path is not None}
    written = write_reports(result, **paths)
    if not args.quiet:
        console = make_console()
        render_summary(result, console)
        for fmt, path in written.items():
            console.print(f"{fmt.upper()} written to {path}", highlight=False)
    return exit_code(result)
