"""Test helpers: a real Mosquitto on a free 127.0.0.1 port, a small PKI, and a recording subscriber."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import ipaddress
import json
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

import aiomqtt

from tests.support.children import Child
from tests.support.ports import free_port

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"


class Mosquitto(Child):
    """One broker process; `kill()` is SIGKILL, `start()` again reuses the same port and config."""

    def __init__(self, workdir: Path, *, options: dict[str, str] | None = None, listener: str = "",
                 port: int | None = None) -> None:
        self.workdir = workdir
        self.port = port or free_port()
        self.options = {"persistence": "false", "allow_anonymous": "true", "max_queued_messages": "0",
                        "max_inflight_messages": "0", **(options or {})}
        self.listener = listener  # lines that belong to the listener (cafile, certfile, require_certificate)
        self.proc: subprocess.Popen[bytes] | None = None
        self.conf = workdir / f"mosquitto-{self.port}.conf"
        self.log = workdir / f"mosquitto-{self.port}.log"

    def write_config(self) -> None:
        lines = [f"{k} {v}" for k, v in self.options.items()]
        lines += ["log_dest stderr", "log_type error", "log_type warning", "log_type notice"]
        if os.geteuid() == 0:
            lines.append("user root")  # otherwise it drops to `mosquitto` and cannot read our 0600 files
        lines += [f"listener {self.port} 127.0.0.1", self.listener]
        self.conf.write_text("\n".join(lines) + "\n")

    def start(self, timeout: float = 10.0) -> Self:
        self.write_config()
        logf = open(self.log, "ab")  # noqa: SIM115 - owned by the process (startup errors land in the log too)
        self.proc = subprocess.Popen([MOSQUITTO, "-c", str(self.conf)], stdout=logf, stderr=logf,
                                     start_new_session=True)
        logf.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"mosquitto exited: {self.log_text()[-2000:]}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), 0.2):
                return self
            time.sleep(0.05)
        raise RuntimeError(f"mosquitto did not listen on {self.port}")

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self) -> None:
        super().stop()
        self.proc = None


# --- PKI ------------------------------------------------------------------------------------------

@dataclass
class Pki:
    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path
    other_ca: Path  # a CA that did not sign anything we use
    clients: dict[str, tuple[Path, Path]] = field(default_factory=dict)  # CN -> (cert, key), see `clients=`


def make_pki(directory: Path, *, server_names: tuple[str, ...] = ("localhost",),
             server_ips: tuple[str, ...] = ("127.0.0.1",), clients: tuple[str, ...] = ()) -> Pki:
    """A CA, a server certificate for the given names/IPs and a client certificate (EC P-256, 1 day);
    `clients`: more client certificates, one per Common Name (a broker's user name with use_identity_as_username)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)

    def write_key(key: ec.EllipticCurvePrivateKey, path: Path) -> None:
        path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
        path.chmod(0o600)

    def name(cn: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    def ca(cn: str, stem: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate, Path]:
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (x509.CertificateBuilder().subject_name(name(cn)).issuer_name(name(cn))
                .public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now).not_valid_after(now + dt.timedelta(days=1))
                .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                             content_commitment=False, key_encipherment=False,
                                             data_encipherment=False, key_agreement=False, encipher_only=False,
                                             decipher_only=False), critical=True)
                .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
                .sign(key, hashes.SHA256()))
        path = directory / f"{stem}.crt"
        path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        return key, cert, path

    def leaf(cn: str, stem: str, ca_key, ca_cert, *, server: bool) -> tuple[Path, Path]:
        key = ec.generate_private_key(ec.SECP256R1())
        builder = (x509.CertificateBuilder().subject_name(name(cn)).issuer_name(ca_cert.subject)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now).not_valid_after(now + dt.timedelta(days=1))
                   .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                   .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                                  critical=False)
                   .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH if server
                                                         else ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False))
        if server:
            alt: list[x509.GeneralName] = [x509.DNSName(n) for n in server_names]
            alt += [x509.IPAddress(ipaddress.ip_address(i)) for i in server_ips]
            builder = builder.add_extension(x509.SubjectAlternativeName(alt), critical=False)
        cert = builder.sign(ca_key, hashes.SHA256())
        cert_path, key_path = directory / f"{stem}.crt", directory / f"{stem}.key"
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        write_key(key, key_path)
        return cert_path, key_path

    directory.mkdir(parents=True, exist_ok=True)
    ca_key, ca_cert, ca_path = ca("camaudit test CA", "ca")
    _, _, other = ca("unrelated test CA", "other-ca")
    server_cert, server_key = leaf("broker", "server", ca_key, ca_cert, server=True)
    client_cert, client_key = leaf("scanner", "client", ca_key, ca_cert, server=False)
    named = {cn: leaf(cn, f"client-{cn}", ca_key, ca_cert, server=False) for cn in clients}
    return Pki(ca_path, server_cert, server_key, client_cert, client_key, other, named)


# --- subscriber -----------------------------------------------------------------------------------

@dataclass
class Received:
    topic: str
    payload: bytes
    qos: int
    retain: bool
    properties: dict = field(default_factory=dict)

    def json(self) -> dict:
        return json.loads(self.payload)

    @property
    def user_properties(self) -> dict[str, str]:
        return dict(self.properties.get("UserProperty", []))


class Recorder:
    """Subscribes to `topic_filter` and records every message (use as an async context manager)."""

    def __init__(self, port: int, topic_filter: str = "camaudit/#", *, protocol=aiomqtt.ProtocolVersion.V5,
                 client_id: str | None = None, clean: bool = True, **client_kwargs) -> None:
        self.port, self.filter, self.protocol = port, topic_filter, protocol
        self.client_id, self.clean, self.kwargs = client_id, clean, client_kwargs
        self.messages: list[Received] = []
        self.changed = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._client: aiomqtt.Client | None = None
        self.connections = 0

    async def __aenter__(self) -> Self:
        await self._connect()
        self._task = asyncio.create_task(self._loop())
        return self

    async def _connect(self) -> None:
        clean = self.clean if self.protocol is not aiomqtt.ProtocolVersion.V5 else None
        self._client = aiomqtt.Client("127.0.0.1", self.port, protocol=self.protocol, identifier=self.client_id,
                                      clean_session=clean, **self.kwargs)
        await self._client.__aenter__()
        await self._client.subscribe(self.filter, qos=1)
        self.connections += 1

    async def _loop(self) -> None:
        while True:
            try:
                async for m in self._client.messages:
                    props = m.properties.json() if m.properties is not None else {}
                    self.messages.append(Received(m.topic.value, bytes(m.payload), m.qos, m.retain, props))
                    self.changed.set()
            except aiomqtt.MqttError:
                # broker went away: reconnect until it is back (the crash test restarts it)
                while True:
                    await asyncio.sleep(0.05)
                    try:
                        await self._connect()
                        break
                    except aiomqtt.MqttError:
                        continue

    async def wait_for(self, predicate, timeout: float = 20.0) -> None:
        async with asyncio.timeout(timeout):
            while not predicate(self.messages):
                self.changed.clear()
                await self.changed.wait()

    async def __aexit__(self, *exc) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(BaseException):
                await self._task
        if self._client:
            with contextlib.suppress(Exception):
                await self._client.__aexit__(None, None, None)


ROOT_DIR = Path(__file__).resolve().parents[3]
