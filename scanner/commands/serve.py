"""`camaudit serve`: the dashboard of all sites (aiohttp), reading the central PostgreSQL history.

    camaudit serve --history postgresql://camaudit@db/camaudit --password-file /etc/camaudit/dashboard.users
    camaudit serve --hash-password alice < password.txt   # prints a line for the password file

Binds 127.0.0.1:8080 unless `--listen` says otherwise; login through a password file or a header set by a
reverse proxy (`--auth-header X-Remote-User`, see docs/deployment.md).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from probes.errors import ConfigError
from scanner import exitcodes
from scanner.commands import _common
from scanner.schedule import parse_duration

DEFAULT_LISTEN = "127.0.0.1:8080"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("serve", help="the dashboard of all sites over a PostgreSQL history",
                            description="Serve the dashboard: sites with their compliance trend, last scan age "
                                        "and offline agents, each site's latest report, two-date comparisons.")
    parser.add_argument("--history", metavar="URL", help="postgresql:// URL of the central history")
    parser.add_argument("--listen", default=DEFAULT_LISTEN, metavar="HOST:PORT",
                        help=f"address to bind (default {DEFAULT_LISTEN}: this machine only)")
    auth = parser.add_mutually_exclusive_group()
    auth.add_argument("--password-file", type=Path, metavar="FILE",
                      help="users and scrypt hashes, one user:hash line each (--hash-password makes a line)")
    auth.add_argument("--auth-header", metavar="NAME",
                      help="trust this request header as the user name (set by a reverse proxy that "
                           "authenticates and strips the client's copy)")
    auth.add_argument("--hash-password", metavar="USER",
                      help="read a password from stdin, print a password-file line for USER and exit")
    parser.add_argument("--offline-after", default="26h", metavar="DURATION",
                        help="flag a site with no scan for this long (default 26h)")
    parser.add_argument("--secure-cookie", action="store_true", help="mark the session cookie Secure (HTTPS proxy)")
    parser.set_defaults(handler=run)


def _listen(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not host:
        raise ConfigError("expected HOST:PORT, e.g. 127.0.0.1:8080", field="--listen")
    return host.strip("[]"), int(port)


async def run(args: argparse.Namespace) -> int:
    from scanner.dashboard import DashboardOptions, DashboardStore, build_app
    from scanner.dashboard.auth import hash_password, load_password_file

    if args.hash_password:
        password = sys.stdin.readline().rstrip("\n")
        if not password:
            raise ConfigError("no password on stdin", field="--hash-password")
        print(f"{args.hash_password}:{hash_password(password)}")
        return exitcodes.OK
    if not args.history or not args.history.startswith(("postgresql://", "postgres://")):
        raise ConfigError("the dashboard reads the central PostgreSQL history: give --history postgresql://...",
                          field="--history")
    if not args.password_file and not args.auth_header:
        raise ConfigError("the dashboard needs a login: --password-file FILE or --auth-header NAME",
                          field="--password-file")
    host, port = _listen(args.listen)
    options = DashboardOptions(users=load_password_file(args.password_file) if args.password_file else None,
                               auth_header=args.auth_header, offline_after=parse_duration(args.offline_after),
                               secure_cookie=args.secure_cookie)
    from aiohttp import web

    stop = _common.stop_on_signals()
    async with DashboardStore(args.history) as store:
        runner = web.AppRunner(build_app(store, options), access_log=None)
        await runner.setup()
        try:
            site = web.TCPSite(runner, host, port)
            await site.start()
            print(f"camaudit dashboard on http://{args.listen}/ (history {store.location})", file=sys.stderr,
                  flush=True)
            await stop.wait()
        finally:
            await runner.cleanup()
    return exitcodes.OK
