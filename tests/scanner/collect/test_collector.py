"""`camaudit collect` against a real Mosquitto and a real PostgreSQL (throw-away, tests/pgserver.py).

Two collectors in one shared-subscription group receive the chunks of each scan document between them; the
chunks are staged in PostgreSQL and whichever collector stages the last one stores the scan, once. Bad
input lands in the dead letters with its reason, and a scan an agent lists but nobody received is
requested from that agent on its command topic.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiomqtt
import pytest

from probes import clock
from reports.mqtt import MqttConfig
from reports.mqtt.documents import AgentCommand, document_messages, recent_scans_message
from scanner.collect import Collector, CollectorOptions, CollectorStore
from tests.reports.mqtt._broker import MOSQUITTO, Mosquitto, Recorder
from tests.scanner import labscans
from tests.scanner.history.conftest import pg_schema
from tests.support.waiting import until

pytestmark = pytest.mark.broker




@pytest.fixture
def broker(tmp_path: Path) -> Any:
    if not Path(MOSQUITTO).exists():
        pytest.skip("mosquitto is not installed")
    b = Mosquitto(tmp_path).start()
    yield b
    b.stop()


@contextlib.asynccontextmanager
async def collectors(config: MqttConfig, url: str, count: int, **options: Any) -> AsyncIterator[list[Collector]]:
    stop = asyncio.Event()
    async with contextlib.AsyncExitStack() as stack:
        running = []
        tasks = []
        for n in range(count):
            store = await stack.enter_async_context(CollectorStore(url))
            collector = Collector(config.model_copy(update={"client_id": f"collector-{n}"}), store,
                                  CollectorOptions(collector_id=f"collector-{n}", **options))
            tasks.append(asyncio.create_task(collector.run(stop)))
            running.append(collector)
        for collector in running:
            await asyncio.wait_for(collector.connected.wait(), 10)
        try:
            yield running
        finally:
            stop.set()
            await asyncio.wait_for(asyncio.gather(*tasks), 20)


async def test_two_collectors_store_each_scan_once_with_transitions_dead_letters_and_gaps(broker, tmp_path):
    first, second = labscans.two_scans()
    config = MqttConfig(host="127.0.0.1", port=broker.port, outbox=tmp_path / "outbox.sqlite", documents=True)
    options = {"gap_grace": timedelta(0), "gap_interval": 0.2, "max_message_bytes": 64 * 1024}
    async with pg_schema() as url, collectors(config, url, 2, **options) as pair, CollectorStore(url) as store, \
            Recorder(broker.port, "camaudit/v1/+/command") as commands, \
            aiomqtt.Client("127.0.0.1", broker.port, protocol=aiomqtt.ProtocolVersion.V5) as agent:
        pool = store._p()
        chunks = 0
        for result in (first, second, first):  # the first scan twice: a re-send
            messages = document_messages(result, config, "agent-1", chunk_bytes=400)
            chunks += len(messages)
            for m in messages:
                await agent.publish(m.topic, m.payload, qos=1)
        await agent.publish(f"camaudit/v1/{labscans.SITE}/scandoc/x/0", b"{not json", qos=1)
        await agent.publish(f"camaudit/v1/{labscans.SITE}/finding/d/r", b"x" * (100 * 1024), qos=1)

        async def stored() -> bool:
            return await pool.fetchval("SELECT count(*) FROM scans WHERE status = 'complete'") == 2

        # the agent's list comes once both scans are stored: a scan still in flight on the other collector
        # would rightly be a gap too (gap_grace is 0 here), and the request below would name it
        await until(stored, "both scans stored")
        listed = recent_scans_message(config, site=labscans.SITE, scanner_id="agent-1",
                                      scan_ids=["scan-lost", "scan-b", "scan-a"], at=clock.now())
        await agent.publish(listed.topic, listed.payload, qos=1, retain=True)

        async def settled() -> bool:
            stored = await pool.fetchval("SELECT count(*) FROM scans WHERE status = 'complete'")
            dead = await pool.fetchval("SELECT count(*) FROM dead_letters")
            chunks_seen = sum(c.stats.by_kind.get("scandoc", 0) for c in pair)  # the re-send's chunks too
            return bool(stored == 2 and dead == 2 and commands.messages and chunks_seen == chunks + 1)

        await until(settled, "both scans stored, two dead letters and a re-send request")
        rows = await pool.fetch("SELECT scan_id, host, collected_at FROM scans ORDER BY scan_id")
        assert [(r["scan_id"], r["host"]) for r in rows] == [("scan-a", "agent-1"), ("scan-b", "agent-1")]
        assert all(r["collected_at"] is not None for r in rows)
        assert await pool.fetchval("SELECT count(*) FROM scan_chunks") == 0, "staged chunks are cleared"
        received = [c.stats.by_kind.get("scandoc", 0) for c in pair]
        assert sum(received) == chunks + 1 and all(received), f"the shared group split the chunks: {received}"

        reloaded = await store.load_scan("scan-b")
        assert reloaded.model_dump(mode="json") == second.model_dump(mode="json")

        # transitions: every finding of the first scan from nothing; only the changed ones in the second
        before = {f.uid: str(f.result) for f in first.findings}
        changed = {f.uid for f in second.findings if before.get(f.uid) != str(f.result)}
        assert changed, "the lab fleet changes between the two scans"
        transitions = await pool.fetch("SELECT uid, scan_id, from_result, to_result FROM finding_transitions")
        assert {t["uid"] for t in transitions if t["scan_id"] == "scan-a"} == set(before)
        assert {t["uid"] for t in transitions if t["scan_id"] == "scan-b"} == changed
        current = {r["uid"]: r["result"] for r in await pool.fetch("SELECT uid, result FROM finding_current")}
        assert current == {f.uid: str(f.result) for f in second.findings}
        summary = await pool.fetchval("SELECT sum(count) FROM scan_summaries WHERE scan_id = 'scan-b'")
        assert summary == len(second.findings)

        reasons = sorted(r["reason"] for r in await pool.fetch("SELECT reason FROM dead_letters"))
        assert reasons[0].startswith("malformed: scan document chunk"), reasons
        assert reasons[1].startswith("oversized: 102400 bytes"), reasons

        command = AgentCommand.model_validate_json(commands.messages[0].payload)
        assert command.command == "resend" and command.scan_ids == ["scan-lost"]
        gap = await pool.fetchrow("SELECT requests, resolved_at FROM scan_gaps WHERE scan_id = 'scan-lost'")
        assert gap["requests"] == 1 and gap["resolved_at"] is None
        assert len(commands.messages) == 1, "two collectors, one request: the gap is claimed in PostgreSQL"
