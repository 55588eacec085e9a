"""Protocol negotiation and MQTT 5 property encoding."""

from __future__ import annotations

import json

import pytest
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from reports.mqtt import MqttProtocol, publish_result
from reports.mqtt.properties import PackedProperties, pack_publish_properties
from tests.reports.mqtt._mini_broker import Mqtt311OnlyBroker


@pytest.mark.parametrize("hang_up", [False, True], ids=["connack-refusal", "hang-up"])
async def test_auto_falls_back_to_311_when_the_broker_refuses_mqtt5(scan, make_config, hang_up):
    async with Mqtt311OnlyBroker(hang_up_on_v5=hang_up) as broker:
        stats = await publish_result(scan, make_config(broker.port, protocol=MqttProtocol.AUTO))
    assert broker.connect_levels == [5, 4]  # tried MQTT 5 once, then 3.1.1
    assert stats.protocol == "3.1.1" and stats.pending == 0
    assert all(p.qos == 1 for p in broker.published)
    status = [p for p in broker.published if p.topic.endswith("/status")]
    assert [(p.payload, p.retain) for p in status] == [(b"online", True), (b"offline", True)]
    bodies = [json.loads(p.payload) for p in broker.published if "/finding/" in p.topic]
    assert bodies and all(b["unmapped"]["camaudit"]["message_id"] for b in bodies)  # the id rides in the payload


async def test_forced_mqtt5_against_a_311_broker_is_a_clear_refusal(scan, make_config):
    from reports.mqtt import MqttRefusedError

    async with Mqtt311OnlyBroker() as broker:
        with pytest.raises(MqttRefusedError, match="CONNACK 132"):
            await publish_result(scan, make_config(broker.port, protocol=MqttProtocol.V5))
    assert broker.connect_levels == [5]


@pytest.mark.parametrize("expiry", [None, 1, 604800, 2**32 - 1])
def test_packed_properties_match_paho(expiry):
    users = (("message_id", "0f6c6c1e-6a5f-4d0e-9e59-3c8f8a0f3a61"), ("rule", "CZ-RET-1"), ("device", "caméra"))
    ref = Properties(PacketTypes.PUBLISH)
    ref.PayloadFormatIndicator = 1
    if expiry:
        ref.MessageExpiryInterval = expiry
    ref.ContentType = "application/json"
    ref.UserProperty = list(users)
    assert pack_publish_properties("application/json", expiry, users) == ref.pack()


def test_packed_properties_with_many_user_properties_use_a_multibyte_length():
    users = tuple((f"k{i}", "v" * 20) for i in range(20))  # > 127 bytes: two-byte variable length
    ref = Properties(PacketTypes.PUBLISH)
    ref.PayloadFormatIndicator = 1
    ref.ContentType = "text/plain"
    ref.UserProperty = list(users)
    assert pack_publish_properties("text/plain", None, users) == ref.pack()


def test_packed_properties_are_paho_properties_with_our_bytes():
    packed = pack_publish_properties("application/json", 60, (("message_id", "m-1"),))
    props = PackedProperties(packed)
    assert isinstance(props, Properties) and props.packetType == PacketTypes.PUBLISH
    assert props.pack() == packed
