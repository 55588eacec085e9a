"""The shipped Mosquitto example (TLS, client certificates, ACL) confines each site to its own topics.

Site A's certificate publishing to site B's topics is refused by the broker (its log says so) and the
message is kept in A's outbox as a dead letter; A cannot read B's topics; the collector's certificate reads
every site through the shared subscription and may write the command topics.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiomqtt
import pytest

from reports.mqtt import MqttPublisher
from reports.mqtt.connection import build_tls_context
from reports.mqtt.outbox import Outbox, OutboxMessage
from tests.reports.mqtt._broker import MOSQUITTO, Recorder
from tests.scanner.collect.sitebroker import ExampleMosquitto

pytestmark = pytest.mark.broker


@pytest.fixture
def broker(tmp_path: Path):
    if not Path(MOSQUITTO).exists():
        pytest.skip("mosquitto is not installed")
    b = ExampleMosquitto(tmp_path, sites=("A", "B")).start()
    yield b
    b.stop()


def _tls_kwargs(broker: ExampleMosquitto, who: str) -> dict[str, object]:
    return {"tls_context": build_tls_context(broker.mqtt_config(who)), "protocol": aiomqtt.ProtocolVersion.V5}


async def test_site_a_cannot_write_or_read_site_b(broker, tmp_path):
    config = broker.mqtt_config("A", outbox=tmp_path / "a-outbox.sqlite", timeout=15)
    collector_seen = Recorder(broker.port, "$share/camaudit-collectors/camaudit/v1/+/scan/#",
                              **_tls_kwargs(broker, "collector"))
    async with collector_seen, MqttPublisher(config, site="A", scanner_id="agent-a") as agent:
        own = OutboxMessage(id="own-1", kind="scan", topic="camaudit/v1/A/scan/s1", payload=b"{}")
        foreign = OutboxMessage(id="foreign-1", kind="scan", topic="camaudit/v1/B/scan/s1", payload=b"{}")
        pending = await agent.send([own, foreign], wait=15)
        assert pending == set(), "both were answered: one accepted, one refused"
        await collector_seen.wait_for(lambda ms: any(m.topic == "camaudit/v1/A/scan/s1" for m in ms))
        await asyncio.sleep(0.5)  # a message that got through would have arrived with the one before it
        assert [m.topic for m in collector_seen.messages] == ["camaudit/v1/A/scan/s1"]
    async with Outbox(config.outbox) as box:
        dead = await box.dead_letters()
    assert [(d[0], d[1]) for d in dead][:1] == [("foreign-1", "camaudit/v1/B/scan/s1")], dead
    assert "Denied PUBLISH from A" in broker.log_text() or "denied" in broker.log_text().lower()

    # A subscribes to everything; B and A each publish: A receives its own message and nothing of B's
    async with Recorder(broker.port, "camaudit/v1/#", **_tls_kwargs(broker, "A")) as a_reads, \
            aiomqtt.Client("127.0.0.1", broker.port, **_tls_kwargs(broker, "B")) as b, \
            aiomqtt.Client("127.0.0.1", broker.port, **_tls_kwargs(broker, "A")) as a:
        await b.publish("camaudit/v1/B/scan/s2", b"{}", qos=1)
        await a.publish("camaudit/v1/A/scan/s2", b"{}", qos=1)
        await a_reads.wait_for(lambda ms: any(m.topic == "camaudit/v1/A/scan/s2" for m in ms))
        await asyncio.sleep(0.5)
    assert not [m.topic for m in a_reads.messages if "/B/" in m.topic], "A read B's topics"

    async with aiomqtt.Client("127.0.0.1", broker.port, **_tls_kwargs(broker, "collector")) as collector:
        await collector.publish("camaudit/v1/A/command", b"{}", qos=1)  # allowed: re-send requests
        granted = await collector.subscribe("camaudit/v1/+/scanner/+/status", qos=1)
        assert all(int(getattr(g, "value", g)) < 0x80 for g in granted)
