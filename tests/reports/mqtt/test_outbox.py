"""The SQLite outbox: durable, ordered, owner-only, and deletes only what it is told."""

from __future__ import annotations

import sqlite3
import stat

import pytest

from reports.mqtt.outbox import Outbox, OutboxError, OutboxMessage


def _msg(i: int) -> OutboxMessage:
    return OutboxMessage(id=f"id-{i}", kind="finding", topic=f"t/{i}", payload=f"p{i}".encode(), retain=i % 2 == 0,
                         expiry=60 if i % 3 else None, user_properties=(("message_id", f"id-{i}"),))


async def test_put_fetch_delete_roundtrip_survives_reopen(tmp_path):
    path = tmp_path / "deep" / "outbox.sqlite"
    async with Outbox(path) as box:
        seqs = await box.put([_msg(i) for i in range(10)])
        assert seqs == sorted(seqs) and len(seqs) == 10
        await box.delete(seqs[:3])
    async with Outbox(path) as box:  # a new process would see the same
        rows = await box.fetch(0, 100)
        assert [r.id for r in rows] == [f"id-{i}" for i in range(3, 10)]
        r = rows[0]
        assert (r.topic, r.payload, r.retain, r.expiry, r.user_properties, r.seq) == (
            "t/3", b"p3", False, None, (("message_id", "id-3"),), seqs[3])
        assert [r.id for r in await box.fetch(seqs[5], 2)] == ["id-6", "id-7"]
        assert await box.count() == 7 and await box.count(seqs[:5]) == 2
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


async def test_a_message_queued_again_keeps_its_one_row(tmp_path):
    """Ids are derived from what a message says: queueing it again (a run completing a crashed one) is a no-op."""
    async with Outbox(tmp_path / "o.sqlite") as box:
        first = await box.put([_msg(1)])
        again = await box.put([_msg(2), _msg(1)])
        assert again[1] == first[0] and again[0] != first[0]
        assert [r.id for r in await box.fetch()] == ["id-1", "id-2"]


async def test_unusable_path_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OutboxError, match="cannot open the MQTT outbox"):
        async with Outbox(blocker / "outbox.sqlite"):
            pass


async def test_returned_seqs_match_the_rows_even_with_two_writers(tmp_path):
    """Two scanners sharing one outbox: each batch is contiguous, and the seqs point at its own rows."""
    import asyncio

    path = tmp_path / "shared.sqlite"
    async with Outbox(path) as a, Outbox(path) as b:
        batches = [[_msg(i * 100 + j) for j in range(50)] for i in range(6)]
        results = await asyncio.gather(*[(a if i % 2 else b).put(batch) for i, batch in enumerate(batches)])
        rows = {r.seq: r.id for r in await a.fetch(0, 1000)}
    for batch, seqs in zip(batches, results, strict=True):
        assert [rows[s] for s in seqs] == [m.id for m in batch]
