"""History store: every scan with its devices, facts and findings, for drift and `camaudit history`.

SQLite by default at `$CAMAUDIT_STATE_DIR/history.sqlite` (else
`$XDG_DATA_HOME/camaudit/history.sqlite`, else `~/.local/share/camaudit/history.sqlite`);
PostgreSQL through a `postgresql://` URL. `--history URL|PATH` overrides both.
"""

from __future__ import annotations

import os
from pathlib import Path

from scanner.history.base import HistoryStore, pid_alive
from scanner.history.model import (
    HistoryAccessError,
    HistoryError,
    HistoryStatementError,
    HistoryUnavailable,
    ScanRecord,
    ScanStatus,
    UnknownScan,
)
from scanner.history.recording import ScanRun, adopt, new_scan_id, record_scan, store_scan

HISTORY_ENV = "CAMAUDIT_HISTORY"  # a URL or path, like --history


def state_dir() -> Path:
    """Where camaudit keeps its state (history, locks): $CAMAUDIT_STATE_DIR or the XDG data dir."""
    if os.environ.get("CAMAUDIT_STATE_DIR"):
        return Path(os.environ["CAMAUDIT_STATE_DIR"]).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or "~/.local/share"
    return Path(base).expanduser() / "camaudit"


def default_location() -> str:
    return os.environ.get(HISTORY_ENV) or str(state_dir() / "history.sqlite")


def open_history(location: str | os.PathLike[str] | None = None) -> HistoryStore:
    """A store for a URL (postgresql://, sqlite:///path) or a file path; use with `async with`."""
    text = str(location) if location is not None else default_location()
    if text.startswith(("postgresql://", "postgres://")):
        from scanner.history.postgres import PostgresHistory

        return PostgresHistory(text)
    if text.startswith("sqlite:///"):
        text = text.removeprefix("sqlite:///")  # as in SQLAlchemy: sqlite:///rel.db, sqlite:////abs/path.db
    elif "://" in text:
        raise HistoryError(f"unsupported history URL {text.split('://')[0]}://; use a path, sqlite:/// "
                           "or postgresql://")
    from scanner.history.sqlite import SqliteHistory

    return SqliteHistory(text)


__all__ = ["HISTORY_ENV", "HistoryAccessError", "HistoryError", "HistoryStatementError", "HistoryStore",
           "HistoryUnavailable", "ScanRecord", "ScanRun", "ScanStatus", "UnknownScan",
           "adopt", "default_location", "new_scan_id", "open_history", "pid_alive", "record_scan", "state_dir",
           "store_scan"]
