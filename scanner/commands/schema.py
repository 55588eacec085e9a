"""`camaudit schema`: print the JSON Schema of the site file (for editors and CI)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rich.text import Text

from probes.errors import ConfigError
from reports.console import make_console, print_error
from scanner import exitcodes
from scanner.site import load_site, site_json_schema


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("schema", help="print the JSON Schema of the site file, or validate site files")
    parser.add_argument("--check", metavar="SITE", nargs="+", type=Path,
                        help="validate these site files instead of printing the schema")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.check:
        return check_files(args.check)
    print(json.dumps(site_json_schema(), indent=2))
    return 0


def check_files(paths: list[Path]) -> int:
    """Validate every file and list every problem (file:line: field: message); 1 if any file has one."""
    console = make_console(stderr=True)
    failed = 0
    for path in paths:
        try:
            site = load_site(path).site
        except ConfigError as exc:
            failed += 1
            count = len(exc.problems)
            print_error(console, f"{path}: {count} problem{'s' if count != 1 else ''}")
            for problem in exc.problems:
                console.print(Text(f"  {problem.located}"))
            continue
        print(f"{path}: ok ({len(site.cameras)} cameras, profiles: {', '.join(site.profiles)})")
    return exitcodes.USAGE if failed else 0
