"""Every exception aiomqtt defines becomes a specific MqttDeliveryError at the one boundary (classify), never the
generic one: an aiomqtt upgrade that adds an exception fails here until it is placed (the cases of each
mapping are in test_errors.py)."""

from __future__ import annotations

import inspect

import aiomqtt.exceptions
import pytest

from probes.errors import DeliveryError
from reports.mqtt.errors import MqttDeliveryError, classify


def _aiomqtt_exceptions() -> list[type[BaseException]]:
    return [cls for _, cls in inspect.getmembers(aiomqtt.exceptions, inspect.isclass)
            if issubclass(cls, BaseException) and cls.__module__.startswith("aiomqtt")]


def _instance(cls: type[BaseException]) -> BaseException:
    if cls is aiomqtt.exceptions.MqttConnectError:
        return cls(3)  # CONNACK 3: server unavailable
    if issubclass(cls, aiomqtt.exceptions.MqttCodeError):
        return cls(7, "lost")
    return cls("lost")


def test_the_walk_finds_aiomqtts_exceptions() -> None:
    assert {c.__name__ for c in _aiomqtt_exceptions()} >= {"MqttError", "MqttCodeError", "MqttConnectError"}


@pytest.mark.parametrize("cls", _aiomqtt_exceptions(), ids=lambda c: c.__name__)
def test_every_aiomqtt_exception_becomes_a_specific_delivery_error(cls: type[BaseException]) -> None:
    error = classify(_instance(cls), broker="mqtt://b:1883", user="cam")
    assert isinstance(error, DeliveryError) and type(error) is not MqttDeliveryError, type(error)
