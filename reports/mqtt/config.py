"""How to reach the broker and what to send: a typed, immutable config.

The command line builds it (`scanner/mqtt_options.py`: options, broker URL, password
from an environment variable or an owner-only file); code and tests build it directly.
The password is kept as a `SecretStr` and handed to the MQTT client only; it never
appears in a repr, a log line, an exception or a payload.
"""

from __future__ import annotations

import os
import uuid
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from probes.errors import ConfigError

DEFAULT_PREFIX = "camaudit"
DEFAULT_TIMEOUT = 30.0  # s: how long a one-shot publish may try before it gives up (messages stay queued)
DEFAULT_EXPIRY = 7 * 24 * 3600  # s: MQTT 5 message expiry of finding/scan messages
DEFAULT_WINDOW = 32  # publishes awaiting PUBACK at once (the broker's Receive Maximum caps what is on the wire)
STATE_DIR_ENV = "CAMAUDIT_STATE_DIR"


class MqttFormat(StrEnum):
    OCSF = "ocsf"  # OCSF 1.x Compliance Finding (class 2003)
    NATIVE = "native"  # camaudit's own Finding JSON


class MqttProtocol(StrEnum):
    AUTO = "auto"  # try MQTT 5, fall back to 3.1.1 when the broker refuses it
    V5 = "5"
    V311 = "3.1.1"


class MqttConfig(BaseModel):
    """Everything the publisher needs; built by `scanner.mqtt_options.mqtt_config_from_args` or in code/tests."""

    model_config = ConfigDict(frozen=True)

    host: str
    port: int = Field(default=1883, ge=1, le=65535)
    tls: bool = False
    username: str | None = None
    password: SecretStr | None = Field(default=None, repr=False)
    ca_file: Path | None = None
    cert_file: Path | None = None
    key_file: Path | None = None
    insecure: bool = False  # TLS without hostname check (the chain is still verified)
    prefix: str = DEFAULT_PREFIX
    format: MqttFormat = MqttFormat.OCSF
    send_all: bool = False  # every finding, not only new/changed/resolved ones
    documents: bool = False  # also the whole scan document and the recent scan ids (site agent; collect)
    outbox: Path = Field(default_factory=lambda: default_outbox_path())
    client_id: str | None = None
    protocol: MqttProtocol = MqttProtocol.AUTO
    timeout: float = Field(default=DEFAULT_TIMEOUT, gt=0)
    connect_timeout: float = Field(default=5.0, gt=0)
    message_expiry: int | None = Field(default=DEFAULT_EXPIRY, ge=1)
    window: int = Field(default=DEFAULT_WINDOW, ge=1, le=65535)
    keepalive: int = Field(default=30, ge=5)

    @field_validator("prefix")
    @classmethod
    def _check_prefix(cls, value: str) -> str:
        return validate_prefix(value)

    @property
    def url(self) -> str:
        """The broker URL without any secret (for messages and logs)."""
        user = f"{self.username}@" if self.username else ""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{'mqtts' if self.tls else 'mqtt'}://{user}{host}:{self.port}"

    @property
    def destination(self) -> str:
        """Who is told: broker and topic prefix (no user, no secret); the key of the outbox's `told` memory."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{'mqtts' if self.tls else 'mqtt'}://{host}:{self.port}/{self.prefix}"

    def effective_client_id(self) -> str:
        return self.client_id or f"camaudit-{uuid.uuid4().hex[:12]}"


def default_outbox_path() -> Path:
    """$CAMAUDIT_STATE_DIR/outbox.sqlite, else the XDG data dir (~/.local/share/camaudit/outbox.sqlite)."""
    state = os.environ.get(STATE_DIR_ENV)
    if state:
        return Path(state).expanduser() / "outbox.sqlite"
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data).expanduser() / "camaudit" / "outbox.sqlite"


def validate_prefix(prefix: str) -> str:
    """A prefix may span several levels (`org/camaudit`) but holds no wildcard, empty level or NUL."""
    if not prefix or prefix.startswith("$") or any(c in prefix for c in "+#\x00"):
        raise ConfigError("topic prefix must be non-empty, must not start with '$' and must not contain "
                          "'+', '#' or NUL", field="--mqtt-prefix")
    if any(level == "" for level in prefix.split("/")):
        raise ConfigError("topic prefix has an empty level (leading, trailing or double '/')",
                          field="--mqtt-prefix")
    return prefix
