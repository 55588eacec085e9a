"""The package's public surface is deliberate: `__all__` lists exactly the public names, and they import."""

from __future__ import annotations

from reports import mqtt


def test_all_is_the_public_surface():
    public = {name for name in vars(mqtt) if not name.startswith("_")}
    modules = {"config", "connection", "documents", "errors", "messages", "outbox", "properties", "publisher", "topics"}
    assert sorted(mqtt.__all__) == sorted(public - modules)
    assert mqtt.__all__ == sorted(mqtt.__all__)


def test_delivery_errors_are_camaudit_errors():
    from probes.errors import CamauditError

    for name in ("MqttAuthError", "MqttTlsError", "MqttRefusedError", "MqttUnreachableError"):
        assert issubclass(getattr(mqtt, name), mqtt.MqttDeliveryError)
    assert issubclass(mqtt.MqttDeliveryError, CamauditError)
