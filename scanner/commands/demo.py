"""`camaudit demo`: audit the lab's virtual demo fleet end to end, on loopback only.

It starts the demo cameras in this process, scans them with the demo site
file exactly as a real audit would (discovery, ONVIF reads, all six
profiles), prints the summary and writes an HTML report.
"""

from __future__ import annotations

import argparse
import contextlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console

from probes.errors import CamauditError
from reports.console import make_console
from scanner import exitcodes
from scanner.commands import _common
from scanner.emit import finish_scan
from scanner.site import SiteFile, load_site

if TYPE_CHECKING:  # the lab and the pipeline are imported when the command runs
    from lab import RunningFleet
    from reports.model import ScanResult
    from scanner.pipeline import ScanOptions

DEMO_PASSWORD_ENV = "CAMAUDIT_DEMO_PASSWORD"
DEMO_PASSWORD = "demo-pass"  # the lab's auditor password; a simulation, not a secret


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("demo", help="audit the virtual demo fleet (default command)",
                            description="Start the lab's demo fleet of virtual ONVIF cameras on loopback and "
                                        "audit it with the demo site file and all shipped profiles.")
    parser.add_argument("--site", type=Path, help="use another site file against the demo fleet")
    parser.add_argument("--fleet", type=Path, help="use another fleet file")
    _common.add_evaluation_arguments(parser)
    _common.add_output_arguments(parser)
    _common.add_history_arguments(parser, default_on=False)
    _common.add_mqtt_arguments(parser)
    parser.set_defaults(handler=run, html=Path("camaudit-demo.html"))


async def run(args: argparse.Namespace) -> int:
    from lab import DEMO_FLEET, DEMO_SITE, load_fleet, run_fleet
    from scanner.commands.scan import run_scan_with_progress

    console = make_console(stderr=True, quiet=args.quiet)
    os.environ.setdefault(DEMO_PASSWORD_ENV, DEMO_PASSWORD)
    site_file = load_site(args.site or DEMO_SITE)
    fleet = load_fleet(args.fleet or DEMO_FLEET)
    args.no_history = args.history is None  # the demo records history only when asked
    async with contextlib.AsyncExitStack() as stack:
        try:
            running = await stack.enter_async_context(run_fleet(fleet, discovery=True))
        except OSError as exc:  # another demo or `lab serve` holds the addresses: a second fleet would mix with it
            raise CamauditError(
                f"the demo fleet cannot start: {exc}. Another `camaudit demo` or `camaudit lab serve` is probably "
                f"running on {fleet.cameras[0].address} ... {fleet.cameras[-1].address}; stop it and try again"
            ) from None
        console.print(f"Demo fleet: {len(running.cameras)} virtual cameras on loopback "
                      f"({running.cameras[0].address} ... {running.cameras[-1].address})", highlight=False)
        options = _common_options(args, site_file, running)
        result = await run_scan_with_progress(site_file, options, console)
        code = await finish_scan(result, args, console=console)
    return demo_exit_code(result, code, console, [c.address for c in running.cameras])


def demo_exit_code(result: ScanResult, code: int, console: Console, fleet: list[str]) -> int:
    """0 when the demo ran as intended: every camera of the fleet (`fleet`: their addresses) read, failing
    findings (the fleet is built to break rules) and no scan errors.

    `camaudit scan` returns 4 for the same result (failing, and the declared camera lobby-old is absent by
    design); anything else (a camera of the fleet not read, say another `--fleet` outside the site's scope,
    scan errors, nothing failing) keeps its code, so `bash dev/demo && bash dev/test` stops only when the demo
    itself went wrong.
    """
    from profiles.findings import Result
    from scanner.pipeline import scan_had_errors

    read = {d.address for d in result.devices if d.read is not None and d.read.status.read}
    unread = [address for address in fleet if address not in read]
    if unread:
        console.print(f"The demo did not run as intended: {len(unread)} of the fleet's {len(fleet)} cameras were not "
                      f"read ({', '.join(unread[:5])}{' ...' if len(unread) > 5 else ''}); is the fleet inside the "
                      "site's scope?", style="yellow", highlight=False)
    if unread or code not in (exitcodes.FINDINGS, exitcodes.FINDINGS_INCOMPLETE) or scan_had_errors(result):
        return code
    failing = sum(1 for f in result.findings if f.result is Result.FAIL)
    console.print(f"Demo ran as intended: {len(result.devices)} cameras read, {failing} failing findings by design "
                  f"(`camaudit scan` exits {code} for this result; the demo exits 0).",
                  style="green", highlight=False)
    return exitcodes.OK


def _common_options(args: argparse.Namespace, site_file: SiteFile, running: RunningFleet) -> ScanOptions:
    from scanner.pipeline import ScanOptions

    return ScanOptions(
        profiles=args.profiles,
        at=_common.parse_at(args.at, site_file.site.timezone),
        extra_targets=[(c.address, c.port) for c in running.cameras if c.port not in site_file.site.scope.ports],
    )
