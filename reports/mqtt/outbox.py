"""The durable outbox: a message is written here before it is published and removed only once acknowledged.

SQLite in WAL mode with `synchronous=FULL`, so an enqueued batch survives a
killed process and a power cut. All database work runs on one dedicated thread
(SQLite connections belong to the thread that made them), never on the event
loop. Rows are delivered in `seq` order; a row that was sent but not yet
acknowledged when the connection broke is sent again, with the same message id
(consumers drop duplicates by that id).

The same file remembers what each destination (broker and topic prefix) was told:
`told` holds, per destination and site, every finding as last queued for it, and
`told_scans` the scans whose messages were queued for it. `queue_scan` writes the
messages and that memory in one transaction, so after a crash at any instant
either both are there or neither is, and the next run works out what is still due.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self, TypeVar

from probes.barrier import barrier
from probes.errors import DeliveryError

T = TypeVar("T")

# a queued message's columns: a refused one moves to dead_letter whole (INSERT ... SELECT of _COLUMNS)
_MESSAGE = """
    id          TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL,
    topic       TEXT NOT NULL,
    payload     BLOB NOT NULL,
    qos         INTEGER NOT NULL,
    retain      INTEGER NOT NULL,
    props       TEXT NOT NULL,"""

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS outbox (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,{_MESSAGE}
    enqueued_at REAL NOT NULL DEFAULT ((julianday('now') - 2440587.5) * 86400.0)
);
CREATE TABLE IF NOT EXISTS dead_letter (
    seq         INTEGER PRIMARY KEY,{_MESSAGE}
    enqueued_at REAL NOT NULL,
    reason      TEXT NOT NULL,
    refused_at  REAL NOT NULL DEFAULT ((julianday('now') - 2440587.5) * 86400.0)
);
CREATE TABLE IF NOT EXISTS told (
    destination TEXT NOT NULL,
    site        TEXT NOT NULL,
    uid         TEXT NOT NULL,
    finding     TEXT NOT NULL,
    PRIMARY KEY (destination, site, uid)
);
CREATE TABLE IF NOT EXISTS told_status (
    destination TEXT NOT NULL,
    topic       TEXT NOT NULL,
    PRIMARY KEY (destination, topic)
);
CREATE TABLE IF NOT EXISTS told_scans (
    destination TEXT NOT NULL,
    site        TEXT NOT NULL,
    scan_id     TEXT NOT NULL,
    queued_at   REAL NOT NULL DEFAULT ((julianday('now') - 2440587.5) * 86400.0),
    PRIMARY KEY (destination, scan_id)
);
"""
_COLUMNS = "seq, id, kind, topic, payload, qos, retain, props, enqueued_at"


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """One MQTT message as queued: `id` is the uuid consumers dedupe by."""

    id: str
    kind: str  # MessageKind value (scan, finding, state)
    topic: str
    payload: bytes
    qos: int = 1
    retain: bool = False
    content_type: str = "application/json"
    expiry: int | None = None  # s, MQTT 5 message expiry interval
    user_properties: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    seq: int = 0  # set when read back from the outbox

    def props_json(self) -> str:
        return json.dumps({"ct": self.content_type, "exp": self.expiry, "up": list(self.user_properties)})


class OutboxError(DeliveryError):
    """The outbox file cannot be opened or written (permissions, disk full, not a database)."""


def _row_to_message(row: tuple[Any, ...]) -> OutboxMessage:
    seq, mid, kind, topic, payload, qos, retain, props = row
    p = json.loads(props)
    return OutboxMessage(id=mid, kind=kind, topic=topic, payload=bytes(payload), qos=qos, retain=bool(retain),
                         content_type=p.get("ct") or "application/json", expiry=p.get("exp"),
                         user_properties=tuple((str(k), str(v)) for k, v in p.get("up", [])), seq=seq)


class Outbox:
    """Async facade over one SQLite file; use as `async with Outbox(path) as box:`."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._executor: ThreadPoolExecutor | None = None
        self._db: sqlite3.Connection | None = None

    async def _run(self, fn: Callable[..., T], *args: object) -> T:
        if self._executor is None:
            raise RuntimeError("outbox is not open")
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    async def __aenter__(self) -> Self:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="camaudit-outbox")
        try:
            await self._run(self._open)
        except BaseException:
            self._executor.shutdown(wait=False)
            self._executor = None
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._executor is None:
            return
        try:
            await self._run(self._close)
        finally:
            self._executor.shutdown(wait=True)
            self._executor = None

    def _open(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            if not self.path.exists():  # findings describe the camera estate: owner-only, like ssh keys
                os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
            db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise OutboxError(f"cannot open the MQTT outbox {self.path}: {exc}") from None
        self._db = db

    def _close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            raise RuntimeError("outbox is not open")
        return self._db

    # --- operations (each runs on the outbox thread) -------------------------------------------

    @staticmethod
    def _insert(db: sqlite3.Connection, messages: Sequence[OutboxMessage]) -> list[int]:
        """Insert inside the caller's transaction; a message id already queued keeps its row (and seq)."""
        seqs: list[int] = []
        for i, m in enumerate(messages):
            if i == 1:
                barrier("between-outbox-rows")
            cursor = db.execute(
                "INSERT OR IGNORE INTO outbox (id, kind, topic, payload, qos, retain, props) VALUES (?,?,?,?,?,?,?)",
                (m.id, m.kind, m.topic, m.payload, m.qos, int(m.retain), m.props_json()))
            if cursor.rowcount == 1:
                seqs.append(int(cursor.lastrowid or 0))
            else:
                row = db.execute("SELECT seq FROM outbox WHERE id = ?", (m.id,)).fetchone()
                if row is not None:  # else: already queued once and delivered; not sent twice by this path
                    seqs.append(int(row[0]))
        return seqs

    def _transaction(self, work: Callable[[sqlite3.Connection], T]) -> T:
        db = self._conn()
        try:
            db.execute("BEGIN IMMEDIATE")
            out = work(db)
            db.execute("COMMIT")
        except sqlite3.Error as exc:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise OutboxError(f"cannot write to the MQTT outbox {self.path}: {exc}") from None
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        return out

    def _put(self, messages: Sequence[OutboxMessage]) -> list[int]:
        return self._transaction(lambda db: self._insert(db, messages))

    def _queue_scan(self, destination: str, site: str, scan_id: str, messages: Sequence[OutboxMessage],
                    told: dict[str, str] | None) -> list[int]:
        def work(db: sqlite3.Connection) -> list[int]:
            seqs = self._insert(db, messages)
            if told is not None:
                db.execute("DELETE FROM told WHERE destination = ? AND site = ?", (destination, site))
                db.executemany("INSERT INTO told (destination, site, uid, finding) VALUES (?, ?, ?, ?)",
                               [(destination, site, uid, doc) for uid, doc in told.items()])
            db.execute("INSERT OR IGNORE INTO told_scans (destination, site, scan_id) VALUES (?, ?, ?)",
                       (destination, site, scan_id))
            return seqs
        return self._transaction(work)

    def _told(self, destination: str, site: str) -> tuple[bool, dict[str, str]]:
        db = self._conn()
        contacted = self._contacted(destination, site)
        rows = db.execute("SELECT uid, finding FROM told WHERE destination = ? AND site = ?", (destination, site))
        return contacted, {r[0]: r[1] for r in rows}

    def _contacted(self, destination: str, site: str) -> bool:
        return self._conn().execute("SELECT 1 FROM told_scans WHERE destination = ? AND site = ? LIMIT 1",
                                    (destination, site)).fetchone() is not None

    def _status_held(self, destination: str, topic: str, held: bool | None) -> bool:
        if held is None:
            return self._conn().execute("SELECT 1 FROM told_status WHERE destination = ? AND topic = ?",
                                        (destination, topic)).fetchone() is not None
        sql = ("INSERT OR IGNORE INTO told_status (destination, topic) VALUES (?, ?)" if held
               else "DELETE FROM told_status WHERE destination = ? AND topic = ?")
        self._transaction(lambda db: db.execute(sql, (destination, topic)))
        return held

    def _was_queued(self, destination: str, scan_id: str) -> bool:
        return self._conn().execute("SELECT 1 FROM told_scans WHERE destination = ? AND scan_id = ?",
                                    (destination, scan_id)).fetchone() is not None

    def _forget(self, destination: str, site: str | None) -> int:
        def work(db: sqlite3.Connection) -> int:
            db.execute("DELETE FROM told WHERE destination = ? AND (? IS NULL OR site = ?)", (destination, site, site))
            return db.execute("DELETE FROM told_scans WHERE destination = ? AND (? IS NULL OR site = ?)",
                              (destination, site, site)).rowcount
        return self._transaction(work)

    def _fetch(self, after_seq: int, limit: int) -> list[OutboxMessage]:
        rows = self._conn().execute(
            "SELECT seq, id, kind, topic, payload, qos, retain, props FROM outbox WHERE seq > ? "
            "ORDER BY seq LIMIT ?", (after_seq, limit)).fetchall()
        return [_row_to_message(r) for r in rows]

    def _delete(self, seqs: Sequence[int]) -> None:
        db = self._conn()
        db.execute("BEGIN IMMEDIATE")
        db.executemany("DELETE FROM outbox WHERE seq = ?", [(s,) for s in seqs])
        db.execute("COMMIT")

    def _bury(self, refused: Sequence[tuple[int, str]]) -> None:
        db = self._conn()
        db.execute("BEGIN IMMEDIATE")
        for seq, reason in refused:
            db.execute(f"INSERT OR IGNORE INTO dead_letter ({_COLUMNS}, reason) "
                       f"SELECT {_COLUMNS}, ? FROM outbox WHERE seq = ?", (reason, seq))
            db.execute("DELETE FROM outbox WHERE seq = ?", (seq,))
        db.execute("COMMIT")

    def _requeue_dead(self) -> int:
        db = self._conn()
        db.execute("BEGIN IMMEDIATE")
        n = db.execute("INSERT INTO outbox (id, kind, topic, payload, qos, retain, props) "
                       "SELECT id, kind, topic, payload, qos, retain, props FROM dead_letter ORDER BY seq").rowcount
        db.execute("DELETE FROM dead_letter")
        db.execute("COMMIT")
        return n

    def _dead(self) -> list[tuple[str, str, str]]:
        return [(r[0], r[1], r[2]) for r in self._conn().execute(
            "SELECT id, topic, reason FROM dead_letter ORDER BY seq")]

    def _count(self, seqs: Sequence[int] | None) -> int:
        db = self._conn()
        if seqs is None:
            return int(db.execute("SELECT count(*) FROM outbox").fetchone()[0])
        n = 0
        for i in range(0, len(seqs), 500):
            chunk = seqs[i:i + 500]
            marks = ",".join("?" * len(chunk))
            n += int(db.execute(f"SELECT count(*) FROM outbox WHERE seq IN ({marks})", chunk).fetchone()[0])
        return n

    # --- async API ------------------------------------------------------------------------------

    async def put(self, messages: Iterable[OutboxMessage]) -> list[int]:
        """Store messages durably (one transaction); returns their sequence numbers."""
        batch = list(messages)
        if not batch:
            return []
        return await self._run(self._put, batch)

    async def queue_scan(self, destination: str, site: str, scan_id: str, messages: Iterable[OutboxMessage],
                         told: dict[str, str] | None) -> list[int]:
        """Queue one scan's messages and remember, in the same transaction, what `destination` was told.

        `told` maps finding uid -> the finding (JSON) as now told; it replaces the destination's memory
        of `site` (None: leave it, e.g. for a scan without evaluation). The scan is recorded as queued.
        """
        return await self._run(self._queue_scan, destination, site, scan_id, list(messages), told)

    async def told(self, destination: str, site: str) -> tuple[bool, dict[str, str]]:
        """(whether `destination` was ever told about `site`, finding uid -> finding JSON as last told)."""
        return await self._run(self._told, destination, site)

    async def status_held(self, destination: str, topic: str, held: bool | None = None) -> bool:
        """Whether `destination` acknowledged our retained status on `topic` (so it must still hold one);
        with `held`, record that it did (True) or that it lost it (False)."""
        return await self._run(self._status_held, destination, topic, held)

    async def was_queued(self, destination: str, scan_id: str) -> bool:
        """Whether a scan's messages were already queued for `destination`."""
        return await self._run(self._was_queued, destination, scan_id)

    async def forget(self, destination: str, site: str | None = None) -> int:
        """Drop what `destination` was told (all sites by default): its next scan is sent as initial state."""
        return await self._run(self._forget, destination, site)

    async def fetch(self, after_seq: int = 0, limit: int = 500) -> list[OutboxMessage]:
        """The next queued messages after `after_seq`, oldest first."""
        return await self._run(self._fetch, after_seq, limit)

    async def delete(self, seqs: Sequence[int]) -> None:
        """Forget acknowledged messages (one transaction)."""
        if seqs:
            await self._run(self._delete, list(seqs))

    async def seqs(self) -> list[int]:
        """Sequence numbers of every queued message (the backlog a one-shot run must also deliver)."""
        return await self._run(self._seqs)

    def _seqs(self) -> list[int]:
        return [r[0] for r in self._conn().execute("SELECT seq FROM outbox ORDER BY seq")]

    async def bury(self, refused: Sequence[tuple[int, str]]) -> None:
        """Move messages the broker refused (MQTT 5 PUBACK failure, e.g. an ACL) to `dead_letter`.

        Resending them cannot help until the broker's configuration changes; they are kept, not lost:
        `requeue_dead()` puts them back in line.
        """
        if refused:
            await self._run(self._bury, list(refused))

    async def requeue_dead(self) -> int:
        """Queue every dead letter again (after the broker's ACL was fixed); returns how many."""
        return await self._run(self._requeue_dead)

    async def dead_letters(self) -> list[tuple[str, str, str]]:
        """(message id, topic, reason) of every refused message, oldest first."""
        return await self._run(self._dead)

    async def count(self, seqs: Sequence[int] | None = None) -> int:
        """How many messages wait (or how many of `seqs` still wait)."""
        return await self._run(self._count, None if seqs is None else list(seqs))
