"""Safe XML parsing for discovery replies: no entities, no DTD, no network, capped size.

Hostile input raises one of PARSE_ERRORS; callers drop the datagram with a debug log.
"""

from __future__ import annotations

from lxml import etree

from probes.xmlbytes import without_slips

MAX_XML_BYTES = 64 * 1024  # a ProbeMatch or UPnP description is a few KiB; anything larger is refused


class HostileXml(ValueError):
    """The document is too large or uses DOCTYPE/entities."""


PARSE_ERRORS: tuple[type[Exception], ...] = (etree.XMLSyntaxError, HostileXml, ValueError, UnicodeError,
                                             RecursionError, LookupError)

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                          remove_comments=True, remove_pis=True)


def parse_xml(data: bytes, *, limit: int = MAX_XML_BYTES) -> etree._Element:
    """Parse `data` or raise one of PARSE_ERRORS. A DOCTYPE is refused outright."""
    if len(data) > limit:
        raise HostileXml(f"{len(data)} bytes is more than the {limit} byte limit")
    data = without_slips(data)
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data or b"<!doctype" in data:
        raise HostileXml("DOCTYPE/ENTITY declarations are refused")
    root = etree.fromstring(data, _PARSER)
    if root.getroottree().docinfo.doctype:  # type: ignore[union-attr]  # lxml-stubs: docinfo may be Any  # e.g. a UTF-16 document the byte check missed
        raise HostileXml("DOCTYPE declarations are refused")
    return root


def text(element: etree._Element | None) -> str:
    """Stripped text of an element, '' when missing."""
    if element is None or element.text is None:
        return ""
    return element.text.strip()
