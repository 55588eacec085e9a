"""JSON Lines encoding shared by the file reporters."""

from __future__ import annotations

import json
from typing import Any

from reports.textsafety import json_escape


def json_line(obj: Any) -> str:
    """One compact JSON line (UTF-8 text) ending in a newline."""
    return json_escape(json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=str)) + "\n"
