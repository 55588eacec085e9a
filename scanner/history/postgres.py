"""Optional PostgreSQL history store, for collecting many sites centrally.

asyncpg comes with the `postgres` extra: `pipx install '.[postgres]'` from a checkout.

The URL is a libpq-style `postgresql://user@host:port/db`; extra query parameters are
server settings, e.g. `?search_path=camaudit` to keep the tables in their own schema.
Migrations take an advisory lock, so several scanners may start at once.
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from probes import clock
from reports.model import ScanResult
from scanner.history._rows import ScanRows, build_scan, record_from_row, scan_rows, utc
from scanner.history.base import HistoryStore
from scanner.history.migrations import LATEST, POSTGRES
from scanner.history.model import HistoryError, ScanRecord, ScanStatus

_LOCK_KEY = 0x63616D61  # "cama": advisory lock id for migrations
_DEVICE_COLUMNS = ("scan_id", "seq", "device_id", "address", "port", "label", "doc_json")
_FACT_COLUMNS = ("scan_id", "device_seq", "device_id", "fact_key", "status", "value_json", "source", "reason",
                 "evidence_json")
_FINDING_COLUMNS = ("scan_id", "seq", "uid", "rule_id", "device_id", "result", "severity", "change_state",
                    "doc_json")
_SCAN_COLUMNS = ("scan_id, site, status, started_at, finished_at, previous_scan_id, scanner_version, host, pid, "
                 "status_reason, devices_count, fail_count, new_count, changed_count, resolved_count, error_count")


def redact(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    user = netloc[0].split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc[1]}"))


async def write_scan_rows(conn: Any, rows: ScanRows, *, marker_id: str | None = None,
                          emit_pending: str | None = None, extra: dict[str, Any] | None = None) -> None:
    """Write one scan's rows on `conn`, inside the caller's transaction (the collector adds its own tables).

    Replaces the scan's marker (`marker_id`, default its own id); `extra` sets more `scans` columns.
    """
    scan = dict(rows.scan, started_at=utc(rows.scan["started_at"]), finished_at=utc(rows.scan["finished_at"]),
                emit_pending=emit_pending, **(extra or {}))
    scan_id = scan["scan_id"]
    ids = list({scan_id, marker_id or scan_id})
    names = ", ".join(scan)
    marks = ", ".join(f"${i}" for i in range(1, len(scan) + 1))
    await conn.execute("DELETE FROM scans WHERE scan_id = ANY($1::text[])", ids)
    await conn.execute(f"INSERT INTO scans ({names}) VALUES ({marks})", *scan.values())
    # COPY: tens of thousands of rows per scan, still inside the one transaction
    for table, records, columns in (("devices", rows.devices, _DEVICE_COLUMNS),
                                    ("facts", rows.facts, _FACT_COLUMNS),
                                    ("findings", rows.findings, _FINDING_COLUMNS)):
        if records:
            await conn.copy_records_to_table(table, records=records, columns=columns)


class PostgresHistory(HistoryStore):
    def __init__(self, url: str, *, min_size: int = 1, max_size: int = 4) -> None:
        self.url = url
        self.location = redact(url)
        self._pool: Any = None
        self._sizes = (min_size, max_size)
        self._target_version = LATEST  # tests open old versions to test upgrades

    async def open(self) -> None:
        try:
            import asyncpg
        except ImportError:
            raise HistoryError("a postgresql:// history needs asyncpg (the optional 'postgres' extra): install it "
                               "into camaudit's environment, e.g. /opt/camaudit/bin/pip install 'asyncpg>=0.29,<1', "
                               "or install camaudit from its checkout with '.[postgres]'") from None
        try:
            self._pool = await asyncpg.create_pool(self.url, min_size=self._sizes[0], max_size=self._sizes[1],
                                                   command_timeout=60)
        except (OSError, asyncpg.PostgresError, ValueError) as exc:
            raise HistoryError(f"cannot connect to history store {self.location}: {exc}") from None
        try:
            await self._migrate(self._target_version)
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()

    def _p(self) -> Any:
        if self._pool is None:
            raise HistoryError("history store is not open")
        return self._pool

    async def _migrate(self, upto: int) -> None:
        async with self._p().acquire() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", _LOCK_KEY)
            await conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, "
                               "description TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL)")
        for step in POSTGRES:
            if step.version > upto:
                break
            async with self._p().acquire() as conn, conn.transaction():
                await conn.execute("SELECT pg_advisory_xact_lock($1)", _LOCK_KEY)
                current = await conn.fetchval("SELECT coalesce(max(version), 0) FROM schema_version")
                if current > LATEST:
                    raise HistoryError(f"{self.location} has schema version {current}, newer than this "
                                       f"camaudit understands ({LATEST}); upgrade camaudit")
                if current >= step.version:
                    continue
                for statement in step.statements:
                    await conn.execute(statement)
                await conn.execute("INSERT INTO schema_version (version, description, applied_at) "
                                   "VALUES ($1, $2, $3)", step.version, step.description, clock.now())

    async def schema_version(self) -> int:
        return int(await self._p().fetchval("SELECT coalesce(max(version), 0) FROM schema_version"))

    async def begin_scan(self, scan_id: str, site: str, started_at: datetime, scanner_version: str) -> None:
        await self._p().execute(
            "INSERT INTO scans (scan_id, site, status, started_at, scanner_version, host, pid) "
            "VALUES ($1, $2, 'running', $3, $4, $5, $6)",
            scan_id, site, utc(started_at), scanner_version, self.host, os.getpid())

    async def commit_scan(self, result: ScanResult, *, marker_id: str | None = None,
                          emit_pending: str | None = None) -> ScanRecord:
        import asyncpg

        rows = scan_rows(result, host=self.host, pid=os.getpid())
        try:
            async with self._p().acquire() as conn, conn.transaction():
                await write_scan_rows(conn, rows, marker_id=marker_id, emit_pending=emit_pending)
        except asyncpg.PostgresError as exc:
            raise HistoryError(f"cannot store scan {result.meta.scan_id} in {self.location}: {exc}") from None
        return await self.get_record(result.meta.scan_id)

    async def pending_emits(self, site: str, destination: str) -> list[str]:
        rows = await self._p().fetch("SELECT scan_id FROM scans WHERE site = $1 AND status = 'complete' "
                                     "AND emit_pending = $2 ORDER BY started_at, scan_id", site, destination)
        return [r["scan_id"] for r in rows]

    async def clear_emit(self, scan_id: str) -> None:
        await self._p().execute("UPDATE scans SET emit_pending = NULL WHERE scan_id = $1", scan_id)

    async def end_scan(self, scan_id: str, status: ScanStatus, reason: str) -> None:
        await self._p().execute("UPDATE scans SET status = $1, status_reason = $2, finished_at = $3 "
                                "WHERE scan_id = $4 AND status = 'running'",
                                status.value, reason, clock.now(), scan_id)

    async def prune(self, before: datetime, site: str | None = None) -> int:
        status = await self._p().execute(
            "DELETE FROM scans WHERE started_at < $1 AND status != 'running' AND ($2::text IS NULL OR site = $2) "
            "AND scan_id NOT IN (SELECT DISTINCT ON (site) scan_id FROM scans WHERE status = 'complete' "
            "ORDER BY site, started_at DESC)", utc(before), site)
        return int(status.split()[-1])

    async def list_scans(self, site: str | None = None, limit: int = 20,
                         status: ScanStatus | None = None) -> list[ScanRecord]:
        rows = await self._p().fetch(
            f"SELECT {_SCAN_COLUMNS} FROM scans WHERE ($1::text IS NULL OR site = $1) "
            "AND ($2::text IS NULL OR status = $2) ORDER BY started_at DESC LIMIT $3",
            site, status.value if status else None, limit)
        return [record_from_row(r) for r in rows]

    async def get_record(self, scan_id: str) -> ScanRecord:
        row = await self._p().fetchrow(f"SELECT {_SCAN_COLUMNS} FROM scans WHERE scan_id = $1", scan_id)
        if row is None:
            raise HistoryError(f"no scan {scan_id!r} in {self.location}")
        return record_from_row(row)

    async def load_scan(self, scan_id: str) -> ScanResult:
        async with self._p().acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
            head = await conn.fetchrow("SELECT status, doc_json FROM scans WHERE scan_id = $1", scan_id)
            devices = await conn.fetch("SELECT seq, doc_json FROM devices WHERE scan_id = $1", scan_id)
            facts = await conn.fetch("SELECT * FROM facts WHERE scan_id = $1", scan_id)
            findings = await conn.fetch("SELECT seq, doc_json FROM findings WHERE scan_id = $1", scan_id)
        if head is None:
            raise HistoryError(f"no scan {scan_id!r} in {self.location}")
        if head["status"] != ScanStatus.COMPLETE.value:
            raise HistoryError(f"scan {scan_id} is {head['status']}: it has no stored result")
        return build_scan(head["doc_json"], devices, facts, findings)

    async def _ids_with_prefix(self, prefix: str) -> list[str]:
        rows = await self._p().fetch("SELECT scan_id FROM scans WHERE starts_with(scan_id, $1) LIMIT 50", prefix)
        return [r[0] for r in rows]

    async def _latest_complete_id(self, site: str, before: datetime | None) -> str | None:
        scan_id: str | None = await self._p().fetchval(
            "SELECT scan_id FROM scans WHERE site = $1 AND status = 'complete' "
            "AND ($2::timestamptz IS NULL OR started_at < $2) ORDER BY started_at DESC LIMIT 1",
            site, utc(before) if before else None)
        return scan_id

