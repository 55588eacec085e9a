"""Against a real Mosquitto: exactly the expected messages, topics, retain flags, QoS, properties and payloads."""

from __future__ import annotations

import asyncio
from collections import Counter

import aiomqtt
import pytest

from profiles.findings import Change, Result
from reports.mqtt import MqttFormat, MqttProtocol, Topics, is_reported, publish_result
from reports.mqtt.outbox import Outbox
from tests.reports.mqtt._broker import Recorder
from tests.reports.mqtt._ocsf import ocsf_errors

pytestmark = pytest.mark.broker


def _expected_finding_topics(scan, send_all=False) -> Counter:
    topics = Topics("camaudit", scan.meta.site)
    return Counter(topics.finding(f.device_id, f.rule_id) for f in scan.findings if is_reported(f, send_all))


def _kind(topic: str) -> str:
    return topic.split("/")[3]


async def _settle(rec: Recorder, n: int) -> None:
    await rec.wait_for(lambda ms: len(ms) >= n)
    await asyncio.sleep(0.2)  # anything beyond n would be a bug; give it a moment to show up


async def test_subscriber_receives_exactly_the_expected_messages(scan, broker, make_config):
    config = make_config(broker.port)
    expected = _expected_finding_topics(scan)
    assert 0 < sum(expected.values()) < len(scan.findings)  # the default really filters
    devices = {d.device_id for d in scan.devices} | {f.device_id for f in scan.findings}
    topics = Topics("camaudit", scan.meta.site)
    async with Recorder(broker.port) as rec:
        stats = await publish_result(scan, config)
        # status online + scan started + findings + states + scan finished + status offline
        total = 1 + 1 + sum(expected.values()) + len(devices) + 1 + 1
        await _settle(rec, total)
    got = rec.messages
    assert len(got) == total
    assert stats.pending == 0 and stats.delivered == stats.enqueued == total - 2
    assert stats.protocol == "5"
    assert Counter(m.topic for m in got if _kind(m.topic) == "finding") == expected
    assert {m.topic for m in got if _kind(m.topic) == "state"} == {topics.state(d) for d in devices}
    assert all(m.qos == 1 for m in got)

    status = [m for m in got if _kind(m.topic) == "scanner"]
    assert [m.topic for m in status] == [topics.status("lab-host")] * 2
    assert [m.payload for m in status] == [b"online", b"offline"]

    scans = [m.json() for m in got if _kind(m.topic) == "scan"]
    assert [s["event"] for s in scans] == ["started", "finished"]
    finished = scans[1]
    assert finished["counts"]["finding_messages"] == sum(expected.values())
    assert finished["counts"]["findings"] == len(scan.findings)
    assert finished["counts"]["by_result"] == dict(Counter(str(f.result) for f in scan.findings))

    by_uid = {f.uid: f for f in scan.findings}
    ids = []
    for m in got:
        if _kind(m.topic) in ("scanner",):
            assert m.properties.get("ContentType") == "text/plain"
            continue
        assert m.properties["ContentType"] == "application/json"
        assert m.properties["PayloadFormatIndicator"] == 1
        body = m.json()
        mid = body["unmapped"]["camaudit"]["message_id"] if _kind(m.topic) == "finding" else body["message_id"]
        assert m.user_properties["message_id"] == mid
        ids.append(mid)
        if _kind(m.topic) == "finding":
            assert ocsf_errors(body) == []
            finding = by_uid[body["finding_info"]["uid"]]
            assert m.topic == topics.finding(finding.device_id, finding.rule_id)
            assert m.user_properties["finding_uid"] == finding.uid
            assert m.user_properties["rule"] == finding.rule_id
            assert m.user_properties["severity"] == str(finding.severity)
            assert 0 < m.properties["MessageExpiryInterval"] <= config.message_expiry
    assert len(ids) == len(set(ids))  # every message has its own id

    # a subscriber arriving later sees only the retained messages: device states and the scanner status
    async with Recorder(broker.port) as late:
        await _settle(late, len(devices) + 1)
    assert all(m.retain for m in late.messages)
    assert {m.topic for m in late.messages} == {topics.state(d) for d in devices} | {topics.status("lab-host")}
    assert next(m.payload for m in late.messages if _kind(m.topic) == "scanner") == b"offline"
    states = {m.topic: m.json() for m in late.messages if _kind(m.topic) == "state"}
    for device in devices:
        fs = [f for f in scan.findings if f.device_id == device]
        state = states[topics.state(device)]
        assert state["counts"] == dict(Counter(str(f.result) for f in fs))
        assert state["posture"] == ("failing" if any(f.result is Result.FAIL for f in fs) else
                                    "unknown" if any(f.result in (Result.UNKNOWN, Result.ERROR) for f in fs)
                                    else "compliant")
        assert {x["finding_uid"] for x in state["failing"]} == {f.uid for f in fs if f.result is Result.FAIL}

    async with Outbox(config.outbox) as box:
        assert await box.count() == 0  # everything acknowledged was removed


async def test_native_format_all_findings_over_mqtt_311(scan, broker, make_config):
    config = make_config(broker.port, format=MqttFormat.NATIVE, send_all=True, protocol=MqttProtocol.V311)
    async with Recorder(broker.port, "camaudit/+/+/finding/#") as rec:
        stats = await publish_result(scan, config)
        await _settle(rec, len(scan.findings))
    assert stats.protocol == "3.1.1"
    assert len(rec.messages) == len(scan.findings)
    assert Counter(m.topic for m in rec.messages) == _expected_finding_topics(scan, send_all=True)
    seen = set()
    for m in rec.messages:
        assert m.properties == {}  # MQTT 3.1.1 has no properties: the id travels in the payload
        body = m.json()
        assert body["schema"] == "camaudit.mqtt.finding/1"
        assert body["change"] == str(Change(body["finding"]["change"] or "new"))
        seen.add(body["finding"]["uid"])
        assert body["site"] == scan.meta.site and body["scan_id"] == scan.meta.scan_id
        assert len(body["message_id"]) == 36
    assert seen == {f.uid for f in scan.findings}


async def test_auto_protocol_talks_mqtt5_to_mosquitto_and_honours_receive_maximum(scan, broker, make_config):
    """Mosquitto allows 20 unacknowledged messages by default; a bigger window must not get us disconnected."""
    config = make_config(broker.port, send_all=True, window=200)
    async with Recorder(broker.port, "camaudit/+/+/finding/#") as rec:
        stats = await publish_result(scan, config)
        await _settle(rec, len(scan.findings))
    assert (stats.protocol, stats.reconnects, stats.pending) == ("5", 0, 0)
    assert len(rec.messages) == len(scan.findings)
    log = broker.log.read_text()
    assert "exceeded" not in log.lower()


async def test_message_ids_survive_a_direct_subscription_check(scan, broker, make_config):
    """The user properties a consumer filters on are on the wire (read by a plain aiomqtt client)."""
    config = make_config(broker.port)
    failing = next(f for f in scan.findings if f.result is Result.FAIL and f.change in (Change.NEW, None))
    topic = Topics("camaudit", scan.meta.site).finding(failing.device_id, failing.rule_id)
    async with aiomqtt.Client("127.0.0.1", broker.port, protocol=aiomqtt.ProtocolVersion.V5) as sub:
        await sub.subscribe(topic, qos=1)
        await publish_result(scan, config)
        async with asyncio.timeout(10):
            message = await anext(aiter(sub.messages))
    assert message.topic.matches(topic)
    props = dict(message.properties.UserProperty)
    assert props["finding_uid"] == failing.uid and props["result"] == "fail"
