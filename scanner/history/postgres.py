"""Optional PostgreSQL history store, for collecting many sites centrally.

asyncpg comes with the `postgres` extra: `pipx install '.[postgres]'` from a checkout.

The URL is a libpq-style `postgresql://user@host:port/db`; extra query parameters are
server settings, e.g. `?search_path=camaudit` to keep the tables in their own schema.
Migrations take an advisory lock, so several scanners may start at once.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from probes import clock
from reports.model import ScanResult
from scanner.history._rows import ScanRows, record_from_row, scan_rows, utc
from scanner.history.base import HistoryStore
from scanner.history.migrations import LATEST, POSTGRES
from scanner.history.model import HistoryAccessError, HistoryError, ScanRecord, ScanStatus

_LOCK_KEY = 0x63616D61  # "cama": advisory lock id for migrations
_DEVICE_COLUMNS = ("scan_id", "seq", "device_id", "address", "port", "label", "doc_json")
_FACT_COLUMNS = ("scan_id", "device_seq", "device_id", "fact_key", "status", "value_json", "source", "reason",
                 "evidence_json")
_FINDING_COLUMNS = ("scan_id", "seq", "uid", "rule_id", "device_id", "result", "severity", "change_state",
                    "doc_json")
_SCAN_COLUMNS = ("scan_id, site, status, started_at, finished_at, previous_scan_id, scanner_version, host, pid, "
                 "status_reason, devices_count, fail_count, new_count, changed_count, resolved_count, error_count")


_SECRET_PARAMETERS = frozenset({"password", "sslpassword"})  # asyncpg takes these from the query string too


def redact(url: str) -> str:
    """The URL without its passwords (in the user part or the query string), for messages."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    if any(key in _SECRET_PARAMETERS for key, _ in query):
        parts = parts._replace(query=urlencode([(k, "***" if k in _SECRET_PARAMETERS else v) for k, v in query],
                                               safe="/*"))
    if parts.password is None:
        return urlunsplit(parts)
    netloc = parts.netloc.rsplit("@", 1)
    user = netloc[0].split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc[1]}"))


def url_settings(url: str) -> list[str]:
    """The names in the URL's query string (asyncpg sends those it does not take itself as server settings)."""
    return [key for key, _ in parse_qsl(urlsplit(url).query, keep_blank_values=True)]


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
        from scanner.history._pg_errors import LIBRARY_ERRORS, connect_error

        try:
            self._pool = await asyncpg.create_pool(self.url, min_size=self._sizes[0], max_size=self._sizes[1],
                                                   command_timeout=60)
        except LIBRARY_ERRORS as exc:
            raise connect_error(exc, location=self.location, settings=url_settings(self.url)) from None
        except ValueError as exc:  # the URL itself (a port that is no number ...)
            raise HistoryAccessError(f"the history URL {self.location} is not usable: {exc}") from None
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

    @asynccontextmanager
    async def _db(self, doing: str, *, transaction: bool = False, **options: Any) -> AsyncIterator[Any]:
        """A pooled connection, in a transaction when asked (`options` as asyncpg's `transaction()`).

        The one boundary of the PostgreSQL stores: asyncpg's and the socket's errors leave as camaudit's
        (scanner/history/_pg_errors.py), saying what the store was doing.
        """
        from scanner.history._pg_errors import LIBRARY_ERRORS, history_error

        pool = self._p()
        try:
            async with pool.acquire() as conn:
                if transaction or options:
                    async with conn.transaction(**options):
                        yield conn
                else:
                    yield conn
        except LIBRARY_ERRORS as exc:
            raise history_error(exc, location=self.location, doing=doing) from exc

    async def _migrate(self, upto: int) -> None:
        async with self._db("create the schema_version table", transaction=True) as conn:
            await conn.execute("SELECT pg_advisory_xact_lock($1)", _LOCK_KEY)
            await conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, "
                               "description TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL)")
        for step in POSTGRES:
            if step.version > upto:
                break
            async with self._db(f"migrate to schema version {step.version}", transaction=True) as conn:
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
        async with self._db("read the schema version") as conn:
            return int(await conn.fetchval("SELECT coalesce(max(version), 0) FROM schema_version"))

    async def begin_scan(self, scan_id: str, site: str, started_at: datetime, scanner_version: str) -> None:
        async with self._db(f"begin scan {scan_id}") as conn:
            await conn.execute(
                "INSERT INTO scans (scan_id, site, status, started_at, scanner_version, host, pid) "
                "VALUES ($1, $2, 'running', $3, $4, $5, $6)",
                scan_id, site, utc(started_at), scanner_version, self.host, os.getpid())

    async def commit_scan(self, result: ScanResult, *, marker_id: str | None = None,
                          emit_pending: str | None = None) -> ScanRecord:
        rows = scan_rows(result, host=self.host, pid=os.getpid())
        async with self._db(f"store scan {result.meta.scan_id}", transaction=True) as conn:
            await write_scan_rows(conn, rows, marker_id=marker_id, emit_pending=emit_pending)
        return await self.get_record(result.meta.scan_id)

    async def pending_emits(self, site: str, destination: str) -> list[str]:
        async with self._db("list the scans to deliver") as conn:
            rows = await conn.fetch("SELECT scan_id FROM scans WHERE site = $1 AND status = 'complete' "
                                    "AND emit_pending = $2 ORDER BY started_at, scan_id", site, destination)
        return [r["scan_id"] for r in rows]

    async def clear_emit(self, scan_id: str) -> None:
        async with self._db(f"mark scan {scan_id} delivered") as conn:
            await conn.execute("UPDATE scans SET emit_pending = NULL WHERE scan_id = $1", scan_id)

    async def end_scan(self, scan_id: str, status: ScanStatus, reason: str) -> None:
        async with self._db(f"end scan {scan_id}") as conn:
            await conn.execute("UPDATE scans SET status = $1, status_reason = $2, finished_at = $3 "
                               "WHERE scan_id = $4 AND status = 'running'",
                               status.value, reason, clock.now(), scan_id)

    async def prune(self, before: datetime, site: str | None = None) -> int:
        async with self._db("prune old scans") as conn:
            status = await conn.execute(
                "DELETE FROM scans WHERE started_at < $1 AND status != 'running' AND ($2::text IS NULL OR site = $2) "
                "AND scan_id NOT IN (SELECT DISTINCT ON (site) scan_id FROM scans WHERE status = 'complete' "
                "ORDER BY site, started_at DESC)", utc(before), site)
        return int(status.split()[-1])

    async def list_scans(self, site: str | None = None, limit: int = 20,
                         status: ScanStatus | None = None) -> list[ScanRecord]:
        async with self._db("list scans") as conn:
            rows = await conn.fetch(
                f"SELECT {_SCAN_COLUMNS} FROM scans WHERE ($1::text IS NULL OR site = $1) "
                "AND ($2::text IS NULL OR status = $2) ORDER BY started_at DESC LIMIT $3",
                site, status.value if status else None, limit)
        return [record_from_row(r) for r in rows]

    async def get_record(self, scan_id: str) -> ScanRecord:
        async with self._db(f"read scan {scan_id}") as conn:
            row = await conn.fetchrow(f"SELECT {_SCAN_COLUMNS} FROM scans WHERE scan_id = $1", scan_id)
        if row is None:
            raise self._no_scan(scan_id)
        return record_from_row(row)

    async def _scan_rows(self, scan_id: str) -> tuple[Any, list[Any], list[Any], list[Any]]:
        async with self._db(f"load scan {scan_id}", isolation="repeatable_read", readonly=True) as conn:
            head = await conn.fetchrow("SELECT status, doc_json FROM scans WHERE scan_id = $1", scan_id)
            devices = await conn.fetch("SELECT seq, doc_json FROM devices WHERE scan_id = $1", scan_id)
            facts = await conn.fetch("SELECT * FROM facts WHERE scan_id = $1", scan_id)
            findings = await conn.fetch("SELECT seq, doc_json FROM findings WHERE scan_id = $1", scan_id)
        return head, devices, facts, findings

    async def _ids_with_prefix(self, prefix: str) -> list[str]:
        async with self._db(f"look up scan ids starting {prefix!r}") as conn:
            rows = await conn.fetch("SELECT scan_id FROM scans WHERE starts_with(scan_id, $1) LIMIT 50", prefix)
        return [r[0] for r in rows]

    async def _latest_complete_id(self, site: str, before: datetime | None) -> str | None:
        async with self._db(f"find site {site!r}'s latest scan") as conn:
            scan_id: str | None = await conn.fetchval(
                "SELECT scan_id FROM scans WHERE site = $1 AND status = 'complete' "
                "AND ($2::timestamptz IS NULL OR started_at < $2) ORDER BY started_at DESC LIMIT 1",
                site, utc(before) if before else None)
        return scan_id

