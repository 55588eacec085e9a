"""Byte-level slips of device firmware around an XML document, shared by the discovery and ONVIF parsers.

Only bytes that carry no content are taken away; everything else is left for the strict parser to judge.
"""

from __future__ import annotations

_BLANK_FIRST = frozenset((b" ", b"\t", b"\r", b"\n"))


def without_slips(raw: bytes) -> bytes:
    """`raw` without blanks before the XML declaration (firmware printing its replies from CGI scripts) and
    without the NUL bytes, and blanks around them, after the last tag (C firmware counting a string's
    terminator in Content-Length or in the datagram's length).

    A NUL anywhere else (UTF-16/32 text, an attempt to hide a DOCTYPE from a byte search) leaves the end of
    the document as it is, to be judged by the parser.
    """
    if raw[:1] in _BLANK_FIRST:  # the XML declaration must come first: nothing before it is content
        raw = raw.lstrip(b" \t\r\n")
    if b"\x00" not in raw[-8:]:
        return raw
    body = raw.rstrip(b"\x00 \t\r\n")
    return raw if b"\x00" in body else body
