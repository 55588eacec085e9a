"""A throw-away PostgreSQL server for tests: `initdb` in a temporary directory, serving on a unix socket there.

    with TempPostgres() as pg:                 # stopped and deleted on exit, even after a failure
        url = pg.url("test")                   # postgresql://postgres@/test?host=/tmp/camaudit-pg-.../
        pg.restart()                           # a fault: the server goes away and comes back

Uses Debian's `postgresql` package (`/usr/lib/postgresql/<version>/bin`, installed by dev/test) or
binaries on $PATH. `initdb` refuses to run as root, so as root the server runs as the `postgres` user in a
directory it owns. No TCP port is opened (listen_addresses is empty): it works inside a network namespace
and never collides with another test run. `shared_url()` starts one server for the whole pytest process
(lazily, stopped at exit); `CAMAUDIT_TEST_POSTGRES=postgresql://...` uses an existing server instead.
"""

from __future__ import annotations

import atexit
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType
from typing import Self

URL_ENV = "CAMAUDIT_TEST_POSTGRES"


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL binaries on this machine (install Debian's `postgresql`)."""


def bin_dir() -> Path:
    """The directory with initdb and pg_ctl: $PATH first, then the newest /usr/lib/postgresql/N/bin."""
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent  # Debian links single tools into /usr/local/bin
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
                        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    if not candidates:
        raise PostgresUnavailable("PostgreSQL is not installed (Debian: apt-get install postgresql)")
    return Path(candidates[-1]).parent


class TempPostgres:
    """One PostgreSQL cluster in a temporary directory, on a unix socket in that directory."""

    def __init__(self) -> None:
        self.bin = bin_dir()
        self.root: Path | None = None
        self._user: pwd.struct_passwd | None = None

    @property
    def socket_dir(self) -> Path:
        assert self.root is not None, "server not started"
        return self.root

    @property
    def data_dir(self) -> Path:
        return self.socket_dir / "data"

    @property
    def log_file(self) -> Path:
        return self.socket_dir / "server.log"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@/{database}?host={self.socket_dir}"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin / args[0]), *args[1:]]
        if self._user is not None:  # root: run as postgres (initdb and postgres refuse root)
            command = ["runuser", "-u", self._user.pw_name, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)
        if check and result.returncode != 0:
            raise RuntimeError(f"{args[0]} failed ({result.returncode}): {result.stderr.strip() or result.stdout}"
                               f"\n{self._log_tail()}")
        return result

    def _log_tail(self) -> str:
        try:
            return "server log: " + self.log_file.read_text(errors="replace")[-2000:]
        except OSError:
            return ""

    def start(self) -> Self:
        self.root = Path(tempfile.mkdtemp(prefix="camaudit-pg-", dir="/tmp"))  # short: socket paths max 107
        if os.geteuid() == 0:
            self._user = pwd.getpwnam("postgres")
            os.chown(self.root, self._user.pw_uid, self._user.pw_gid)
        self._run("initdb", "-D", str(self.data_dir), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                  "--no-sync", "--no-instructions")
        self.start_server()
        self._run("createdb", "-h", str(self.socket_dir), "-U", "postgres", "test")
        return self

    def start_server(self) -> None:
        options = f"-k {self.socket_dir} -c listen_addresses='' -c fsync=off -c full_page_writes=off"
        self._run("pg_ctl", "-D", str(self.data_dir), "-l", str(self.log_file), "-o", options, "-w", "-t", "60",
                  "start")

    def stop_server(self, mode: str = "fast") -> None:
        """Stop the server (`immediate` is a crash: no checkpoint, recovery on the next start)."""
        self._run("pg_ctl", "-D", str(self.data_dir), "-m", mode, "-w", "-t", "60", "stop", check=False)

    def require_passwords(self) -> None:
        """From now on only `postgres` logs in without a password; every other role needs its own (SCRAM)."""
        (self.data_dir / "pg_hba.conf").write_text("local all postgres trust\nlocal all all scram-sha-256\n")
        self._run("pg_ctl", "-D", str(self.data_dir), "reload")

    def restart(self, mode: str = "fast") -> None:
        self.stop_server(mode)
        self.start_server()

    def close(self) -> None:
        if self.root is None:
            return
        self.stop_server("immediate")
        shutil.rmtree(self.root, ignore_errors=True)
        self.root = None

    def __enter__(self) -> Self:
        try:
            return self.start()
        except BaseException:
            self.close()
            raise

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


_shared: TempPostgres | None = None


def shared_url() -> str:
    """A URL to database `test` on the process-wide server (started on first use), or $CAMAUDIT_TEST_POSTGRES."""
    global _shared
    if os.environ.get(URL_ENV):
        return os.environ[URL_ENV]
    if _shared is None:
        server = TempPostgres()
        try:
            server.start()
        except BaseException:
            server.close()
            raise
        atexit.register(server.close)
        _shared = server
    return _shared.url("test")


def with_search_path(url: str, schema: str) -> str:
    """The URL with `search_path` set, whether or not it already has query parameters."""
    return f"{url}{'&' if '?' in url else '?'}search_path={schema}"
