"""Fixtures for the MQTT publisher tests: a Mosquitto per test on a free port, and configs pointing at it."""

from __future__ import annotations

from pathlib import Path

import pytest

from reports.mqtt import MqttConfig
from tests.reports.mqtt._broker import MOSQUITTO, Mosquitto


@pytest.fixture
def mosquitto_factory(tmp_path):
    """Start brokers with `factory(options=..., listener=...)`; all are stopped after the test."""
    if not Path(MOSQUITTO).exists():
        pytest.skip("mosquitto is not installed (apt-get install -y mosquitto)")
    started: list[Mosquitto] = []

    def factory(**kwargs) -> Mosquitto:
        broker = Mosquitto(tmp_path, **kwargs).start()
        started.append(broker)
        return broker

    yield factory
    for broker in started:
        broker.stop()


@pytest.fixture
def broker(mosquitto_factory) -> Mosquitto:
    return mosquitto_factory()


@pytest.fixture
def make_config(tmp_path):
    def make(port: int, **kwargs) -> MqttConfig:
        fields = {"host": "127.0.0.1", "port": port, "outbox": tmp_path / "state" / "outbox.sqlite",
                  "timeout": 20.0, **kwargs}
        return MqttConfig(**fields)
    return make
