"""MqttConfig on its own: where the outbox lives by default, and prefixes it refuses."""

from __future__ import annotations

from pathlib import Path

import pytest

from probes.errors import ConfigError
from reports.mqtt import MqttConfig
from reports.mqtt.config import default_outbox_path


@pytest.mark.parametrize("prefix", ["", "a/+/b", "a/#", "a//b", "/a", "a/", "$SYS", "a\x00b"])
def test_bad_prefixes(prefix):
    with pytest.raises(ConfigError):
        MqttConfig(host="b", prefix=prefix)


def test_default_outbox_location(monkeypatch, tmp_path):
    monkeypatch.setenv("CAMAUDIT_STATE_DIR", str(tmp_path / "state"))
    assert default_outbox_path() == tmp_path / "state" / "outbox.sqlite"
    monkeypatch.delenv("CAMAUDIT_STATE_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_outbox_path() == tmp_path / "xdg" / "camaudit" / "outbox.sqlite"
    monkeypatch.delenv("XDG_DATA_HOME")
    assert default_outbox_path() == Path.home() / ".local/share/camaudit/outbox.sqlite"
