"""JSON Lines encoding shared by the file reporters."""

from __future__ import annotations

import json
from typing import Any


def escape_separators(text: str) -> str:
    """Escape the characters that line readers (str.splitlines, JavaScript) treat as line breaks.

    They can only occur inside JSON strings, where the \\u escape means the same character.
    """
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").replace("\x85", "\\u0085")


def json_line(obj: Any) -> str:
    """One compact JSON line (UTF-8 text) ending in a newline."""
    return escape_separators(json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=str)) + "\n"
