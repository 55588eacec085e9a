"""Wrong credentials, TLS failures and an unreachable broker: a clear error, and the findings wait in the outbox."""

from __future__ import annotations

import subprocess

import pytest
from pydantic import SecretStr

from reports.mqtt import (
    MqttAuthError,
    MqttProtocol,
    MqttRejectedError,
    MqttTlsError,
    MqttUnreachableError,
    is_reported,
    publish_result,
)
from reports.mqtt.outbox import Outbox
from tests.reports.mqtt._broker import Recorder, make_pki
from tests.support.ports import free_port

pytestmark = pytest.mark.broker

PASSWORD = "s3cret-Pa55-\u00e9"


async def _outbox_count(config) -> int:
    async with Outbox(config.outbox) as box:
        return await box.count()


@pytest.fixture
def auth_broker(mosquitto_factory, tmp_path):
    pwfile = tmp_path / "passwd"
    subprocess.run(["mosquitto_passwd", "-c", "-b", str(pwfile), "scanner", PASSWORD], check=True,
                   capture_output=True)
    pwfile.chmod(0o600)
    return mosquitto_factory(options={"allow_anonymous": "false", "password_file": str(pwfile)})


async def test_wrong_password_is_a_clear_error_and_keeps_the_findings(scan, auth_broker, make_config):
    bad = make_config(auth_broker.port, username="scanner", password=SecretStr("wrong-password"))
    with pytest.raises(MqttAuthError) as info:
        await publish_result(scan, bad)
    message = str(info.value)
    assert "refused the credentials of user 'scanner'" in message
    assert "wrong-password" not in message and "wrong-password" not in repr(bad)
    kept = await _outbox_count(bad)
    assert kept > 0 and info.value.pending == kept and f"{kept} message(s) kept in the outbox" in message

    good = make_config(auth_broker.port, username="scanner", password=SecretStr(PASSWORD))
    async with Recorder(auth_broker.port, "camaudit/+/+/scan/#", username="scanner", password=PASSWORD) as rec:
        stats = await publish_result(scan, good)
        await rec.wait_for(lambda ms: len(ms) >= 2)
    assert stats.backlog == kept and stats.pending == 0 and stats.delivered == kept
    assert await _outbox_count(good) == 0
    # the same scan again is the same messages (ids derived from what they say): queued once, sent once
    assert [m.json()["event"] for m in rec.messages] == ["started", "finished"]
    assert len({m.json()["message_id"] for m in rec.messages}) == 2
    assert all(PASSWORD.encode() not in m.payload for m in rec.messages)


async def test_anonymous_connection_refused_names_it(scan, auth_broker, make_config):
    with pytest.raises(MqttAuthError, match="anonymous connection"):
        await publish_result(scan, make_config(auth_broker.port, protocol=MqttProtocol.V311))


@pytest.fixture
def pki(tmp_path):
    return make_pki(tmp_path / "pki")


def _tls_listener(pki, plain_port: int, *, require_certificate: bool = False) -> str:
    lines = [f"cafile {pki.ca}", f"certfile {pki.server_cert}", f"keyfile {pki.server_key}"]
    if require_certificate:
        lines.append("require_certificate true")
    return "\n".join(lines + [f"listener {plain_port} 127.0.0.1"])  # a plain listener for the test's subscriber


async def test_untrusted_certificate_is_a_tls_error_then_the_right_ca_drains(scan, mosquitto_factory, pki,
                                                                              make_config):
    plain = free_port()
    broker = mosquitto_factory(listener=_tls_listener(pki, plain))
    wrong_ca = make_config(broker.port, tls=True, ca_file=pki.other_ca)
    with pytest.raises(MqttTlsError, match="certificate verify failed") as info:
        await publish_result(scan, wrong_ca)
    assert "--mqtt-ca" in str(info.value)
    kept = await _outbox_count(wrong_ca)
    assert kept > 0

    async with Recorder(plain, "camaudit/+/+/scan/#") as rec:
        stats = await publish_result(scan, make_config(broker.port, tls=True, ca_file=pki.ca))
        await rec.wait_for(lambda ms: len(ms) >= 2)
    assert stats.backlog == kept and stats.pending == 0


async def test_host_name_mismatch_is_a_tls_error_unless_insecure(scan, mosquitto_factory, tmp_path, make_config):
    pki = make_pki(tmp_path / "pki-other-name", server_names=("broker.invalid",), server_ips=())
    broker = mosquitto_factory(listener=_tls_listener(pki, free_port()))
    with pytest.raises(MqttTlsError, match="mismatch"):
        await publish_result(scan, make_config(broker.port, tls=True, ca_file=pki.ca))
    stats = await publish_result(scan, make_config(broker.port, tls=True, ca_file=pki.ca, insecure=True))
    assert stats.pending == 0 and stats.backlog > 0


async def test_mutual_tls_with_client_certificate(scan, mosquitto_factory, pki, make_config):
    broker = mosquitto_factory(listener=_tls_listener(pki, free_port(), require_certificate=True))
    with pytest.raises(MqttTlsError, match="requires a client certificate"):
        await publish_result(scan, make_config(broker.port, tls=True, ca_file=pki.ca))
    stats = await publish_result(scan, make_config(broker.port, tls=True, ca_file=pki.ca,
                                                   cert_file=pki.client_cert, key_file=pki.client_key))
    assert stats.pending == 0 and stats.protocol == "5"


async def test_unreachable_broker_gives_up_at_the_deadline(scan, make_config):
    config = make_config(free_port(), timeout=1.0)
    with pytest.raises(MqttUnreachableError, match="Connection refused") as info:
        await publish_result(scan, config)
    assert info.value.pending == await _outbox_count(config) > 0


async def test_messages_refused_by_an_acl_become_dead_letters_not_losses(scan, mosquitto_factory, tmp_path,
                                                                        make_config):
    """MQTT 5 PUBACK 135 (an ACL denies the finding topics): kept aside, reported, and re-sendable later."""
    acl = tmp_path / "acl"
    acl.write_text("topic read camaudit/#\n"
                   "topic write camaudit/v1/+/scan/#\ntopic write camaudit/v1/+/state/#\n"
                   "topic write camaudit/v1/+/scanner/#\n")
    # max_queued_messages 0 (our default for tests) makes Mosquitto 2.0.11 drop a client after a denied PUBLISH
    broker = mosquitto_factory(options={"acl_file": str(acl), "max_queued_messages": "1000"})
    config = make_config(broker.port)
    findings = sum(is_reported(f) for f in scan.findings)
    async with Recorder(broker.port, "camaudit/+/+/scan/#") as rec:
        with pytest.raises(MqttRejectedError, match=r"refused \d+ message\(s\) \(PUBACK 135: Not authorized") as info:
            await publish_result(scan, config)
        await rec.wait_for(lambda ms: len(ms) >= 2)  # everything else went through
    assert f"refused {findings} message(s)" in str(info.value)
    async with Outbox(config.outbox) as box:
        assert await box.count() == 0
        dead = await box.dead_letters()
        assert len(dead) == findings and all("/finding/" in topic for _, topic, _ in dead)
        assert {reason for _, _, reason in dead} == {"PUBACK 135: Not authorized"}
        assert await box.requeue_dead() == findings  # the ACL gets fixed: queue them again

    acl.write_text("topic readwrite camaudit/#\n")
    broker.stop()
    fixed = mosquitto_factory(port=broker.port, options={"acl_file": str(acl), "max_queued_messages": "1000"})
    async with Recorder(fixed.port, "camaudit/+/+/finding/#") as rec:
        stats = await publish_result(scan, config)
        await rec.wait_for(lambda ms: len(ms) >= findings)
    assert stats.backlog == findings and stats.refused == 0 and stats.pending == 0
    # the same scan again is the same finding messages (ids derived from what they say): each sent once
    assert len({m.json()["unmapped"]["camaudit"]["message_id"] for m in rec.messages}) == findings
    assert len(rec.messages) == findings
