"""Every failure the publisher's paho link or aiomqtt reports maps to the error that tells the user what to do."""

from __future__ import annotations

from pathlib import Path

import aiomqtt
import pytest
from aiomqtt.exceptions import MqttConnectError
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.reasoncodes import ReasonCode

from probes.errors import CamauditError
from reports.mqtt import (
    MqttAuthError,
    MqttDeliveryError,
    MqttRefusedError,
    MqttTlsError,
    MqttUnreachableError,
)
from reports.mqtt.connection import CLOSED_BEFORE_CONNACK, NO_CONNACK
from reports.mqtt.errors import MqttConnectRefused, MqttLinkError, classify


def _rc(code: int) -> ReasonCode:
    return ReasonCode(PacketTypes.CONNACK, identifier=code)


@pytest.mark.parametrize(("exc", "kind", "text"), [
    (MqttConnectError(_rc(134)), MqttAuthError, "refused the credentials of user 'u'"),
    (MqttConnectError(_rc(135)), MqttAuthError, "Not authorized"),
    (MqttConnectError(_rc(133)), MqttRefusedError, "CONNACK 133"),
    (MqttConnectError(_rc(136)), MqttRefusedError, "Server unavailable"),
    (aiomqtt.MqttError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate"),
     MqttTlsError, "--mqtt-ca"),
    (aiomqtt.MqttError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: Hostname mismatch, "
                       "certificate is not valid for 'x'"), MqttTlsError, "does not name this host"),
    (aiomqtt.MqttError("connection closed before CONNACK: failed to receive on socket: "
                       "[SSL: TLSV13_ALERT_CERTIFICATE_REQUIRED] tlsv13 alert certificate required"),
     MqttTlsError, "--mqtt-cert"),
    (aiomqtt.MqttError("[SSL: WRONG_VERSION_NUMBER] wrong version number"), MqttTlsError, "TLS handshake failed"),
    (aiomqtt.MqttError("[Errno 111] Connection refused"), MqttUnreachableError, "Connection refused"),
    (aiomqtt.MqttError("[Errno -2] Name or service not known"), MqttUnreachableError, "Name or service"),
    (aiomqtt.MqttError("Operation timed out"), MqttUnreachableError, "no answer (CONNACK)"),
    (aiomqtt.MqttError("Disconnected during message iteration"), MqttUnreachableError, "was lost"),
    (MqttConnectRefused(_rc(134)), MqttAuthError, "refused the credentials of user 'u'"),
    (MqttConnectRefused(_rc(132)), MqttRefusedError, "CONNACK 132"),
    (MqttLinkError(NO_CONNACK), MqttUnreachableError, "no answer (CONNACK)"),
    (MqttLinkError("connection closed by the broker (Unspecified error)"), MqttUnreachableError, "was lost"),
    (MqttLinkError(f"{CLOSED_BEFORE_CONNACK}: failed to receive on socket: [SSL: TLSV13_ALERT_CERTIFICATE_REQUIRED]"
                   " tlsv13 alert certificate required"), MqttTlsError, "--mqtt-cert"),
    (MqttLinkError("connection lost ([Errno 32] Broken pipe)"), MqttUnreachableError, "Broken pipe"),
    (ConnectionResetError(104, "Connection reset by peer"), MqttUnreachableError, "reset"),
    (RuntimeError("boom"), MqttDeliveryError, "RuntimeError: boom"),
])
def test_classify(exc, kind, text):
    err = classify(exc, broker="mqtt://u@b:1883", user="u")
    assert type(err) is kind and isinstance(err, CamauditError)
    assert text in str(err)
    assert err.fatal is (kind in (MqttAuthError, MqttTlsError, MqttRefusedError))


def test_with_pending_names_the_outbox():
    err = MqttAuthError("nope", broker="mqtt://b:1883").with_pending(7, Path("/x/outbox.sqlite"))
    assert isinstance(err, MqttAuthError)
    assert str(err) == ("MQTT broker mqtt://b:1883: nope; "
                        "7 message(s) kept in the outbox /x/outbox.sqlite for the next run")
