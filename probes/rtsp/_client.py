"""A minimal RTSP/1.0 client that can only send OPTIONS and DESCRIBE (RFC 2326), bounded in time and size.

SETUP and PLAY (which would start media flowing) cannot be expressed: `request` refuses any other method
before a byte is sent, the same guarantee `probes/onvif/_allowlist.py` gives for ONVIF.
"""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass, field

from probes.errors import BadReply, DeviceError, DeviceTimeout, ProgrammingError

READ_ONLY_METHODS = frozenset({"OPTIONS", "DESCRIBE"})
MAX_HEADER_BYTES = 16 * 1024
USER_AGENT = "camaudit (read-only audit; OPTIONS/DESCRIBE only)"


class ForbiddenMethod(ProgrammingError, RuntimeError):
    """A programming error: code tried to send an RTSP method other than OPTIONS or DESCRIBE."""


class ConnectionRefused(DeviceError):
    """Nothing listens at the RTSP port (the host answered with a reset)."""


@dataclass
class Reply:
    status: int
    reason: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    raw_head: bytes = b""

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def all(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]


class RtspConnection:
    """One TCP (or TLS) connection to a camera's RTSP port; requests go one at a time with a rising CSeq."""

    def __init__(self, address: str, port: int, *, tls: bool, timeout_s: float, max_reply_bytes: int) -> None:
        self.address, self.port, self.tls = address, port, tls
        self.timeout_s = timeout_s
        self.max_reply_bytes = max_reply_bytes
        self.cseq = 0
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def _connect(self) -> None:
        context = None
        if self.tls:  # cameras present self-signed certificates: recorded elsewhere, not verified here
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        try:
            async with asyncio.timeout(self.timeout_s):
                self._reader, self._writer = await asyncio.open_connection(self.address, self.port, ssl=context)
        except TimeoutError:
            raise DeviceTimeout(f"no TCP answer from {self.address}:{self.port} within {self.timeout_s:g} s") \
                from None
        except ConnectionRefusedError:
            raise ConnectionRefused(f"connection refused at {self.address}:{self.port}") from None
        except (OSError, ssl.SSLError) as exc:
            raise DeviceError(f"cannot connect to {self.address}:{self.port}: {exc}") from None

    async def request(self, method: str, uri: str, headers: dict[str, str] | None = None) -> Reply:
        """Send one request and read its reply; raises DeviceError subclasses for every failure."""
        if method not in READ_ONLY_METHODS:
            raise ForbiddenMethod(f"RTSP {method} is not read-only; camaudit only sends OPTIONS and DESCRIBE")
        if any(c in uri for c in "\r\n ") or any(c in v for v in (headers or {}).values() for c in "\r\n"):
            raise BadReply("refusing a request URI or header with spaces or line breaks")
        for attempt in (1, 2):  # a server that closed an idle keep-alive connection gets one fresh connection
            if self._writer is None:
                await self._connect()
            self.cseq += 1
            lines = [f"{method} {uri} RTSP/1.0", f"CSeq: {self.cseq}", f"User-Agent: {USER_AGENT}"]
            if method == "DESCRIBE":
                lines.append("Accept: application/sdp")
            lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
            assert self._writer is not None
            try:
                self._writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
                async with asyncio.timeout(self.timeout_s):
                    await self._writer.drain()
                    return await self._read_reply()
            except TimeoutError:
                await self.close()
                raise DeviceTimeout(f"RTSP {method} got no reply within {self.timeout_s:g} s") from None
            except (ConnectionResetError, BrokenPipeError, asyncio.IncompleteReadError) as exc:
                await self.close()
                if attempt == 2 or (isinstance(exc, asyncio.IncompleteReadError) and exc.partial):
                    raise DeviceError(f"RTSP {method}: connection closed mid-reply") from None
        raise AssertionError("unreachable")

    async def _read_reply(self) -> Reply:
        assert self._reader is not None
        head = b""
        while not head.endswith(b"\r\n\r\n") and not head.endswith(b"\n\n"):
            chunk = await self._reader.readline()
            if not chunk:
                raise asyncio.IncompleteReadError(head, None)
            head += chunk
            if len(head) > MAX_HEADER_BYTES:
                raise BadReply(f"RTSP reply headers larger than {MAX_HEADER_BYTES} bytes")
            if head in (b"\r\n", b"\n"):  # stray blank line before the status line
                head = b""
        text = head.decode("latin-1")
        status_line, *header_lines = text.splitlines()
        parts: list[str] = status_line.split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("RTSP/") or not parts[1].isdigit():
            raise BadReply(f"not an RTSP reply: {status_line[:80]!r}")
        headers: list[tuple[str, str]] = []
        for header_line in header_lines:
            name, sep, value = header_line.partition(":")
            if sep:
                headers.append((name.strip(), value.strip()))
        reply = Reply(status=int(parts[1]), reason=parts[2] if len(parts) > 2 else "", headers=headers, raw_head=head)
        length_text = reply.header("Content-Length")
        if length_text:
            if not length_text.isdigit():
                raise BadReply(f"bad Content-Length {length_text[:20]!r}")
            length = int(length_text)
            if length > self.max_reply_bytes:
                raise BadReply(f"RTSP reply body of {length} bytes is larger than the {self.max_reply_bytes}-byte cap")
            reply.body = await self._reader.readexactly(length)
        return reply

    async def close(self) -> None:
        writer, self._writer, self._reader = self._writer, None, None
        if writer is not None:
            writer.close()
            try:
                async with asyncio.timeout(1.0):
                    await writer.wait_closed()
            except (OSError, TimeoutError, ssl.SSLError):
                pass
