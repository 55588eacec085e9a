"""`camaudit schema`: print the JSON Schema of the site file (for editors and CI)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from scanner.site import load_site, site_json_schema


def register(sub: argparse._SubParsersAction) -> None:  # noqa: SLF001
    parser = sub.add_parser("schema", help="print the JSON Schema of the site file, or validate site files")
    parser.add_argument("--check", metavar="SITE", nargs="+", type=Path,
                        help="validate these site files instead of printing the schema")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.check:
        for path in args.check:
            site = load_site(path).site  # raises ConfigError with file:line: field
            print(f"{path}: ok ({len(site.cameras)} cameras, profiles: {', '.join(site.profiles)})")
        return 0
    print(json.dumps(site_json_schema(), indent=2))
    return 0
