"""The site agent's side of central collection, against a real Mosquitto: the retained list of recent scans,
and a collector's re-send request answered from the local history through the outbox."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiomqtt
import pytest

from reports.mqtt import MqttConfig, MqttPublisher
from reports.mqtt.documents import (
    COMMAND_SCHEMA,
    AgentCommand,
    RecentScans,
    ScanDocChunk,
    assemble,
    command_payload,
    parse_document,
)
from scanner.agent import AgentCommands, publish_recent_scans, resend
from scanner.history import HistoryError, UnknownScan, open_history, store_scan
from tests.reports.mqtt._broker import MOSQUITTO, Mosquitto, Recorder
from tests.scanner import labscans
from tests.support.waiting import until

pytestmark = pytest.mark.broker


def _whole_document(scan_id: str) -> Callable[[list[Any]], bool]:
    """Every chunk of `scan_id`'s document has been received."""

    def received(messages: list[Any]) -> bool:
        chunks = [ScanDocChunk.model_validate_json(m.payload) for m in messages if f"/scandoc/{scan_id}/" in m.topic]
        return bool(chunks) and len({c.chunk for c in chunks}) == chunks[0].chunks

    return received


async def test_agent_lists_recent_scans_and_resends_a_requested_one(tmp_path):
    if not Path(MOSQUITTO).exists():
        pytest.skip("mosquitto is not installed")
    first, second = labscans.two_scans()
    broker = Mosquitto(tmp_path).start()
    config = MqttConfig(host="127.0.0.1", port=broker.port, outbox=tmp_path / "outbox.sqlite", documents=True,
                        timeout=20)
    try:
        async with open_history(tmp_path / "history.sqlite") as store, \
                Recorder(broker.port, f"camaudit/v1/{labscans.SITE}/#") as seen:
            for result in (first, second):
                await store_scan(store, result)
            async with MqttPublisher(config, site=labscans.SITE, scanner_id="agent-1") as publisher, \
                    AgentCommands(publisher, store, labscans.SITE) as commands:
                await publish_recent_scans(publisher, store, labscans.SITE)
                await seen.wait_for(lambda ms: any(m.topic.endswith("/scanner/agent-1/scans") for m in ms))
                async with Recorder(broker.port, "camaudit/v1/+/scanner/+/scans") as late:  # retained: kept
                    await late.wait_for(lambda ms: bool(ms))
                listed = late.messages[0]
                assert listed.retain
                assert RecentScans.model_validate_json(listed.payload).scan_ids == ["scan-b", "scan-a"]

                await commands.subscribed.wait()
                request = AgentCommand(schema_=COMMAND_SCHEMA, message_id="m1", command="resend", site=labscans.SITE,
                                       scan_ids=["scan-a", "scan-pruned"], requested_by="collector-0",
                                       at=datetime(2026, 11, 21, tzinfo=UTC))
                async with aiomqtt.Client("127.0.0.1", broker.port) as collector:
                    await collector.publish(f"camaudit/v1/{labscans.SITE}/command", command_payload(request), qos=1)
                await seen.wait_for(_whole_document("scan-a"))
                # the chunks can arrive while the handler still looks for "scan-pruned": wait for it to finish
                # before leaving the context, which cancels it
                await until(lambda: commands.handled == 1, "the agent finished handling the command")
        chunks = [ScanDocChunk.model_validate_json(m.payload) for m in seen.messages if "/scandoc/" in m.topic]
        assert {c.scan_id for c in chunks} == {"scan-a"}, "only the stored scan asked for is sent again"
        chunks.sort(key=lambda c: c.chunk)
        body = assemble([c.raw() for c in chunks], sha256=chunks[0].sha256, max_bytes=10**8)
        resent = parse_document(body, chunks[0].document_schema)
        assert resent.meta.scan_id == "scan-a" and len(resent.findings) == len(first.findings)
    finally:
        broker.stop()


async def test_a_store_that_fails_is_reported_not_taken_for_a_pruned_scan(tmp_path):
    """Only UnknownScan means "not in the local history": a failing store raises, so the agent logs it and
    the collector asks again, instead of being told the scan is gone."""
    store = open_history(tmp_path / "history.sqlite")  # never opened: every read fails
    request = AgentCommand(schema_=COMMAND_SCHEMA, message_id="m2", command="resend", site=labscans.SITE,
                           scan_ids=["scan-a"], requested_by="collector-0", at=datetime(2026, 11, 21, tzinfo=UTC))
    with pytest.raises(HistoryError, match="not open") as info:
        await resend(object(), store, request)
    assert not isinstance(info.value, UnknownScan)
    async with open_history(tmp_path / "history.sqlite") as opened:
        assert await resend(object(), opened, request) == ["scan-a"]  # a store without it: missing, as asked
