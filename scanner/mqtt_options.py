"""The `--mqtt*` command-line options and the typed `MqttConfig` they build.

The reports layer only sees the finished `reports.mqtt.MqttConfig`. A password is read here
(from an environment variable or an owner-only file) into a `SecretStr`; a password inside the
URL is refused, because URLs end up in shell history, process lists and logs.
"""

from __future__ import annotations

import argparse
import os
import stat
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import SecretStr

from probes.errors import ConfigError
from reports.mqtt.config import (
    DEFAULT_PREFIX,
    DEFAULT_TIMEOUT,
    STATE_DIR_ENV,
    MqttConfig,
    MqttFormat,
    MqttProtocol,
    validate_prefix,
)


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
