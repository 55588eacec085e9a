"""Arguments and steps shared by the commands (`scan`, `demo`, `watch`, the services `collect` and `serve`)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import re
import signal
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from probes.errors import ConfigError

_SITE_FILE_HINT = re.compile(r"set allow_public: true(?: \(or --allow-public\))?")


def option_message(text: str) -> str:
    """A site-file validation message reworded for command-line options (`--allow-public`, not `allow_public:`)."""
    return _SITE_FILE_HINT.sub("use --allow-public", str(text).removeprefix("Value error, "))


def option_error(exc: ValidationError, default_field: str = "--targets") -> ConfigError:
    """The first problem of a model built from options, as a usage error naming the option."""
    first = exc.errors()[0]
    loc = first.get("loc") or ()
    field = "--" + str(loc[0]).replace("_", "-") if loc else default_field
    return ConfigError(option_message(first["msg"]), field=field)


def stop_on_signals() -> asyncio.Event:
    """An event SIGTERM or SIGINT sets (a service's clean stop), handled on the running loop."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    return stop


def parse_at(text: str | None, timezone: str) -> datetime | None:
    """--at: ISO date-time; a naive value is read in the site's time zone."""
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"--at {text!r} is not an ISO date-time like 2026-11-23T10:30") from None
    return when if when.tzinfo else when.replace(tzinfo=ZoneInfo(timezone))


def add_output_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("outputs")
    group.add_argument("--json", type=Path, metavar="FILE", help="scan document (facts + findings) as JSON")
    group.add_argument("--html", type=Path, metavar="FILE", help="self-contained HTML report")
    group.add_argument("--jsonl", type=Path, metavar="FILE", help="one finding per line (SIEM file input)")
    group.add_argument("--csv", type=Path, metavar="FILE", help="one finding per row")
    group.add_argument("--ocsf", type=Path, metavar="FILE", help="OCSF 1.8 Compliance Finding events (JSON Lines)")
    group.add_argument("-q", "--quiet", action="store_true", help="no progress and no summary on the terminal")


def add_ca_bundle_argument(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """`--ca-bundle FILE`: verify camera certificates against the site's CAs (docs/tls.md)."""
    parser.add_argument("--ca-bundle", type=Path, metavar="FILE",
                        help="PEM file of CA certificates: verify each camera's HTTPS certificate against it "
                             "and its address (tls.verification, GDPR-SEC-3; one extra connection per port). "
                             "Overrides the site's scan.ca_bundle")


def add_evaluation_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("evaluation")
    group.add_argument("--profile", dest="profiles", action="append", default=[], metavar="ID|FILE",
                       help="compliance profile to apply instead of the site's (repeatable)")
    group.add_argument("--at", metavar="ISO-TIME", help="evaluate time-aware rules as of this time "
                                                        "(naive times are in the site's time zone)")


def add_history_arguments(parser: argparse.ArgumentParser, *, default_on: bool = True) -> None:
    group = parser.add_argument_group("history")
    group.add_argument("--history", metavar="PATH|URL", default=None,
                       help="history store: SQLite path or postgresql:// URL "
                            "(default: $CAMAUDIT_STATE_DIR/history.sqlite or ~/.local/share/camaudit)")
    if default_on:
        group.add_argument("--no-history", action="store_true", help="do not record this scan or compare it")
    else:
        parser.set_defaults(no_history=None)


def add_mqtt_arguments(parser: argparse.ArgumentParser) -> None:
    from scanner.mqtt_options import add_mqtt_arguments as add  # reports.mqtt pulls in paho: only for these commands

    add(parser)


def output_paths(args: argparse.Namespace) -> dict[str, Path | None]:
    return {name: getattr(args, name, None) for name in ("html", "json", "jsonl", "csv", "ocsf")}


def check_output_paths(args: argparse.Namespace, *, create_dirs: bool = False) -> None:
    """Every report path must be writable before anything is scanned: a one-line ConfigError otherwise.

    A path that is a directory, a parent that is not a directory or not writable, and (unless
    `create_dirs`, for `watch`'s per-scan templates) a parent that does not exist are refused.
    """
    import os

    for name, path in output_paths(args).items():
        if path is None:
            continue
        option = f"--{name}"
        if path.is_dir():
            raise ConfigError(f"{path} is a directory; give a file name", field=option)
        parent = path.parent
        if not parent.exists():
            if not create_dirs:
                raise ConfigError(f"directory {parent} does not exist", field=option)
            while not parent.exists() and parent != parent.parent:
                parent = parent.parent
        if not parent.is_dir():
            raise ConfigError(f"{parent} is not a directory", field=option)
        if not os.access(parent, os.W_OK | os.X_OK):
            raise ConfigError(f"directory {parent} is not writable", field=option)


def check_mqtt_options(args: argparse.Namespace) -> None:
    """Broker options (URL without a password, TLS files, password reference) checked before scanning."""
    if not getattr(args, "mqtt", None):
        return
    from scanner.mqtt_options import mqtt_config_from_args

    mqtt_config_from_args(args)  # raises ConfigError naming the option

