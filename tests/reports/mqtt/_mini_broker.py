"""A tiny MQTT 3.1.1-only broker (real sockets) for the protocol fallback test: Mosquitto always speaks MQTT 5.

It answers an MQTT 5 CONNECT the way the 3.1.1 spec says (CONNACK return code 1,
unacceptable protocol version, then close) and records QoS 1 PUBLISHes, which it
acknowledges with PUBACK. Nothing else (no subscriptions, no QoS 2).
"""

from __future__ import annotations

import asyncio
import struct
from dataclasses import dataclass, field
from typing import Self


@dataclass
class Published:
    topic: str
    payload: bytes
    qos: int
    retain: bool


@dataclass
class Mqtt311OnlyBroker:
    connect_levels: list[int] = field(default_factory=list)  # protocol level of every CONNECT (4 = 3.1.1, 5)
    published: list[Published] = field(default_factory=list)
    will: tuple[str, bytes] | None = None
    port: int = 0
    hang_up_on_v5: bool = False  # some 3.1.1 brokers just close the connection instead of answering
    _server: asyncio.AbstractServer | None = None

    async def __aenter__(self) -> Self:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc) -> None:
        self._server.close()
        await self._server.wait_closed()

    @staticmethod
    async def _read_packet(reader: asyncio.StreamReader) -> tuple[int, bytes]:
        header = (await reader.readexactly(1))[0]
        length, shift = 0, 0
        while True:
            byte = (await reader.readexactly(1))[0]
            length |= (byte & 0x7F) << shift
            if not byte & 0x80:
                break
            shift += 7
        return header, await reader.readexactly(length)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                header, body = await self._read_packet(reader)
                kind = header >> 4
                if kind == 1:  # CONNECT
                    name_len = struct.unpack("!H", body[:2])[0]
                    level = body[2 + name_len]
                    self.connect_levels.append(level)
                    if level != 4:
                        if not self.hang_up_on_v5:
                            writer.write(b"\x20\x02\x00\x01")  # CONNACK: unacceptable protocol version
                            await writer.drain()
                        return
                    writer.write(b"\x20\x02\x00\x00")
                elif kind == 3:  # PUBLISH
                    qos, retain = (header >> 1) & 3, bool(header & 1)
                    topic_len = struct.unpack("!H", body[:2])[0]
                    topic = body[2:2 + topic_len].decode()
                    rest = body[2 + topic_len:]
                    if qos:
                        packet_id, rest = rest[:2], rest[2:]
                        writer.write(b"\x40\x02" + packet_id)
                    self.published.append(Published(topic, rest, qos, retain))
                elif kind == 12:  # PINGREQ
                    writer.write(b"\xd0\x00")
                elif kind == 14:  # DISCONNECT
                    return
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            return
        finally:
            writer.close()
