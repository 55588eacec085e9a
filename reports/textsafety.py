"""Device strings with invisible or reordering characters: one policy per output format, in one place.

A camera names itself (hostname, model, OSD text, user names); a hostile or broken one can put C1
controls (U+0080-U+009F, e.g. U+009B, the 8-bit CSI of terminals) or bidi controls (U+202E RIGHT-TO-LEFT
OVERRIDE, U+2066-U+2069 isolates, U+200E/U+200F marks, U+061C) and zero-width characters in them. They are
valid Unicode and valid JSON, and a SIEM console, spreadsheet or terminal that renders them can show
text reordered or hidden ("evil\u202egpj.exe"). The policy:

| output | policy |
|---|---|
- scan JSON, JSON Lines, OCSF, MQTT payloads: the exact value is kept, but written as a `\\uXXXX` escape,
  so the bytes on the wire/disk never carry the raw character; any JSON parser gives the original string back.
- CSV: neutralised: each such character (and C0 controls other than tab, LF, CR) becomes U+FFFD; CSV has no
  escape, and the cell is read by people.
- console, HTML: shown as `?` (console) or U+FFFD (HTML) by their own renderers (`reports.console.term_safe`,
  `reports.html`).

`UNSAFE` is the character class; `json_escape`/`json_escape_bytes` apply the JSON policy to already
encoded JSON text (these characters can only occur inside JSON strings, where the escape means the same
character), `cell_text` the CSV one.
"""

from __future__ import annotations

import re

# DEL and C1; Arabic letter mark; zero-width and LRM/RLM; LRE..RLO; line/paragraph separators; word
# joiner; LRI..PDI; BOM / zero-width no-break space.
UNSAFE = "\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2028\u2029\u2060\u2066-\u2069\ufeff"
_JSON_UNSAFE = re.compile(f"[{UNSAFE}]")
_CELL_UNSAFE = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f{UNSAFE}]")


def _escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def json_escape(text: str) -> str:
    """Encoded JSON text with every UNSAFE character written as a \\u escape (same decoded value)."""
    return _JSON_UNSAFE.sub(_escape, text)


def json_escape_bytes(data: bytes) -> bytes:
    """`json_escape` for UTF-8 encoded JSON (pydantic's to_json); pure ASCII without DEL passes untouched."""
    if data.isascii() and b"\x7f" not in data:
        return data
    return json_escape(data.decode("utf-8", "surrogatepass")).encode("utf-8", "surrogatepass")


def cell_text(text: str) -> str:
    """A CSV cell's text with UNSAFE characters and stray C0 controls replaced by U+FFFD."""
    return _CELL_UNSAFE.sub("\ufffd", text)
