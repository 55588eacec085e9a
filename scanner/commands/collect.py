"""`camaudit collect`: the central collector of many site agents (MQTT in, PostgreSQL history out).

    camaudit collect --mqtt mqtts://collector@broker:8883 --mqtt-ca ca.pem --mqtt-cert c.pem --mqtt-key c.key \\
                     --history postgresql://camaudit@db/camaudit

Runs until SIGTERM/SIGINT; logs one line per stored scan, dead letter and re-send request. Two collectors
with the same `--group` share the work (MQTT 5 shared subscription). See docs/deployment.md.
"""

from __future__ import annotations

import argparse
import logging
import socket
import sys
from typing import TYPE_CHECKING

from probes.errors import ConfigError
from scanner import exitcodes
from scanner.commands import _common
from scanner.schedule import parse_duration

if TYPE_CHECKING:
    from scanner.collect import CollectorOptions

log = logging.getLogger("camaudit.collect")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "collect", help="collect many sites' scans from an MQTT broker into a PostgreSQL history",
        description="Subscribe to the site agents' messages (camaudit watch --mqtt ... --mqtt-documents), validate "
                    "them and store every scan, current findings and finding transitions in PostgreSQL.")
    parser.add_argument("--history", metavar="URL", required=True, help="postgresql:// URL of the central history")
    parser.add_argument("--group", default=None, metavar="NAME",
                        help="shared-subscription group; collectors in one group split the messages "
                             "(default camaudit-collectors)")
    parser.add_argument("--collector-id", default=None, metavar="ID",
                        help="this collector's name in logs and requests (default: the host name)")
    parser.add_argument("--max-message-bytes", type=int, default=None, metavar="N",
                        help="larger messages go to the dead letters (default 16 MiB)")
    parser.add_argument("--max-document-bytes", type=int, default=None, metavar="N",
                        help="larger scan documents go to the dead letters (default 4 GiB uncompressed)")
    parser.add_argument("--gap-grace", default="60s", metavar="DURATION",
                        help="how long a scan an agent lists may be missing before it is requested (default 60s)")
    parser.add_argument("--gap-retry", default="2m", metavar="DURATION",
                        help="between two requests for the same missing scan (default 2m)")
    parser.add_argument("--gap-requests", type=int, default=3, metavar="N",
                        help="requests per missing scan before it stays flagged in the dashboard (default 3)")
    _common.add_mqtt_arguments(parser)
    parser.set_defaults(handler=run)


def _options(args: argparse.Namespace) -> CollectorOptions:
    from scanner.collect import CollectorOptions

    defaults = CollectorOptions()
    for name in ("max_message_bytes", "max_document_bytes", "gap_requests"):
        value = getattr(args, name)
        if value is not None and value <= 0:
            raise ConfigError("must be a positive number", field=f"--{name.replace('_', '-')}")
    return CollectorOptions(
        group=args.group or defaults.group,
        collector_id=args.collector_id or socket.gethostname() or "collector",
        max_message_bytes=args.max_message_bytes or defaults.max_message_bytes,
        max_document_bytes=args.max_document_bytes or defaults.max_document_bytes,
        gap_grace=parse_duration(args.gap_grace), gap_retry=parse_duration(args.gap_retry),
        gap_max_requests=args.gap_requests)


class _Lines(logging.Handler):
    """Plain lines on stderr (journald adds the metadata)."""

    def emit(self, record: logging.LogRecord) -> None:
        sys.stderr.write(self.format(record) + "\n")
        sys.stderr.flush()


async def run(args: argparse.Namespace) -> int:
    from scanner.collect import Collector, CollectorStore
    from scanner.mqtt_options import mqtt_config_from_args

    if not args.history.startswith(("postgresql://", "postgres://")):
        raise ConfigError("the collector writes into PostgreSQL: give a postgresql:// URL", field="--history")
    config = mqtt_config_from_args(args)
    if config is None:
        raise ConfigError("give the broker with --mqtt URL", field="--mqtt")
    options = _options(args)
    collect_log = logging.getLogger("camaudit.collect")
    if not any(isinstance(h, _Lines) for h in collect_log.handlers):
        handler = _Lines()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        collect_log.addHandler(handler)
    collect_log.setLevel(logging.INFO)
    collect_log.propagate = False
    stop = _common.stop_on_signals()
    async with CollectorStore(args.history) as store:
        collector = Collector(config, store, options)
        await collector.run(stop)
        s = collector.stats
        collect_log.info("collector stopped: %d message(s), %d scan(s) stored, %d duplicate(s), %d dead letter(s)",
                         s.messages, s.scans_stored, s.duplicates, s.dead_letters)
    return exitcodes.OK
