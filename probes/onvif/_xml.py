"""Hostile-input XML: strict parsing and small typed accessors that fail loudly.

Camera replies are untrusted. They are parsed without DTDs, entity expansion or
network access, and a DOCTYPE is refused outright. The accessors raise
`SchemaViolation` (a BadReply) when a required element is missing or a value has
the wrong type, so a malformed reply becomes an `error` fact, never an empty value.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from typing import Any, TypeAlias

from lxml import etree

from probes.errors import BadReply
from probes.xmlbytes import without_slips

_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
# an HTML error page (lighttpd, Boa ...): a DOCTYPE naming html, with no internal subset and no ENTITY
_HTML_PAGE = re.compile(rb"<!\s*DOCTYPE\s+html\b[^\[>]*>", re.IGNORECASE)
_ENTITY = re.compile(rb"<!\s*ENTITY", re.IGNORECASE)
_TITLE = re.compile(rb"<title[^>]*>([^<]{0,120})</title>", re.IGNORECASE)
PARSE_ERRORS = (etree.XMLSyntaxError, etree.ParserError, ValueError, UnicodeDecodeError, RecursionError)

Element: TypeAlias = Any  # lxml.etree._Element: lxml ships no type stubs here


class SchemaViolation(BadReply):
    """The reply is well-formed XML but does not follow the ONVIF schema."""


_local = threading.local()


def _parser() -> etree.XMLParser:
    """One parser per thread, reused for every reply (lxml parsers must not be shared between threads)."""
    parser: etree.XMLParser | None = getattr(_local, "parser", None)
    if parser is None:
        parser = _local.parser = etree.XMLParser(
            resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False,
            remove_comments=True, remove_pis=True, collect_ids=False)
    return parser


def parse_xml(raw: bytes) -> Element:
    """Parse bytes into an element tree, refusing DTDs/entities and anything not well-formed."""
    raw = without_slips(raw)
    if _DOCTYPE.search(raw, 0, 65536) or (raw.find(b"\x00", 0, 65536) != -1
                                          and _DOCTYPE.search(raw[:65536].replace(b"\x00", b""))):
        head = raw[:65536]
        if _HTML_PAGE.search(head) and not _ENTITY.search(head) and b"\x00" not in head:
            title = _TITLE.search(head)
            what = f" ({_short(title.group(1).decode('latin-1'), 80)})" if title else ""
            raise BadReply(f"reply is an HTML page{what}, not a SOAP envelope")  # never parsed: no DTD is loaded
        raise BadReply("reply contains a DOCTYPE/ENTITY declaration (refused: entity expansion risk)")
    try:
        root = etree.fromstring(raw, parser=_parser())
    except PARSE_ERRORS as exc:
        raise BadReply(f"reply is not well-formed XML: {_short(str(exc))}") from None
    if root.getroottree().docinfo.doctype:  # type: ignore[union-attr]  # lxml-stubs: docinfo may be Any
        raise BadReply("reply contains a DOCTYPE declaration (refused)")
    return root


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def local(el: Element) -> str:
    tag = el.tag
    if isinstance(tag, str):  # "{ns}name" or "name": no QName object per call
        return tag.rpartition("}")[2]
    return etree.QName(el).localname


def _desc(ns: str, name: str) -> str:
    from probes.onvif._ns import KNOWN_PREFIXES
    return f"{KNOWN_PREFIXES.get(ns, '{' + ns + '}')}:{name}"


def children(el: Element, ns: str, name: str) -> list[Element]:
    """All direct children with this namespace URI and local name."""
    return list(el.iterchildren(f"{{{ns}}}{name}"))


def child(el: Element, ns: str, name: str) -> Element | None:
    """The first direct child with this namespace URI and local name, or None."""
    return next(el.iterchildren(f"{{{ns}}}{name}"), None)


def need(el: Element, ns: str, name: str) -> Element:
    """The required child, else SchemaViolation naming what is missing."""
    found = child(el, ns, name)
    if found is None:
        raise SchemaViolation(f"required element {_desc(ns, name)} missing in {local(el)}")
    return found


def path(el: Element | None, *steps: tuple[str, str]) -> Element | None:
    """Follow optional children; None as soon as one step is absent."""
    for ns, name in steps:
        if el is None:
            return None
        el = child(el, ns, name)
    return el


def text(el: Element | None) -> str | None:
    """Stripped text of an element (None when the element is absent)."""
    if el is None:
        return None
    return (el.text or "").strip()


def need_text(el: Element, ns: str, name: str) -> str:
    return text(need(el, ns, name)) or ""


def opt_text(el: Element, ns: str, name: str) -> str | None:
    return text(child(el, ns, name))


def texts(el: Element, ns: str, name: str) -> list[str]:
    return [t for c in children(el, ns, name) if (t := text(c))]


def to_int(value: str | None, what: str, *, required: bool = True) -> int | None:
    if value is None or value == "":
        if required:
            raise SchemaViolation(f"{what} is missing")
        return None
    try:
        return int(value.strip())
    except ValueError:
        raise SchemaViolation(f"{what} is not an integer: {_short(value, 40)!r}") from None


def to_float(value: str | None, what: str, *, required: bool = True) -> float | None:
    if value is None or value == "":
        if required:
            raise SchemaViolation(f"{what} is missing")
        return None
    try:
        return float(value.strip())
    except ValueError:
        raise SchemaViolation(f"{what} is not a number: {_short(value, 40)!r}") from None


def to_bool(value: str | None, what: str, *, required: bool = True, default: bool | None = None) -> bool | None:
    """xs:boolean: true/false/1/0, anything else is a schema violation."""
    if value is None or value == "":
        if required:
            raise SchemaViolation(f"{what} is missing")
        return default
    v = value.strip().lower()
    if v in ("true", "1"):
        return True
    if v in ("false", "0"):
        return False
    raise SchemaViolation(f"{what} is not an xs:boolean: {_short(value, 40)!r}")


def need_int(el: Element, ns: str, name: str) -> int:
    value = to_int(text(need(el, ns, name)), f"{local(el)}/{name}")
    assert value is not None
    return value


def need_bool(el: Element, ns: str, name: str) -> bool:
    value = to_bool(text(need(el, ns, name)), f"{local(el)}/{name}")
    assert value is not None
    return value


def opt_bool(el: Element, ns: str, name: str, default: bool | None = None) -> bool | None:
    return to_bool(text(child(el, ns, name)), f"{local(el)}/{name}", required=False, default=default)


def attr(el: Element, name: str) -> str | None:
    value = el.get(name)
    return value.strip() if value is not None else None


def need_attr(el: Element, name: str) -> str:
    value: str | None = el.get(name)
    if value is None:
        raise SchemaViolation(f"required attribute {name} missing on {local(el)}")
    return value.strip()


def qname_value(el: Element, value: str | None) -> str | None:
    """Render a QName-typed value with a canonical prefix (tt:FaceRecognition), resolving the device's prefix."""
    from probes.onvif._ns import KNOWN_PREFIXES
    if not value:
        return value
    value = value.strip()
    prefix, sep, name = value.rpartition(":")
    if not sep:
        return value
    ns = el.nsmap.get(prefix)  # lxml resolves through ancestors
    if ns is None:
        return value
    canon = KNOWN_PREFIXES.get(ns)
    return f"{canon}:{name}" if canon else value


def iter_local(el: Element, name: str) -> Iterator[Element]:
    """Descendants by local name in any namespace (only for vendor extensions we do not know)."""
    for node in el.iter():
        if isinstance(node.tag, str) and etree.QName(node).localname == name:
            yield node
