"""`--mqtt*` options -> the typed MqttConfig (built here, in scanner/): URL forms, password sources, refusals,
and no secret in any text."""

from __future__ import annotations

import argparse

import pytest

from probes.errors import ConfigError
from reports.mqtt import MqttConfig, MqttFormat, MqttProtocol
from scanner.mqtt_options import add_mqtt_arguments, mqtt_config_from_args


def _parse(*argv: str):
    parser = argparse.ArgumentParser()
    add_mqtt_arguments(parser)
    return mqtt_config_from_args(parser.parse_args(list(argv)))


def test_without_mqtt_there_is_no_config():
    assert _parse() is None


def test_stray_options_without_mqtt_are_refused():
    with pytest.raises(ConfigError, match="--mqtt-prefix, --mqtt-all given without --mqtt"):
        _parse("--mqtt-prefix", "x", "--mqtt-all")


@pytest.mark.parametrize(("url", "tls", "host", "port", "user"), [
    ("mqtt://broker.example", False, "broker.example", 1883, None),
    ("mqtts://broker.example", True, "broker.example", 8883, None),
    ("mqtt://scanner@127.0.0.1:18830", False, "127.0.0.1", 18830, "scanner"),
    ("mqtts://siem@[::1]:8884/", True, "::1", 8884, "siem"),
])
def test_broker_url_forms(url, tls, host, port, user):
    c = _parse("--mqtt", url)
    assert (c.tls, c.host, c.port, c.username) == (tls, host, port, user)
    assert c.prefix == "camaudit" and c.format is MqttFormat.OCSF and c.protocol is MqttProtocol.AUTO
    assert c.send_all is False


@pytest.mark.parametrize(("url", "message"), [
    ("http://broker", "must start with mqtt:// or mqtts://"),
    ("mqtt://user:hunter2@broker", "do not put the password in the broker URL"),
    ("mqtt://broker/topic", "takes no path"),
    ("mqtt://broker:99999", "invalid port"),
    ("mqtt://", "no host"),
])
def test_bad_urls_are_refused_without_echoing_secrets(url, message):
    with pytest.raises(ConfigError, match=message) as info:
        _parse("--mqtt", url)
    assert "hunter2" not in str(info.value)


def test_password_from_environment(monkeypatch):
    monkeypatch.setenv("CAM_MQTT_PW", "pa55-from-env")
    c = _parse("--mqtt", "mqtt://scanner@b", "--mqtt-password-env", "CAM_MQTT_PW")
    assert c.password.get_secret_value() == "pa55-from-env"
    for text in (repr(c), str(c), c.model_dump_json(), c.url):
        assert "pa55-from-env" not in text


def test_missing_environment_variable(monkeypatch):
    monkeypatch.delenv("CAM_MQTT_NOPE", raising=False)
    with pytest.raises(ConfigError, match="CAM_MQTT_NOPE is not set"):
        _parse("--mqtt", "mqtt://scanner@b", "--mqtt-password-env", "CAM_MQTT_NOPE")


def test_password_file_must_be_owner_only(tmp_path):
    pw = tmp_path / "pw"
    pw.write_text("file-secret\nignored second line\n")
    pw.chmod(0o644)
    with pytest.raises(ConfigError, match="chmod 600") as info:
        _parse("--mqtt", "mqtt://scanner@b", "--mqtt-password-file", str(pw))
    assert "file-secret" not in str(info.value)
    pw.chmod(0o600)
    c = _parse("--mqtt", "mqtt://scanner@b", "--mqtt-password-file", str(pw))
    assert c.password.get_secret_value() == "file-secret"


def test_password_needs_a_user(monkeypatch):
    monkeypatch.setenv("PW", "x")
    with pytest.raises(ConfigError, match="needs a user name"):
        _parse("--mqtt", "mqtt://b", "--mqtt-password-env", "PW")


def test_tls_options(tmp_path):
    ca = tmp_path / "ca.pem"
    ca.write_text("not checked here")
    with pytest.raises(ConfigError, match="need an mqtts://"):
        _parse("--mqtt", "mqtt://b", "--mqtt-ca", str(ca))
    with pytest.raises(ConfigError, match="go together"):
        _parse("--mqtt", "mqtts://b", "--mqtt-cert", str(ca))
    with pytest.raises(ConfigError, match="does not exist") as info:
        _parse("--mqtt", "mqtts://b", "--mqtt-ca", str(tmp_path / "missing.pem"))
    assert info.value.field == "--mqtt-ca"
    c = _parse("--mqtt", "mqtts://b", "--mqtt-ca", str(ca), "--mqtt-insecure")
    assert c.ca_file == ca and c.insecure


def test_all_options(tmp_path):
    c = _parse("--mqtt", "mqtt://b", "--mqtt-prefix", "org/cams", "--mqtt-format", "native", "--mqtt-all",
               "--mqtt-outbox", str(tmp_path / "o.sqlite"), "--mqtt-client-id", "cam-1", "--mqtt-protocol", "3.1.1",
               "--mqtt-timeout", "2.5")
    assert (c.prefix, c.format, c.send_all, c.outbox, c.client_id, c.protocol, c.timeout) == (
        "org/cams", MqttFormat.NATIVE, True, tmp_path / "o.sqlite", "cam-1", MqttProtocol.V311, 2.5)


@pytest.mark.parametrize("prefix", ["", "a/+/b", "a/#", "a//b", "/a", "a/", "$SYS", "a\x00b"])
def test_bad_prefixes(prefix):
    with pytest.raises(ConfigError):
        _parse("--mqtt", "mqtt://b", "--mqtt-prefix", prefix)
    with pytest.raises(ConfigError):
        MqttConfig(host="b", prefix=prefix)
