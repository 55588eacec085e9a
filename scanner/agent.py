"""The site agent's side of central collection (`camaudit watch --mqtt ... --mqtt-documents`).

After every scan the agent publishes its recent complete scan ids (retained), so a collector can see which
scans it never received (Mosquitto may acknowledge before persisting, and does not hand a dead shared
subscriber's in-flight messages to the other). The collector then asks on `<prefix>/v1/<site>/command`;
`AgentCommands` answers by queueing those scans' documents again from the local history into the outbox.
It uses its own MQTT connection (aiomqtt's public API), so the publisher's connection stays as it is.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any, Self

import aiomqtt
from pydantic import ValidationError

from probes import clock
from reports.mqtt.config import MqttConfig, MqttProtocol
from reports.mqtt.documents import RECENT_SCANS, AgentCommand, document_messages, recent_scans_message
from reports.mqtt.topics import Topics
from scanner.history import HistoryStore, ScanStatus, UnknownScan

log = logging.getLogger("camaudit.agent")

RETRY_CAP = 30.0  # s between reconnect attempts of the command listener


async def publish_recent_scans(publisher: Any, store: HistoryStore, site: str) -> None:
    """Queue the retained list of this site's recent complete scans (newest first)."""
    records = await store.list_scans(site, limit=RECENT_SCANS, status=ScanStatus.COMPLETE)
    message = recent_scans_message(publisher.config, site=site, scanner_id=publisher.scanner_id,
                                   scan_ids=[r.scan_id for r in records], at=clock.now())
    await publisher.enqueue([message])


async def resend(publisher: Any, store: HistoryStore, command: AgentCommand) -> list[str]:
    """Queue the documents of the requested scans again; returns the ids not in the local history."""
    missing = []
    for scan_id in command.scan_ids:
        try:
            result = await store.load_scan(scan_id)
        except UnknownScan:  # pruned or never stored here; a store that fails is the caller's to report
            missing.append(scan_id)
            continue
        if result.meta.site != command.site:
            missing.append(scan_id)
            continue
        scanner_id = result.meta.scanner_id or publisher.scanner_id
        await publisher.enqueue(await asyncio.to_thread(document_messages, result, publisher.config, scanner_id))
    log.info("collector %s asked for %d scan(s): %d queued again%s", command.requested_by, len(command.scan_ids),
             len(command.scan_ids) - len(missing),
             f", not in the local history (pruned?): {', '.join(missing)}" if missing else "")
    return missing


class AgentCommands:
    """Listens for a collector's requests while the watch runs: `async with AgentCommands(...)`."""

    def __init__(self, publisher: Any, store: HistoryStore, site: str) -> None:
        self.publisher, self.store, self.site = publisher, store, site
        self.config: MqttConfig = publisher.config
        self.topic = Topics(self.config.prefix, site).command()
        self.handled = 0
        self._task: asyncio.Task[None] | None = None
        self.subscribed = asyncio.Event()

    async def __aenter__(self) -> Self:
        self._task = asyncio.create_task(self._run(), name=f"camaudit.agent[{self.site}].commands")
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task

    def _client(self) -> aiomqtt.Client:
        from reports.mqtt.connection import build_tls_context

        config = self.config
        protocol = (aiomqtt.ProtocolVersion.V311 if config.protocol is MqttProtocol.V311
                    else aiomqtt.ProtocolVersion.V5)
        base = config.client_id or f"camaudit-{self.publisher.scanner_id}"
        return aiomqtt.Client(config.host, config.port, username=config.username,
                              password=config.password.get_secret_value() if config.password else None,
                              identifier=f"{base}-commands"[:64], protocol=protocol,
                              tls_context=build_tls_context(config),
                              tls_insecure=config.insecure if config.tls else None,
                              keepalive=config.keepalive, timeout=config.connect_timeout)

    async def _run(self) -> None:
        delay = 0.5
        while True:
            try:
                async with self._client() as client:
                    await client.subscribe(self.topic, qos=1)
                    self.subscribed.set()
                    delay = 0.5
                    async for message in client.messages:
                        await self._handle(bytes(message.payload) if isinstance(message.payload, bytes | bytearray)
                                           else str(message.payload).encode())
            except asyncio.CancelledError:
                raise
            except (aiomqtt.MqttError, OSError) as exc:
                self.subscribed.clear()
                log.debug("command listener for %s: %s; retrying in %.1f s", self.topic, exc, delay)
            await asyncio.sleep(delay)
            delay = min(RETRY_CAP, delay * 2)

    async def _handle(self, payload: bytes) -> None:
        try:
            command = AgentCommand.model_validate_json(payload)
        except ValidationError as exc:
            log.warning("ignored a malformed command on %s: %s", self.topic, exc.errors()[0]["msg"])
            return
        if command.site != self.site:
            log.warning("ignored a command for site %r on %s", command.site, self.topic)
            return
        try:
            await resend(self.publisher, self.store, command)
        except Exception as exc:  # noqa: BLE001 - a failed re-send must not end the watch; the collector asks again
            log.warning("could not re-send scans %s: %s", ", ".join(command.scan_ids), exc)
        self.handled += 1
