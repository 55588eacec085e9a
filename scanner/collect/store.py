"""What the collector writes into the PostgreSQL history (schema version 4, scanner/history/migrations.py).

The scans, devices, facts and findings tables are the history store's own (a collected scan reads back
like one a scanner stored there itself); the collector adds, in the same transaction as the scan:
`scan_summaries` (counts per profile, severity and result, kept when details are pruned),
`finding_current` (one row per finding uid: its latest result and since when) and the append-only
`finding_transitions` (a result that differs from the same finding's result in the site's previous stored
scan). Idempotence: a scan id is stored once (an advisory lock per scan id serialises two collectors), an
alert's `message_id` once (`collected_messages`). Chunks of a scan document are staged in `scan_chunks`
under the same lock, so whichever collector stages the last one sees them all.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from reports.model import ScanResult
from scanner.history._rows import scan_rows, utc
from scanner.history.postgres import PostgresHistory, write_scan_rows

DEAD_LETTER_EXCERPT = 1024  # bytes of a refused message kept with its reason
_LOCK = "SELECT pg_advisory_xact_lock(hashtext('camaudit.scan:' || $1))"


@dataclass(frozen=True, slots=True)
class StoredScan:
    """What storing one collected document did."""

    scan_id: str
    site: str
    new: bool  # False: the scan was already stored (a duplicate or a re-send)
    devices: int = 0
    findings: int = 0
    transitions: int = 0


@dataclass(frozen=True, slots=True)
class StagedChunk:
    """A staged chunk's effect: the whole document's parts when this chunk completed it."""

    duplicate: bool  # the chunk was staged before, or its scan is already stored
    parts: list[bytes] | None = None
    document_schema: str | None = None
    scanner_id: str | None = None


@dataclass(frozen=True, slots=True)
class StagedDocument:
    """All chunks of one document, staged but not yet stored."""

    scan_id: str
    sha256: str
    site: str
    scanner_id: str | None
    document_schema: str
    parts: list[bytes]


def summary_rows(result: ScanResult) -> list[tuple[Any, ...]]:
    """(scan_id, site, started_at, profile, severity, result, count) for `scan_summaries`."""
    counted = Counter((f.profile, str(f.severity), str(f.result)) for f in result.findings)
    meta = result.meta
    return [(meta.scan_id, meta.site, utc(meta.started_at), p, s, r, n) for (p, s, r), n in sorted(counted.items())]


class CollectorStore(PostgresHistory):
    """The PostgreSQL history with the collector's writes; use as `async with CollectorStore(url) as store`."""

    async def store_document(self, result: ScanResult, *, scanner_id: str | None, received_at: datetime) -> StoredScan:
        """Store a collected scan with its summaries, transitions and current findings, once per scan id."""
        meta = result.meta
        rows = await asyncio.to_thread(scan_rows, result, host=scanner_id, pid=None)
        summaries = summary_rows(result)
        incoming = [(f.uid, f.device_id, f.rule_id, f.profile, str(f.result), str(f.severity))
                    for f in result.findings]
        started = utc(meta.started_at)
        async with self._db(f"store collected scan {meta.scan_id}", transaction=True) as conn:
            await conn.execute(_LOCK, meta.scan_id)
            status = await conn.fetchval("SELECT status FROM scans WHERE scan_id = $1", meta.scan_id)
            if status == "complete":
                await self._settle(conn, meta.site, meta.scan_id, received_at)
                return StoredScan(meta.scan_id, meta.site, new=False)
            previous = await conn.fetchval(
                "SELECT scan_id FROM scans WHERE site = $1 AND status = 'complete' AND started_at < $2 "
                "ORDER BY started_at DESC LIMIT 1", meta.site, started)
            await write_scan_rows(conn, rows, extra={"collected_at": utc(received_at)})
            # summaries outlive pruned scans: a scan stored again (a re-send after pruning) replaces its own
            await conn.execute("DELETE FROM scan_summaries WHERE scan_id = $1", meta.scan_id)
            if summaries:
                await conn.copy_records_to_table("scan_summaries", records=summaries,
                                                 columns=("scan_id", "site", "started_at", "profile", "severity",
                                                          "result", "count"))
            await conn.execute("CREATE TEMP TABLE incoming (uid TEXT, device_id TEXT, rule_id TEXT, profile TEXT, "
                               "result TEXT, severity TEXT) ON COMMIT DROP")
            if incoming:
                await conn.copy_records_to_table("incoming", records=incoming)
            done = await conn.execute(
                "INSERT INTO finding_transitions (uid, site, device_id, rule_id, scan_id, at, from_result, "
                "to_result, severity) "
                "SELECT i.uid, $1, i.device_id, i.rule_id, $2, $3, p.result, i.result, i.severity "
                "FROM incoming i LEFT JOIN findings p ON p.scan_id = $4 AND p.uid = i.uid "
                "WHERE p.result IS DISTINCT FROM i.result ON CONFLICT (uid, scan_id) DO NOTHING",
                meta.site, meta.scan_id, started, previous)
            await conn.execute(
                "INSERT INTO finding_current (uid, site, device_id, rule_id, profile, result, severity, scan_id, "
                "seen_at, since_scan_id, since) "
                "SELECT DISTINCT ON (uid) uid, $1, device_id, rule_id, profile, result, severity, $2, $3, $2, $3 "
                "FROM incoming ORDER BY uid "
                "ON CONFLICT (uid) DO UPDATE SET result = EXCLUDED.result, severity = EXCLUDED.severity, "
                "profile = EXCLUDED.profile, scan_id = EXCLUDED.scan_id, seen_at = EXCLUDED.seen_at, "
                "since_scan_id = CASE WHEN finding_current.result = EXCLUDED.result "
                "THEN finding_current.since_scan_id ELSE EXCLUDED.since_scan_id END, "
                "since = CASE WHEN finding_current.result = EXCLUDED.result "
                "THEN finding_current.since ELSE EXCLUDED.since END "
                "WHERE finding_current.seen_at <= EXCLUDED.seen_at", meta.site, meta.scan_id, started)
            newest = not await conn.fetchval("SELECT EXISTS (SELECT 1 FROM scans WHERE site = $1 AND "
                                             "status = 'complete' AND started_at > $2)", meta.site, started)
            if newest:  # findings the site's latest scan no longer has are not current
                await conn.execute("DELETE FROM finding_current c WHERE c.site = $1 AND c.seen_at < $2 AND "
                                   "NOT EXISTS (SELECT 1 FROM incoming i WHERE i.uid = c.uid)", meta.site, started)
            await self._settle(conn, meta.site, meta.scan_id, received_at)
        return StoredScan(meta.scan_id, meta.site, new=True, devices=len(result.devices),
                          findings=len(result.findings), transitions=int(done.split()[-1]))

    @staticmethod
    async def _settle(conn: Any, site: str, scan_id: str, at: datetime) -> None:
        """The scan is stored: its staged chunks go, its gap (if one was flagged) is resolved."""
        await conn.execute("DELETE FROM scan_chunks WHERE scan_id = $1", scan_id)
        await conn.execute("UPDATE scan_gaps SET resolved_at = $3 WHERE site = $1 AND scan_id = $2 "
                           "AND resolved_at IS NULL", site, scan_id, utc(at))

    async def stage_chunk(self, *, scan_id: str, sha256: str, chunk: int, chunks: int, site: str,
                          scanner_id: str, document_schema: str, data: bytes, received_at: datetime) -> StagedChunk:
        """Stage one chunk; when it completes its document, return all parts in order."""
        async with self._db(f"stage a chunk of scan {scan_id}", transaction=True) as conn:
            await conn.execute(_LOCK, scan_id)
            if await conn.fetchval("SELECT status = 'complete' FROM scans WHERE scan_id = $1", scan_id):
                return StagedChunk(duplicate=True)
            status = await conn.execute(
                "INSERT INTO scan_chunks (scan_id, sha256, chunk, chunks, site, scanner_id, document_schema, data, "
                "received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING",
                scan_id, sha256, chunk, chunks, site, scanner_id, document_schema, data, utc(received_at))
            duplicate = status.endswith(" 0")
            parts = await self._complete_parts(conn, scan_id, sha256, chunks)
        return StagedChunk(duplicate=duplicate, parts=parts, document_schema=document_schema, scanner_id=scanner_id)

    @staticmethod
    async def _complete_parts(conn: Any, scan_id: str, sha256: str, chunks: int) -> list[bytes] | None:
        have = await conn.fetchval("SELECT count(*) FROM scan_chunks WHERE scan_id = $1 AND sha256 = $2 "
                                   "AND chunks = $3", scan_id, sha256, chunks)
        if have < chunks:
            return None
        rows = await conn.fetch("SELECT data FROM scan_chunks WHERE scan_id = $1 AND sha256 = $2 AND chunks = $3 "
                                "ORDER BY chunk", scan_id, sha256, chunks)
        return [bytes(r["data"]) for r in rows]

    async def complete_staged(self) -> list[StagedDocument]:
        """Documents whose chunks are all staged but which are not stored (a collector died in between)."""
        async with self._db("list staged documents") as conn:
            heads = await conn.fetch(
                "SELECT scan_id, sha256, max(chunks) AS chunks, min(site) AS site, min(scanner_id) AS scanner_id, "
                "min(document_schema) AS document_schema FROM scan_chunks GROUP BY scan_id, sha256 "
                "HAVING count(*) = max(chunks) AND min(chunks) = max(chunks)")
        out = []
        for head in heads:
            async with self._db(f"read the staged chunks of scan {head['scan_id']}", transaction=True) as conn:
                parts = await self._complete_parts(conn, head["scan_id"], head["sha256"], head["chunks"])
            if parts:
                out.append(StagedDocument(head["scan_id"], head["sha256"], head["site"], head["scanner_id"],
                                          head["document_schema"], parts))
        return out

    async def drop_staged(self, scan_id: str, sha256: str | None = None) -> None:
        async with self._db(f"drop the staged chunks of scan {scan_id}") as conn:
            await conn.execute("DELETE FROM scan_chunks WHERE scan_id = $1 AND ($2::text IS NULL OR sha256 = $2)",
                               scan_id, sha256)

    async def record_message(self, *, message_id: str, site: str, kind: str, topic: str, scan_id: str | None,
                             payload: Any, received_at: datetime) -> bool:
        """An alert (scan event, finding, device state) by its message_id; False when it was seen before."""
        async with self._db(f"record message {message_id}") as conn:
            status = await conn.execute(
                "INSERT INTO collected_messages (message_id, site, kind, topic, scan_id, received_at, payload) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb) ON CONFLICT (message_id) DO NOTHING",
                message_id, site, kind, topic, scan_id, utc(received_at), json.dumps(payload))
        return not status.endswith(" 0")

    async def dead_letter(self, *, topic: str, site: str | None, reason: str, payload: bytes,
                          received_at: datetime) -> None:
        async with self._db("record a dead letter") as conn:
            await conn.execute(
                "INSERT INTO dead_letters (received_at, topic, site, reason, size, excerpt) "
                "VALUES ($1, $2, $3, $4, $5, $6)",
                utc(received_at), topic, site, reason, len(payload), payload[:DEAD_LETTER_EXCERPT])

    async def agent_status(self, site: str, scanner_id: str, status: str, at: datetime) -> None:
        async with self._db(f"record agent {scanner_id}'s status") as conn:
            await conn.execute(
                "INSERT INTO agents (site, scanner_id, status, status_at) VALUES ($1, $2, $3, $4) "
                "ON CONFLICT (site, scanner_id) DO UPDATE SET status = EXCLUDED.status, "
                "status_at = EXCLUDED.status_at", site, scanner_id, status, utc(at))

    async def recent_scans(self, site: str, scanner_id: str, scan_ids: list[str], at: datetime) -> list[str]:
        """Record an agent's recent scan ids; returns those not stored here (now tracked in `scan_gaps`)."""
        async with self._db(f"record agent {scanner_id}'s recent scans", transaction=True) as conn:
            await conn.execute(
                "INSERT INTO agents (site, scanner_id, recent_scan_ids, recent_at) VALUES ($1, $2, $3::jsonb, $4) "
                "ON CONFLICT (site, scanner_id) DO UPDATE SET recent_scan_ids = EXCLUDED.recent_scan_ids, "
                "recent_at = EXCLUDED.recent_at", site, scanner_id, json.dumps(scan_ids), utc(at))
            stored = {r[0] for r in await conn.fetch(
                "SELECT scan_id FROM scans WHERE scan_id = ANY($1::text[]) AND status = 'complete'", scan_ids)}
            missing = [s for s in scan_ids if s not in stored]
            if missing:
                await conn.executemany(
                    "INSERT INTO scan_gaps (site, scan_id, scanner_id, first_seen) VALUES ($1, $2, $3, $4) "
                    "ON CONFLICT (site, scan_id) DO UPDATE SET first_seen = EXCLUDED.first_seen, requests = 0, "
                    "requested_at = NULL, resolved_at = NULL WHERE scan_gaps.resolved_at IS NOT NULL",
                    [(site, s, scanner_id, utc(at)) for s in missing])  # missing again: a new gap
        return missing

    async def due_gaps(self, now: datetime, *, grace: timedelta, retry: timedelta,
                       max_requests: int) -> dict[str, list[str]]:
        """Gaps to ask the agents about now, by site (claimed atomically: two collectors never both ask)."""
        async with self._db("claim the gaps due") as conn:
            rows = await conn.fetch(
                "UPDATE scan_gaps g SET requested_at = $1, requests = requests + 1 "
                "WHERE resolved_at IS NULL AND first_seen <= $2 AND requests < $3 "
                "AND (requested_at IS NULL OR requested_at <= $4) "
                "AND NOT EXISTS (SELECT 1 FROM scans s WHERE s.scan_id = g.scan_id AND s.status = 'complete') "
                "RETURNING site, scan_id", utc(now), utc(now - grace), max_requests, utc(now - retry))
        out: dict[str, list[str]] = {}
        for row in rows:
            out.setdefault(row["site"], []).append(row["scan_id"])
        return out
