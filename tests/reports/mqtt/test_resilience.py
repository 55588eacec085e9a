"""Nothing is lost: broker killed mid-publish, scanner killed (Last Will, leftovers drained by the next run)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
from collections import defaultdict

import aiomqtt
import pytest

from reports.mqtt import MqttFormat, MqttPublisher, Topics, publish_result
from reports.mqtt.outbox import Outbox
from tests.reports.factory import make_scan
from tests.reports.mqtt._broker import Recorder
from tests.support.children import python_env
from tests.support.ports import free_port

pytestmark = pytest.mark.broker


def _finding_messages(rec: Recorder) -> list[dict]:
    return [m.json() for m in rec.messages if m.topic.split("/")[3] == "finding"]


@pytest.mark.slow
async def test_broker_killed_while_publishing_loses_nothing(mosquitto_factory, make_config, tmp_path):
    """SIGKILL the broker mid-stream and restart it on the same port: every finding arrives.

    The subscriber keeps a persistent session that the broker saves at once (autosave on every change),
    so what the publisher sends while the subscriber is still reconnecting waits for it; what the broker
    had acknowledged before dying had already been written to the subscriber's socket.
    """
    # ~3,000 findings: publishing must still be under way when the subscriber has seen a tenth of them,
    # even on a loaded machine where the subscriber lags (601 findings were sometimes all sent first)
    scan = make_scan(200, hostile=False)
    broker = mosquitto_factory(options={"persistence": "true", "persistence_location": f"{tmp_path}/",
                                        "autosave_interval": "1", "autosave_on_changes": "true"})
    config = make_config(broker.port, send_all=True, timeout=60.0, format=MqttFormat.NATIVE)
    total = len(scan.findings)
    async with Recorder(broker.port, "camaudit/+/+/finding/#", protocol=aiomqtt.ProtocolVersion.V311,
                        client_id="siem-under-test", clean=False) as rec:
        publishing = asyncio.create_task(publish_result(scan, config))
        await rec.wait_for(lambda ms: len(ms) >= total // 10, timeout=60)
        broker.kill()
        seen_at_kill = len(rec.messages)
        await asyncio.sleep(0.5)  # the publisher retries against a closed port meanwhile
        broker.start()
        stats = await publishing
        await rec.wait_for(lambda ms: len(ms) >= total and len({m.json()["finding"]["uid"] for m in ms}) >= total,
                           timeout=60)
        await asyncio.sleep(0.3)
    assert seen_at_kill < total  # the kill really happened mid-stream
    assert stats.reconnects >= 1 and stats.pending == 0
    by_id: dict[str, list[dict]] = defaultdict(list)
    for body in _finding_messages(rec):
        by_id[body["message_id"]].append(body)
    uids = {bodies[0]["finding"]["uid"] for bodies in by_id.values()}
    assert uids == {f.uid for f in scan.findings}  # every finding arrived
    assert len(by_id) == total  # one message id per finding: duplicates, if any, reuse the id ...
    for bodies in by_id.values():
        assert all(b == bodies[0] for b in bodies)  # ... and carry the identical payload
    async with Outbox(config.outbox) as box:
        assert await box.count() == 0


_SCANNER = textwrap.dedent("""
    import asyncio, sys
    from reports.mqtt import MqttConfig, MqttPublisher
    from tests.reports.factory import make_scan

    async def main():
        config = MqttConfig.model_validate_json(sys.argv[1])
        scan = make_scan(3, hostile=False)
        async with MqttPublisher(config, site=scan.meta.site, scanner_id="victim") as pub:
            if sys.argv[2] == "enqueue":
                stats = await pub.publish(scan, wait=0)
                print("queued", stats.enqueued, flush=True)
            else:
                await pub.connected.wait()
                print("connected", flush=True)
            await asyncio.sleep(3600)

    asyncio.run(main())
""")


def _spawn(config, mode: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", _SCANNER, config.model_dump_json(), mode], env=python_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


async def _first_line(proc: subprocess.Popen[str]) -> str:
    line = await asyncio.wait_for(asyncio.to_thread(proc.stdout.readline), 30)
    assert line, proc.stderr.read()
    return line.strip()


async def test_last_will_appears_when_the_scanner_is_killed(broker, make_config):
    config = make_config(broker.port)
    status = Topics("camaudit", "factory-site").status("victim")
    async with Recorder(broker.port, status) as rec:
        proc = _spawn(config, "connect")
        try:
            assert await _first_line(proc) == "connected"
            await rec.wait_for(lambda ms: [m.payload for m in ms] == [b"online"])
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(10)
            await rec.wait_for(lambda ms: len(ms) >= 2, timeout=10)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
    assert [m.payload for m in rec.messages] == [b"online", b"offline"]  # the Will, sent by the broker
    async with Recorder(broker.port, status) as late:
        await late.wait_for(lambda ms: len(ms) >= 1)
    assert late.messages[0].retain and late.messages[0].payload == b"offline"


async def test_restarted_scanner_first_drains_what_a_killed_one_left(broker, make_config):
    """A scanner queues a scan while the broker is unreachable and is SIGKILLed; the next run sends that first."""
    dead = make_config(free_port())  # same outbox, nothing listening
    proc = _spawn(dead, "enqueue")
    try:
        line = await _first_line(proc)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    left = int(line.split()[1])
    async with Outbox(dead.outbox) as box:
        assert await box.count() == left

    second = make_scan(3, hostile=False)
    second.meta.scan_id = "scan-second"
    async with Recorder(broker.port, "camaudit/+/+/scan/#") as rec:
        stats = await publish_result(second, make_config(broker.port))
        await rec.wait_for(lambda ms: len(ms) >= 4)
    assert stats.backlog == left and stats.pending == 0
    events = [(m.json()["scan_id"], m.json()["event"]) for m in rec.messages]
    assert events == [("scan-20261123-0300", "started"), ("scan-20261123-0300", "finished"),
                      ("scan-second", "started"), ("scan-second", "finished")]
    async with Outbox(dead.outbox) as box:
        assert await box.count() == 0


async def test_watch_publisher_keeps_queueing_while_the_broker_is_down(mosquitto_factory, make_config):
    """The long-lived publisher never raises for a down broker; it delivers once the broker is back."""
    port = free_port()
    config = make_config(port, timeout=1.0)
    scan = make_scan(2, hostile=False)
    async with MqttPublisher(config, site=scan.meta.site, scanner_id="watcher") as pub:
        stats = await pub.publish(scan, wait=0.5)
        assert stats.pending == stats.enqueued > 0 and stats.delivered == 0
        assert "cannot connect" in stats.error
        broker = mosquitto_factory(port=port)
        async with Recorder(broker.port, "camaudit/+/+/scan/#") as rec:
            await asyncio.wait_for(pub.connected.wait(), 40)
            await rec.wait_for(lambda ms: len(ms) >= 2, timeout=20)
            scan.meta.scan_id = "scan-next"
            await pub.scan_started(scan.meta)  # `watch` announces a scan before running it
            stats = await pub.publish(scan, wait=10)
            assert stats.pending == 0 and stats.delivered == stats.enqueued
            await rec.wait_for(lambda ms: len(ms) >= 4, timeout=20)
            await asyncio.sleep(0.2)
    assert pub.remaining == 0
    events = [(m.json()["scan_id"], m.json()["event"]) for m in rec.messages]
    assert events == [("scan-20261123-0300", "started"), ("scan-20261123-0300", "finished"),
                      ("scan-next", "started"), ("scan-next", "finished")]  # `started` only once
