"""The `camaudit` command line: one argparse tree, one event loop run per invocation (`probes.runloop`).

Each subcommand lives in `scanner/commands/<name>.py` and exposes
`register(subparsers)`, which adds a parser whose `handler` default is a
function `(args) -> int` (sync) or `async (args) -> int`.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import inspect
import logging
import sys
from collections.abc import Sequence
from typing import NoReturn

from probes.errors import CamauditError, InputError
from probes.runloop import run
from reports.console import make_console, print_error
from scanner import __version__, exitcodes

# Order is the order shown in --help.
COMMANDS = ("demo", "discover", "scan", "evaluate", "report", "profiles", "lab", "watch", "history", "diff",
            "init", "schema", "capture", "collect", "serve", "observe")

err_console = make_console(stderr=True)
NO_COLOR_FLAG = "--no-color"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # usage errors exit 1, as documented
        self.print_usage(sys.stderr)
        print_error(err_console, message)
        raise SystemExit(exitcodes.USAGE)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="camaudit",
        description="Find ONVIF cameras, read how they are configured and check that against "
                    "European data-protection rules for video surveillance.",
        epilog="Exit codes: 0 complete and no failing finding, 1 usage error, 2 incomplete (credentials "
               "refused, a named or declared camera not read, no camera in scope, draft declarations) and "
               "nothing failed, 3 failing findings, 4 failing findings and incomplete.",
    )
    parser.add_argument("--version", action="version", version=f"camaudit {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-vv for debug)")
    parser.add_argument(NO_COLOR_FLAG, action="store_true",
                        help="no colours (also when the NO_COLOR environment variable is set); accepted anywhere "
                             "on the command line")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:
        importlib.import_module(f"scanner.commands.{name}").register(sub)
    return parser


def _configure_logging(verbosity: int) -> None:
    from rich.logging import RichHandler

    level = logging.WARNING - 10 * min(verbosity, 2)
    logging.basicConfig(level=level, format="%(message)s", handlers=[RichHandler(console=err_console,
                                                                                  show_path=False)])


def _raise_open_files_limit(wanted: int = 8192) -> None:
    """Concurrent reads hold sockets (devices x per-device connections); the common soft limit of 1024 is low."""
    try:
        import resource
    except ImportError:  # not on POSIX
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        with contextlib.suppress(ValueError, OSError):  # keep the soft limit; the semaphores still bound what we open
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def main(argv: Sequence[str] | None = None) -> int:
    _raise_open_files_limit()
    parser = build_parser()
    raw = list(sys.argv[1:] if argv is None else argv)
    if NO_COLOR_FLAG in raw:  # honoured wherever it stands, before any console prints
        raw = [a for a in raw if a != NO_COLOR_FLAG]
        _disable_colour()
    commands = _registered(parser)
    if "demo" in commands and not commands.intersection(raw) and not {"-h", "--help", "--version"} & set(raw):
        # `camaudit [options]` without a command runs the demo; its own options (e.g. -q, --html) pass through
        global_flags = [a for a in raw if a in ("-v", "-vv", "-vvv", "--verbose")]
        raw = [*global_flags, "demo", *(a for a in raw if a not in global_flags)]
    args = parser.parse_args(raw)
    if not getattr(args, "command", None):
        parser.print_help()
        return exitcodes.USAGE
    _configure_logging(args.verbose)
    handler = args.handler
    try:
        if inspect.iscoroutinefunction(handler):
            return int(run(handler(args)))
        return int(handler(args))
    except InputError as exc:  # a file, an argument, a target: usage
        print_error(err_console, exc)
        return exitcodes.USAGE
    except CamauditError as exc:
        print_error(err_console, exc)
        return exitcodes.SCAN_ERRORS
    except KeyboardInterrupt:
        err_console.print("interrupted")
        return 130


def _disable_colour() -> None:
    """--no-color: the same as NO_COLOR=1 (https://no-color.org), which every console honours."""
    import os

    os.environ["NO_COLOR"] = "1"
    err_console.no_color = True


def _registered(parser: argparse.ArgumentParser) -> set[str]:
    for action in parser._actions:  # argparse offers no public accessor
        if isinstance(action, argparse._SubParsersAction):
            return set(action.choices)
    return set()


if __name__ == "__main__":
    raise SystemExit(main())
