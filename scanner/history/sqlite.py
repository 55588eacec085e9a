"""The default history store: one SQLite file, driven from a single worker thread.

sqlite3 calls block, so every call runs on one dedicated thread (the connection
never changes threads and the event loop never waits on the disk). WAL mode lets
`camaudit history` read while a scan writes; a scan is one transaction, so a
killed process leaves either the whole scan or nothing (plus its marker).
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from probes import clock
from reports.model import ScanResult
from scanner.history._rows import iso, record_from_row, scan_rows
from scanner.history.base import HistoryStore
from scanner.history.migrations import LATEST, SQLITE, Migration
from scanner.history.model import HistoryError, ScanRecord, ScanStatus

T = TypeVar("T")
BUSY_TIMEOUT_MS = 30_000  # another process holds the write lock (e.g. `history` during a commit)

_SCAN_COLUMNS = ("scan_id, site, status, started_at, finished_at, previous_scan_id, scanner_version, host, pid, "
                 "status_reason, devices_count, fail_count, new_count, changed_count, resolved_count, error_count")


class SqliteHistory(HistoryStore):
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path).expanduser()
        self.location = str(self.path)
        self._conn: sqlite3.Connection | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._target_version = LATEST  # tests open old versions to test upgrades

    # -- plumbing

    async def _run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        if self._conn is None or self._executor is None:
            raise HistoryError("history store is not open")
        conn = self._conn
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, fn, conn)
        except sqlite3.Error as exc:  # the one boundary: sqlite3's errors leave the store as HistoryError
            raise HistoryError(f"history store {self.path}: {exc}") from exc

    async def open(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="camaudit-history")
        loop = asyncio.get_running_loop()
        try:
            self._conn = await loop.run_in_executor(self._executor, self._connect)
            await self._run(self._migrate)
        except BaseException:
            await self.close()
            raise

    def _connect(self) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False,
                                   timeout=BUSY_TIMEOUT_MS / 1000)
        except (OSError, sqlite3.Error) as exc:
            raise HistoryError(f"cannot open history store {self.path}: {exc}") from None
        try:
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")  # the first read: a file that is no database fails here
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            os.chmod(self.path, 0o600)  # findings describe the camera network: owner only
        except (OSError, sqlite3.Error) as exc:
            conn.close()
            raise HistoryError(f"cannot open history store {self.path}: {exc}") from None
        return conn

    async def close(self) -> None:
        conn, executor = self._conn, self._executor
        self._conn = self._executor = None
        if executor is not None:
            if conn is not None:
                await asyncio.get_running_loop().run_in_executor(executor, conn.close)
            executor.shutdown(wait=True)

    # -- migrations

    @staticmethod
    def _version(conn: sqlite3.Connection) -> int:
        conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, "
                     "description TEXT NOT NULL, applied_at TEXT NOT NULL)")
        row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
        return int(row[0] or 0)

    def _migrate(self, conn: sqlite3.Connection) -> None:
        apply_migrations(conn, SQLITE, upto=self._target_version, location=self.location)

    async def schema_version(self) -> int:
        return await self._run(self._version)

    # -- writes

    async def begin_scan(self, scan_id: str, site: str, started_at: datetime, scanner_version: str) -> None:
        def write(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO scans (scan_id, site, status, started_at, scanner_version, host, pid) "
                "VALUES (?, ?, 'running', ?, ?, ?, ?)",
                (scan_id, site, iso(started_at), scanner_version, self.host, os.getpid()))
        await self._run(write)

    async def commit_scan(self, result: ScanResult, *, marker_id: str | None = None,
                          emit_pending: str | None = None) -> ScanRecord:
        rows = scan_rows(result, host=self.host, pid=os.getpid())
        scan = dict(rows.scan, started_at=iso(rows.scan["started_at"]), finished_at=iso(rows.scan["finished_at"]),
                    emit_pending=emit_pending)
        ids = {result.meta.scan_id, marker_id or result.meta.scan_id}

        def write(conn: sqlite3.Connection) -> None:
            conn.execute("BEGIN IMMEDIATE")
            try:
                for old in ids:  # the marker and any earlier copy of this scan: children cascade
                    conn.execute("DELETE FROM scans WHERE scan_id = ?", (old,))
                names = ", ".join(scan)
                conn.execute(f"INSERT INTO scans ({names}) VALUES ({', '.join('?' * len(scan))})",
                             tuple(scan.values()))
                conn.executemany("INSERT INTO devices (scan_id, seq, device_id, address, port, label, doc_json) "
                                 "VALUES (?, ?, ?, ?, ?, ?, ?)", rows.devices)
                conn.executemany("INSERT INTO facts (scan_id, device_seq, device_id, fact_key, status, value_json, "
                                 "source, reason, evidence_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows.facts)
                conn.executemany("INSERT INTO findings (scan_id, seq, uid, rule_id, device_id, result, severity, "
                                 "change_state, doc_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows.findings)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

        try:
            await self._run(write)
        except sqlite3.Error as exc:
            raise HistoryError(f"cannot store scan {result.meta.scan_id} in {self.location}: {exc}") from None
        return await self.get_record(result.meta.scan_id)

    async def pending_emits(self, site: str, destination: str) -> list[str]:
        rows = await self._run(lambda c: c.execute(
            "SELECT scan_id FROM scans WHERE site = ? AND status = 'complete' AND emit_pending = ? "
            "ORDER BY started_at, rowid", (site, destination)).fetchall())
        return [r[0] for r in rows]

    async def clear_emit(self, scan_id: str) -> None:
        await self._run(lambda c: c.execute("UPDATE scans SET emit_pending = NULL WHERE scan_id = ?", (scan_id,)))

    async def end_scan(self, scan_id: str, status: ScanStatus, reason: str) -> None:
        def write(conn: sqlite3.Connection) -> None:
            conn.execute("UPDATE scans SET status = ?, status_reason = ?, finished_at = ? "
                         "WHERE scan_id = ? AND status = 'running'",
                         (status.value, reason, iso(clock.now()), scan_id))
        await self._run(write)

    async def prune(self, before: datetime, site: str | None = None) -> int:
        def delete(conn: sqlite3.Connection) -> int:
            conn.execute("BEGIN IMMEDIATE")
            try:
                cursor = conn.execute(
                    "DELETE FROM scans WHERE started_at < ? AND status != 'running' AND (? IS NULL OR site = ?) "
                    "AND scan_id NOT IN (SELECT s.scan_id FROM scans s WHERE s.status = 'complete' AND "
                    "s.started_at = (SELECT max(t.started_at) FROM scans t WHERE t.site = s.site "
                    "AND t.status = 'complete'))", (iso(before), site, site))
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            return cursor.rowcount

        return await self._run(delete)

    # -- reads

    async def list_scans(self, site: str | None = None, limit: int = 20,
                         status: ScanStatus | None = None) -> list[ScanRecord]:
        where: list[str] = []
        params: list[Any] = []
        if site is not None:
            where.append("site = ?")
            params.append(site)
        if status is not None:
            where.append("status = ?")
            params.append(status.value)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        sql = f"SELECT {_SCAN_COLUMNS} FROM scans {clause} ORDER BY started_at DESC, rowid DESC LIMIT ?"
        rows = await self._run(lambda c: c.execute(sql, (*params, limit)).fetchall())
        return [record_from_row(r) for r in rows]

    async def get_record(self, scan_id: str) -> ScanRecord:
        row = await self._run(lambda c: c.execute(f"SELECT {_SCAN_COLUMNS} FROM scans WHERE scan_id = ?",
                                                  (scan_id,)).fetchone())
        if row is None:
            raise self._no_scan(scan_id)
        return record_from_row(row)

    async def _scan_rows(self, scan_id: str) -> tuple[Any, list[Any], list[Any], list[Any]]:
        def read(conn: sqlite3.Connection) -> tuple[Any, list[Any], list[Any], list[Any]]:
            conn.execute("BEGIN")  # one snapshot for all four tables
            try:
                head = conn.execute("SELECT status, doc_json FROM scans WHERE scan_id = ?", (scan_id,)).fetchone()
                devices = conn.execute("SELECT seq, doc_json FROM devices WHERE scan_id = ?", (scan_id,)).fetchall()
                facts = conn.execute("SELECT * FROM facts WHERE scan_id = ?", (scan_id,)).fetchall()
                findings = conn.execute("SELECT seq, doc_json FROM findings WHERE scan_id = ?",
                                        (scan_id,)).fetchall()
            finally:
                conn.execute("COMMIT")
            return head, devices, facts, findings

        return await self._run(read)

    async def _ids_with_prefix(self, prefix: str) -> list[str]:
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        rows = await self._run(lambda c: c.execute(
            "SELECT scan_id FROM scans WHERE scan_id LIKE ? ESCAPE '\\' LIMIT 50", (escaped + "%",)).fetchall())
        return [r[0] for r in rows]

    async def _latest_complete_id(self, site: str, before: datetime | None) -> str | None:
        sql = "SELECT scan_id FROM scans WHERE site = ? AND status = 'complete'"
        params: list[Any] = [site]
        if before is not None:
            sql += " AND started_at < ?"
            params.append(iso(before))
        sql += " ORDER BY started_at DESC, rowid DESC LIMIT 1"
        row = await self._run(lambda c: c.execute(sql, params).fetchone())
        return row[0] if row else None


def apply_migrations(conn: sqlite3.Connection, steps: tuple[Migration, ...], *, upto: int, location: str) -> None:
    """Apply the missing steps up to `upto`, each in one transaction (shared with the tests for old versions)."""
    current = SqliteHistory._version(conn)
    if current > LATEST:
        raise HistoryError(f"{location} has schema version {current}, newer than this camaudit "
                           f"understands ({LATEST}); upgrade camaudit")
    for step in steps:
        if current >= step.version or step.version > upto:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            if SqliteHistory._version(conn) >= step.version:  # another process migrated meanwhile
                conn.execute("COMMIT")
                continue
            for statement in step.statements:
                conn.execute(statement)
            conn.execute("INSERT INTO schema_version (version, description, applied_at) VALUES (?, ?, ?)",
                         (step.version, step.description, iso(clock.now())))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        current = step.version
