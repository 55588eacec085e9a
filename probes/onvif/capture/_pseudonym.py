"""Identifiers in an archive replaced by stand-ins: serials, MACs, addresses, names.

Two passes over the whole archive: first collect what identifies the device and its owner
(serial number, MAC addresses, IPv4/IPv6 addresses in URLs and address elements, host name,
user names, endpoint uuid, scope names and locations, and the MAC also without separators, as in
Axis realms), then replace every
occurrence of each, longest first and on word boundaries, by a stable stand-in (the same value
gets the same stand-in everywhere, so the replayed device stays coherent). Stand-ins come from
documentation ranges (192.0.2.0/24, 2001:db8::/32, locally administered MACs).
"""

from __future__ import annotations

import ipaddress
import re
import uuid
from collections.abc import Callable, Sequence

from probes.onvif.capture._archive import ArchivedExchange

_ELEMENT = re.compile(r"<(?:[\w.-]+:)?([A-Za-z][\w.-]*)\b[^>/]*>([^<]+)</")
_URL_HOST = re.compile(r"\bhttps?://(\[[0-9A-Fa-f:.]+\]|[^/:\s\"'<>]+)")
_MAC = re.compile(r"(?<![0-9A-Fa-f:-])(?:[0-9A-Fa-f]{2}([:-]))(?:[0-9A-Fa-f]{2}\1){4}[0-9A-Fa-f]{2}(?![0-9A-Fa-f:-])")
_UUID = re.compile(r"urn:uuid:([0-9A-Fa-f-]{32,36})")
_SCOPE = re.compile(r"onvif://www\.onvif\.org/(name|location|hardware/serial|serial|mac)/([^\s<\"]+)")
_NOT_ADDRESS = re.compile(r"version|firmware|hardware|model|mask|prefix", re.IGNORECASE)
_NAME_ELEMENTS = {"SerialNumber": "serial", "Username": "user", "HwAddress": "mac"}
_KEEP = frozenset({"0.0.0.0", "::", "255.255.255.255", "127.0.0.1", "::1"})  # noqa: S104 - values, not a bind


def _fixed(stand_in: str) -> Callable[[int], str]:
    return lambda n: stand_in


def _numbered(label: str) -> Callable[[int], str]:
    return lambda n: f"{label}-{n}"


class Pseudonyms:
    """original -> stand-in, built by `collect`, applied by `apply`."""

    def __init__(self) -> None:
        self.mapping: dict[str, str] = {}
        self._counts: dict[str, int] = {}
        self._seen: set[str] = set()
        self._pattern: re.Pattern[str] | None = None

    def _add(self, kind: str, value: str, make: Callable[[int], str]) -> None:
        value = value.strip()
        if len(value) < 3 or value.lower() in self._seen or value in _KEEP or value.startswith("(removed"):
            return  # matching is case-insensitive: one stand-in per value whatever its case
        self._seen.add(value.lower())
        n = self._counts[kind] = self._counts.get(kind, 0) + 1
        self.mapping[value] = make(n)
        self._pattern = None

    def _address(self, text: str) -> None:
        try:
            ip = ipaddress.ip_address(text.strip("[]").split("%", 1)[0])
        except ValueError:
            return
        if ip.version == 4:
            self._add("ipv4", str(ip), lambda n: f"192.0.2.{n}" if n < 255 else f"198.51.100.{n - 254}")
        else:
            self._add("ipv6", text.strip("[]"), lambda n: f"fe80::{n:x}" if ip.is_link_local else f"2001:db8::{n:x}")

    def collect(self, text: str) -> None:
        for m in _URL_HOST.finditer(text):
            self._address(m.group(1))
        for m in _ELEMENT.finditer(text):
            name, value = m.group(1), m.group(2).strip()
            kind = _NAME_ELEMENTS.get(name)
            if kind == "serial":
                self._add("serial", value, lambda n: f"SERIAL{n:04d}")
            elif kind == "user":
                self._add("user", value, lambda n: f"user{n}")
            elif name == "Name" and "HostnameInformation" in text[max(0, m.start() - 200):m.start()]:
                self._add("host", value, lambda n: f"host{n}")
            elif not _NOT_ADDRESS.search(name):
                self._address(value)
        for m in _MAC.finditer(text):
            sep = m.group(1)
            stand_in = ["02", "00", "5e", "00", f"{len(self.mapping) >> 8:02x}", f"{len(self.mapping) & 255:02x}"]
            self._add("mac", m.group(0), _fixed(sep.join(stand_in)))
            # the same MAC without separators (Axis puts it in the Digest realm and host names)
            self._add("mac", m.group(0).replace(sep, ""), _fixed("".join(stand_in)))
        for m in _UUID.finditer(text):
            self._add("uuid", m.group(1), lambda n: str(uuid.UUID(int=n, version=4)))
        for m in _SCOPE.finditer(text):
            label = m.group(1).split("/")[-1]
            self._add(f"scope-{m.group(1)}", m.group(2), _numbered(label))

    def apply(self, text: str) -> str:
        if not self.mapping:
            return text
        if self._pattern is None:
            keys = sorted(self.mapping, key=len, reverse=True)
            self._pattern = re.compile(r"(?<![A-Za-z0-9.])(" + "|".join(re.escape(k) for k in keys)
                                       + r")(?![A-Za-z0-9]|\.[0-9])", re.IGNORECASE)
        lowered = {k.lower(): v for k, v in self.mapping.items()}
        return self._pattern.sub(lambda m: lowered[m.group(1).lower()], text)


def pseudonymise(exchanges: list[ArchivedExchange], extra: Sequence[str] = ()) -> tuple[list[ArchivedExchange],
                                                                                        Pseudonyms]:
    """The exchanges with identifiers replaced, and the mapping (kept in memory only, never written)."""
    names = Pseudonyms()
    for text in extra:
        names.collect(text)
    for ex in exchanges:
        for text in _texts(ex):
            names.collect(text)
    out = []
    for ex in exchanges:
        data = ex.model_dump()
        data["url"] = names.apply(ex.url)
        data["request_headers"] = [(k, names.apply(v)) for k, v in ex.request_headers]
        data["reply_headers"] = [(k, names.apply(v)) for k, v in ex.reply_headers]
        data["request_body"] = names.apply(ex.request_body)
        if not ex.reply_body_base64:
            data["reply_body"] = names.apply(ex.reply_body)
        if ex.error:
            data["error"] = names.apply(ex.error)
        out.append(ArchivedExchange.model_validate(data))
    return out, names


def _texts(ex: ArchivedExchange) -> list[str]:
    texts = [ex.url, ex.request_body, *(v for _, v in ex.request_headers), *(v for _, v in ex.reply_headers)]
    if not ex.reply_body_base64:
        texts.append(ex.reply_body)
    if ex.error:
        texts.append(ex.error)
    return texts
