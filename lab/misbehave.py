"""Reply transformations for misbehaving cameras (robustness tests of the scanner).

Each function turns a well-formed reply into what a broken or hostile device
would send; the server picks them per camera and operation.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
import struct
from typing import Any

from aiohttp import web

from lab.model import EntityPayload

SOAP_CT = "application/soap+xml; charset=utf-8"
_CHUNK = 64 * 1024

# lighttpd's own error page: an XML declaration and an XHTML DOCTYPE (no entities), as real firmware sends it
LIGHTTPD_500 = """<?xml version="1.0" encoding="iso-8859-1"?>
<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN"
         "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">
 <head>
  <title>500 Internal Server Error</title>
 </head>
 <body>
  <h1>500 Internal Server Error</h1>
 </body>
</html>
"""

STACKTRACE = """<html><head><title>Error</title></head><body><pre>
java.lang.NullPointerException: operation handler is null
\tat com.vendor.onvif.SoapDispatcher.dispatch(SoapDispatcher.java:211)
\tat com.vendor.onvif.OnvifServlet.doPost(OnvifServlet.java:88)
\tat javax.servlet.http.HttpServlet.service(HttpServlet.java:647)
\tat org.eclipse.jetty.server.handler.HandlerWrapper.handle(HandlerWrapper.java:97)
</pre></body></html>"""


def _first_text_slot(body: bytes) -> tuple[int, int] | None:
    """Span of the first element text inside the SOAP Body (where an entity reference goes)."""
    start = body.find(b"Body>")
    m = re.compile(rb">([^<>]+)</").search(body, max(start, 0))
    return (m.start(1), m.end(1)) if m else None


def entity_expansion(body: bytes, payload: EntityPayload) -> bytes:
    """Insert a DOCTYPE with a billion-laughs or external-entity payload and reference it."""
    if payload is EntityPayload.EXTERNAL_ENTITY:
        dtd = b'<!DOCTYPE lab [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>\n'
        ref = b"&xxe;"
    else:
        ents = [b'<!ENTITY lol "lol">'] + [
            b"<!ENTITY lol%d \"%s\">" % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10)]
        dtd = b"<!DOCTYPE lab [ " + b" ".join(ents) + b" ]>\n"
        ref = b"&lol9;"
    decl_end = body.find(b"?>") + 2 if body.startswith(b"<?xml") else 0
    head, rest = body[:decl_end], body[decl_end:]
    slot = _first_text_slot(rest)
    if slot:
        rest = rest[:slot[0]] + ref + rest[slot[1]:]
    return head + b"\n" + dtd + rest


def malformed(body: bytes) -> bytes:
    """Break well-formedness: an unescaped ampersand and an element that is never closed."""
    slot = _first_text_slot(body)
    if not slot:
        return body[:-10]
    return body[:slot[0]] + b"R&D <unclosed attr='1'>" + body[slot[0]:]


def truncated(body: bytes) -> bytes:
    """The reply stops half way (with a matching Content-Length, so only the XML is broken)."""
    return body[: max(1, len(body) // 2)]


async def oversized(request: web.Request, body: bytes, megabytes: float, status: int) -> web.StreamResponse:
    """A well-formed but huge reply: padding comments inside the SOAP Body, streamed."""
    close = body.rfind(b"</", 0, body.rfind(b"</"))  # start of the Body end tag
    head, tail = body[:close], body[close:]
    pad_unit = b"<!--" + b"x" * (_CHUNK - 7) + b"-->"
    units = max(1, int(megabytes * 1024 * 1024) // len(pad_unit))
    resp = web.StreamResponse(status=status, headers={"Content-Type": SOAP_CT})
    resp.content_length = len(head) + units * len(pad_unit) + len(tail)
    await resp.prepare(request)
    await resp.write(head)
    for _ in range(units):
        await resp.write(pad_unit)
    await resp.write(tail)
    await resp.write_eof()
    return resp


async def slow_drip(request: web.Request, body: bytes, bytes_per_second: int, status: int,
                    stop: asyncio.Event) -> web.StreamResponse:
    """Send the reply a few bytes at a time (bytes_per_second), four times a second."""
    resp = web.StreamResponse(status=status, headers={"Content-Type": SOAP_CT})
    resp.content_length = len(body)
    await resp.prepare(request)
    step = max(1, bytes_per_second // 4)
    for offset in range(0, len(body), step):
        if stop.is_set() or request.transport is None or request.transport.is_closing():
            break
        await resp.write(body[offset:offset + step])
        await asyncio.sleep(0.25)
    else:
        await resp.write_eof()
    return resp


def reset_connection(request: web.Request) -> None:
    """Abort the TCP connection with a RST (SO_LINGER 0) instead of answering."""
    transport = request.transport
    if transport is None:
        return
    sock: Any = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()


async def hold_without_reply(request: web.Request, stop: asyncio.Event) -> None:
    """Keep the connection open and never answer (until the client gives up or the lab stops)."""
    while not stop.is_set():
        transport = request.transport
        if transport is None or transport.is_closing():
            return
        try:
            await asyncio.wait_for(stop.wait(), 0.25)
        except TimeoutError:
            continue
    if request.transport is not None:
        request.transport.abort()


def foreign_schema_namespace(body: bytes) -> bytes:
    """The ONVIF schema types (tt:) bound to another namespace, as some firmware writes GetCapabilities."""
    return body.replace(b'"http://www.onvif.org/ver10/schema"', b'"http://www.onvif.org/ver20/schema"')


def empty_response(response: Any) -> None:
    """The operation's response element without any child: its required elements missing."""
    for item in list(response):
        response.remove(item)


def hollow_response(response: Any) -> None:
    """The response element's children kept, but empty (e.g. <tds:HostnameInformation/>)."""
    for item in response:
        for inner in list(item):
            item.remove(inner)
        item.text = None
