"""How to reach the broker and what to send: parsed once from the command line, then immutable.

The password is read here (from an environment variable or an owner-only file),
kept as a `SecretStr` and handed to the MQTT client only; it never appears in a
repr, a log line, an exception or a payload. A password inside the URL is
refused, because URLs end up in shell history, process lists and logs.
"""

from __future__ import annotations

import argparse
import os
import stat
import uuid
from enum import StrEnum
from pathlib import Path
from urllib.parse import urlsplit

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
    """Everything the publisher needs; built by `mqtt_config_from_args` or directly in code/tests."""

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


def parse_broker_url(url: str) -> tuple[bool, str, int, str | None]:
    """`mqtt[s]://[user@]host[:port]` -> (tls, host, port, user). Refuses a password in the URL."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("mqtt", "mqtts"):
        raise ConfigError(f"broker URL must start with mqtt:// or mqtts://, got {parts.scheme or 'no'} scheme",
                          field="--mqtt")
    if parts.password is not None:
        raise ConfigError("do not put the password in the broker URL; use --mqtt-password-env or "
                          "--mqtt-password-file", field="--mqtt")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ConfigError("broker URL takes no path, query or fragment (topics come from --mqtt-prefix)",
                          field="--mqtt")
    try:
        port = parts.port
    except ValueError:
        raise ConfigError("broker URL has an invalid port", field="--mqtt") from None
    host = parts.hostname
    if not host:
        raise ConfigError("broker URL has no host", field="--mqtt")
    tls = parts.scheme == "mqtts"
    user = parts.username or None
    return tls, host, port or (8883 if tls else 1883), user


def validate_prefix(prefix: str) -> str:
    """A prefix may span several levels (`org/camaudit`) but holds no wildcard, empty level or NUL."""
    if not prefix or prefix.startswith("$") or any(c in prefix for c in "+#\x00"):
        raise ConfigError("topic prefix must be non-empty, must not start with '$' and must not contain "
                          "'+', '#' or NUL", field="--mqtt-prefix")
    if any(level == "" for level in prefix.split("/")):
        raise ConfigError("topic prefix has an empty level (leading, trailing or double '/')",
                          field="--mqtt-prefix")
    return prefix


def read_password_file(path: Path) -> SecretStr:
    """The first line of an owner-only file; group/world-readable files are refused like ssh does."""
    try:
        st = path.stat()
    except OSError as exc:
        raise ConfigError(f"cannot read password file: {exc.strerror}", path=str(path),
                          field="--mqtt-password-file") from None
    if not stat.S_ISREG(st.st_mode):
        raise ConfigError("password file is not a regular file", path=str(path), field="--mqtt-password-file")
    if st.st_mode & 0o077:
        raise ConfigError(f"password file is accessible by group or others (mode {stat.S_IMODE(st.st_mode):o}); "
                          f"run: chmod 600 {path}", path=str(path), field="--mqtt-password-file")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read password file: {type(exc).__name__}", path=str(path),
                          field="--mqtt-password-file") from None
    lines = text.splitlines()
    if not lines or not lines[0]:
        raise ConfigError("password file is empty", path=str(path), field="--mqtt-password-file")
    return SecretStr(lines[0])


def _readable(path: Path, option: str) -> Path:
    if not path.is_file() or not os.access(path, os.R_OK):
        raise ConfigError("file does not exist or is not readable", path=str(path), field=option)
    return path


def add_mqtt_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the `--mqtt*` options (one group) to a subcommand parser (`scan`, `demo`, `watch`)."""
    g = parser.add_argument_group("MQTT (findings into a SIEM; see docs/mqtt.md)")
    g.add_argument("--mqtt", metavar="URL", help="publish to this broker: mqtt[s]://[user@]host[:port]")
    g.add_argument("--mqtt-prefix", metavar="PREFIX", default=None,
                   help=f"topic prefix (default {DEFAULT_PREFIX})")
    g.add_argument("--mqtt-ca", metavar="FILE", type=Path, help="CA certificate(s) to verify the broker (PEM)")
    g.add_argument("--mqtt-cert", metavar="FILE", type=Path, help="client certificate (PEM) for mutual TLS")
    g.add_argument("--mqtt-key", metavar="FILE", type=Path, help="private key of --mqtt-cert (PEM)")
    g.add_argument("--mqtt-insecure", action="store_true",
                   help="do not check the broker's host name against its certificate (discouraged)")
    pw = g.add_mutually_exclusive_group()
    pw.add_argument("--mqtt-password-env", metavar="VAR", help="read the broker password from this variable")
    pw.add_argument("--mqtt-password-file", metavar="FILE", type=Path,
                    help="read the broker password from this owner-only file (chmod 600)")
    g.add_argument("--mqtt-format", choices=[f.value for f in MqttFormat], default=None,
                   help="finding payload: ocsf (Compliance Finding, default) or native camaudit JSON")
    g.add_argument("--mqtt-all", action="store_true",
                   help="send every finding, not only new, changed and resolved ones")
    g.add_argument("--mqtt-documents", action="store_true",
                   help="also publish each scan's whole document and this agent's recent scan ids, and answer "
                        "a collector's re-send requests (site agent for `camaudit collect`; docs/deployment.md)")
    g.add_argument("--mqtt-outbox", metavar="PATH", type=Path, default=None,
                   help="durable outbox (SQLite) holding messages until the broker acknowledges them "
                        f"(default ${STATE_DIR_ENV}/outbox.sqlite or ~/.local/share/camaudit/outbox.sqlite)")
    g.add_argument("--mqtt-client-id", metavar="ID", default=None, help="MQTT client identifier")
    g.add_argument("--mqtt-protocol", choices=[p.value for p in MqttProtocol], default=None,
                   help="MQTT version: auto (5, else 3.1.1; default), 5 or 3.1.1")
    g.add_argument("--mqtt-timeout", metavar="SECONDS", type=float, default=None,
                   help=f"give up delivering after this long; undelivered messages stay in the outbox "
                        f"(default {DEFAULT_TIMEOUT:g})")


_DEPENDENT = ("mqtt_prefix", "mqtt_ca", "mqtt_cert", "mqtt_key", "mqtt_password_env", "mqtt_password_file",
              "mqtt_format", "mqtt_outbox", "mqtt_client_id", "mqtt_protocol", "mqtt_timeout")


def mqtt_config_from_args(args: argparse.Namespace) -> MqttConfig | None:
    """The config for `--mqtt ...`, None without `--mqtt`; raises ConfigError naming the bad option."""
    url = getattr(args, "mqtt", None)
    if not url:
        stray = [f"--{name.replace('_', '-')}" for name in _DEPENDENT if getattr(args, name, None) is not None]
        stray += [f"--{n.replace('_', '-')}" for n in ("mqtt_insecure", "mqtt_all", "mqtt_documents")
                  if getattr(args, n, False)]
        if stray:
            raise ConfigError(f"{', '.join(stray)} given without --mqtt", field="--mqtt")
        return None
    tls, host, port, user = parse_broker_url(url)
    ca, cert, key = args.mqtt_ca, args.mqtt_cert, args.mqtt_key
    if not tls and (ca or cert or key or args.mqtt_insecure):
        raise ConfigError("TLS options need an mqtts:// broker URL", field="--mqtt")
    if (cert is None) != (key is None):
        raise ConfigError("--mqtt-cert and --mqtt-key go together", field="--mqtt-cert")
    password: SecretStr | None = None
    if args.mqtt_password_env:
        value = os.environ.get(args.mqtt_password_env)
        if value is None:
            raise ConfigError(f"environment variable {args.mqtt_password_env} is not set",
                              field="--mqtt-password-env")
        password = SecretStr(value)
    elif args.mqtt_password_file:
        password = read_password_file(args.mqtt_password_file)
    if password is not None and not user:
        raise ConfigError("a password needs a user name in the URL (mqtt://user@host)", field="--mqtt")
    fields: dict[str, object] = {
        "host": host, "port": port, "tls": tls, "username": user, "password": password,
        "ca_file": _readable(ca, "--mqtt-ca") if ca else None,
        "cert_file": _readable(cert, "--mqtt-cert") if cert else None,
        "key_file": _readable(key, "--mqtt-key") if key else None,
        "insecure": bool(args.mqtt_insecure), "send_all": bool(args.mqtt_all),
        "documents": bool(getattr(args, "mqtt_documents", False)),
        "client_id": args.mqtt_client_id,
    }
    if args.mqtt_prefix is not None:
        fields["prefix"] = validate_prefix(args.mqtt_prefix)
    if args.mqtt_format is not None:
        fields["format"] = MqttFormat(args.mqtt_format)
    if args.mqtt_protocol is not None:
        fields["protocol"] = MqttProtocol(args.mqtt_protocol)
    if args.mqtt_outbox is not None:
        fields["outbox"] = args.mqtt_outbox.expanduser()
    if args.mqtt_timeout is not None:
        if args.mqtt_timeout <= 0:
            raise ConfigError("must be a positive number of seconds", field="--mqtt-timeout")
        fields["timeout"] = args.mqtt_timeout
    return MqttConfig(**fields)
