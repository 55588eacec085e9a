"""The shipped Mosquitto example (examples/mosquitto/) run as written, only with test paths and a free port.

    broker = ExampleMosquitto(tmp_path, sites=("A", "B")).start()
    config = broker.mqtt_config("A", outbox=...)     # a site agent's MqttConfig (TLS, its certificate)
    broker.kill(); broker.start()                    # SIGKILL and restart on the same port, persistence kept
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from reports.mqtt import MqttConfig
from tests.reports.mqtt._broker import Mosquitto, make_pki

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "mosquitto"
INSTALLED = "/etc/mosquitto/camaudit/"


class ExampleMosquitto(Mosquitto):
    """`Mosquitto` (start, kill, stop, log) with the shipped example as its configuration."""

    def __init__(self, workdir: Path, *, sites: tuple[str, ...], port: int | None = None,
                 debug_log: bool = True) -> None:
        super().__init__(workdir / "broker", port=port)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.pki = make_pki(self.workdir / "pki", clients=(*sites, "collector"))
        self.log = self.workdir / "mosquitto.log"
        self.conf = self.workdir / "camaudit.conf"
        self.debug_log = debug_log  # the example's commented `#log_type debug`, on: refused PUBLISH is logged

    def render(self) -> str:
        """The example with this test's certificates, port, persistence directory and log file."""
        pki = self.pki
        text = (EXAMPLE / "camaudit.conf").read_text()
        replacements = {
            f"acl_file {INSTALLED}camaudit.acl": f"acl_file {EXAMPLE / 'camaudit.acl'}",
            f"cafile {INSTALLED}ca.crt": f"cafile {pki.ca}",
            f"certfile {INSTALLED}broker.crt": f"certfile {pki.server_cert}",
            f"keyfile {INSTALLED}broker.key": f"keyfile {pki.server_key}",
            "persistence_location /var/lib/mosquitto/": f"persistence_location {self.workdir}/",
            "log_dest syslog": f"log_dest file {self.log}",
            "listener 8883": f"listener {self.port} 127.0.0.1",
            "#log_type debug": "log_type debug" if self.debug_log else "#log_type debug",
        }
        for old, new in replacements.items():
            assert old in text, f"the example no longer has {old!r}"
            text = text.replace(old, new)
        if os.geteuid() == 0:
            text += "user root\n"  # otherwise it drops to `mosquitto` and cannot read our 0600 keys
        return text

    def write_config(self) -> None:
        self.conf.write_text(self.render())

    def mqtt_config(self, who: str, **fields: Any) -> MqttConfig:
        cert, key = self.pki.clients[who]
        return MqttConfig(host="127.0.0.1", port=self.port, tls=True, ca_file=self.pki.ca, cert_file=cert,
                          key_file=key, **fields)

    def cli_args(self, who: str) -> list[str]:
        cert, key = self.pki.clients[who]
        return ["--mqtt", f"mqtts://127.0.0.1:{self.port}", "--mqtt-ca", str(self.pki.ca), "--mqtt-cert", str(cert),
                "--mqtt-key", str(key)]
