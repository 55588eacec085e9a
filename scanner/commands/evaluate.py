"""`camaudit evaluate FACTS.json --site FILE`: re-judge saved facts without touching the network.

Reads a scan document (`camaudit scan --facts-only --json`), or a bare JSON list
of device fact sheets, evaluates it against the site's declarations and
profiles (or `--profile`), prints the summary and writes `--json` and other
reports. Exit codes as for `scan`: 0 clean, 3 failing findings, 2 crashed checks.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from probes import clock
from probes.errors import ConfigError
from probes.facts import DeviceFacts
from profiles.yamlfile import read_user_file
from reports.console import make_console, print_error, render_summary
from reports.document import document_of_facts
from reports.model import ScanResult
from scanner import __version__
from scanner.commands import _common
from scanner.pipeline import evaluate_result, exit_code
from scanner.site import SiteFile, load_site

MAX_FACTS_BYTES = 512 * 1024 * 1024


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("evaluate", help="evaluate saved facts against a site's declarations and profiles",
                            description="Re-evaluate a saved scan document (facts) offline: no network traffic.")
    parser.add_argument("facts", type=Path, metavar="FACTS.json",
                        help="scan document from `camaudit scan --json` (findings in it are replaced)")
    parser.add_argument("--site", type=Path, required=True, metavar="FILE", help="site file with the declarations")
    parser.add_argument("--pcap", type=Path, metavar="FILE",
                        help="fold a traffic capture into the facts first (egress.observed; docs/egress.md)")
    _common.add_evaluation_arguments(parser)
    _common.add_output_arguments(parser)
    parser.set_defaults(handler=run)


def load_facts(path: Path, site_name: str) -> ScanResult:
    """A scan document, or a JSON list of DeviceFacts wrapped in a fresh one; errors name the file."""
    raw = read_user_file(path, max_bytes=MAX_FACTS_BYTES)
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"not valid JSON: {exc.msg}", path=str(path), line=exc.lineno) from None
    try:
        if isinstance(data, list):
            devices = TypeAdapter(list[DeviceFacts]).validate_python(data)
            return document_of_facts(devices, site=site_name, at=clock.now(), scanner_version=__version__)
        return ScanResult.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise ConfigError(f"not a camaudit scan document: {first['msg']}", path=str(path), field=where) from None


def run(args: argparse.Namespace) -> int:
    site_file = load_site(args.site)
    site = site_file.site
    _common.check_output_paths(args)
    result = load_facts(args.facts, site.name)
    if result.meta.site != site.name:
        print_error(make_console(stderr=True), f"facts were scanned for site {result.meta.site!r}, "
                                               f"evaluating with site {site.name!r}", "note", "yellow")
    at = _common.parse_at(args.at, site.timezone) or clock.now()
    if args.pcap is not None:
        _fold_pcap(result, site_file, args.pcap)
    evaluate_result(result, site_file, args.profiles or site.profiles, at=at)
    paths = _common.output_paths(args)
    if any(paths.values()):
        from reports.emit import write_reports

        write_reports(result, **paths)
    if not args.quiet:
        console = make_console()
        render_summary(result, console)
        for name, path in paths.items():
            if path:
                make_console(stderr=True).print(f"{name.upper()} written to {path}", highlight=False)
    return exit_code(result)


def _fold_pcap(result: ScanResult, site_file: SiteFile, pcap: Path) -> None:
    """Observe the capture for the document's devices and store `egress.observed` on each of them."""
    from probes.egress import CaptureError
    from scanner.egress import camera_keys, fold_into, observe

    try:
        observations = observe(site_file, camera_keys(result.devices), pcap=pcap)
    except CaptureError as exc:
        raise ConfigError(str(exc), field="--pcap") from None
    fold_into(result.devices, observations)

