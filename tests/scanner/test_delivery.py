"""scanner.delivery: what each MQTT destination was told decides what it hears; the history commit and the
outbox transaction are joined by the two-phase `emit_pending` mark (real SQLite history and outbox)."""

from __future__ import annotations

import json

import pytest

from profiles.findings import Result
from reports.mqtt import MqttConfig, MqttFormat, Outbox
from reports.mqtt.messages import ALERTING_RESULTS
from scanner.delivery import destination_key, queue_pending, queue_scan
from scanner.history import open_history, store_scan
from tests.scanner import labscans


@pytest.fixture
def config(tmp_path) -> MqttConfig:
    return MqttConfig(host="127.0.0.1", port=1883, format=MqttFormat.NATIVE, outbox=tmp_path / "outbox.sqlite")


async def _findings(box: Outbox) -> list[dict]:
    rows = await box.fetch(0, 10_000)
    return [json.loads(r.payload) for r in rows if r.kind == "finding"]


def _alerting(scan) -> set[str]:
    return {f.uid for f in scan.findings if f.result in ALERTING_RESULTS and not f.needs_declaration}


async def test_first_contact_sends_the_current_failures_as_initial_state_then_only_changes(tmp_path, config):
    """A site scanned before without --mqtt: history says `persisting`, the destination has heard nothing."""
    first, later = labscans.two_scans()
    second = labscans.scan(labscans.CAMERAS, scan_id="scan-b", started=later.meta.started_at)  # nothing changed
    async with open_history(tmp_path / "h.sqlite") as store:
        await store_scan(store, first)  # an earlier scan without --mqtt
        annotated, _drift, _record = await store_scan(store, second)
    assert any(str(f.change) == "persisting" and f.result is Result.FAIL for f in annotated.findings)
    async with Outbox(config.outbox) as box:
        queued = await queue_scan(box, annotated, config, scanner_id="t")
        sent = await _findings(box)
        assert queued.initial and queued.findings == len(sent)
        assert {m["finding"]["uid"] for m in sent} == _alerting(second)
        assert all(m["initial_state"] and m["transition"].startswith("new:none->") for m in sent)
        await box.delete(await box.seqs())
        # the same fleet again: nothing new to say; the memory is per destination, not per history
        again = labscans.scan(labscans.CAMERAS, scan_id="scan-c", started=second.meta.started_at)
        assert (await queue_scan(box, again, config, scanner_id="t")).findings == 0
        other = config.model_copy(update={"prefix": "siem2"})
        assert destination_key(other) != destination_key(config)
        assert (await queue_scan(box, again, other, scanner_id="t")).findings == len(_alerting(again))
        # the broker lost its retained state: forget, and the next scan is the initial state again
        await box.forget(destination_key(config))
        assert (await queue_scan(box, again, config, scanner_id="t")).initial


async def test_a_run_killed_between_history_commit_and_queue_is_completed_by_the_next(tmp_path, config):
    first, second = labscans.two_scans()
    destination = destination_key(config)
    async with open_history(tmp_path / "h.sqlite") as store:
        await store_scan(store, first, emit_pending=destination)  # ... and the process died here
        assert await store.pending_emits(first.meta.site, destination) == ["scan-a"]
        annotated, _drift, _record = await store_scan(store, second, emit_pending=destination)
        async with Outbox(config.outbox) as box:
            queued = await queue_pending(box, store, config, site=first.meta.site, scanner_id="t",
                                         current=annotated)
            sent = await _findings(box)
        assert queued.scans == ["scan-a", "scan-b"]
        assert await store.pending_emits(first.meta.site, destination) == []
    # scan-a's failures are told as scan-a's (its ids), then scan-b says only what changed since
    from_a = {m["finding"]["uid"] for m in sent if m["scan_id"] == "scan-a"}
    assert from_a == _alerting(first)
    from_b = [m for m in sent if m["scan_id"] == "scan-b"]
    assert from_b and all(m["change"] != "persisting" for m in from_b)
    assert len({m["message_id"] for m in sent}) == len(sent)


async def test_queueing_again_after_a_crash_keeps_the_message_ids(tmp_path, config):
    """Run 1 queued and died before clearing the mark: run 2 must neither re-judge nor re-id the alerts."""
    first, _second = labscans.two_scans()
    destination = destination_key(config)
    async with open_history(tmp_path / "h.sqlite") as store:
        annotated, _drift, _record = await store_scan(store, first, emit_pending=destination)
        async with Outbox(config.outbox) as box:
            await queue_scan(box, annotated, config, scanner_id="t")  # mark not cleared: "killed" here
            ids = [m["message_id"] for m in await _findings(box)]
            again = await queue_pending(box, store, config, site=first.meta.site, scanner_id="t")
            assert again.messages == 0 and again.seqs == []
            assert [m["message_id"] for m in await _findings(box)] == ids
        assert await store.pending_emits(first.meta.site, destination) == []
    # a fresh outbox (another machine, same memory) derives the very same ids for the same transitions
    fresh = config.model_copy(update={"outbox": tmp_path / "other.sqlite"})
    async with Outbox(fresh.outbox) as box:
        await queue_scan(box, annotated, fresh, scanner_id="t")
        assert [m["message_id"] for m in await _findings(box)] == ids
