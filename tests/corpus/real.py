"""Replies of real devices, read from the corpus archives by the file they were imported from.

    raw = real_reply("hikvision/GetUsers.xml")

The replies were captured by other open-source ONVIF projects (tests/corpus/SOURCES.md names each source
and licence; every reply keeps its `<!-- source: ... -->` comment). Parser tests use single replies;
tests/corpus/test_corpus.py replays each device as a whole.
"""

from __future__ import annotations

import base64
import functools
from pathlib import Path

from probes.onvif.capture import load_archive

CORPUS = Path(__file__).parent


@functools.cache
def real_replies() -> dict[str, bytes]:
    """Every imported reply, by its source file ("axis/GetDNS.xml")."""
    out: dict[str, bytes] = {}
    for path in sorted(CORPUS.glob("real-*/capture.json")):
        for ex in load_archive(path).exchanges:
            if ex.source:
                out[ex.source] = base64.b64decode(ex.reply_body) if ex.reply_body_base64 else ex.reply_body.encode()
    return out


def real_reply(source: str) -> bytes:
    try:
        return real_replies()[source]
    except KeyError:
        raise KeyError(f"no corpus reply imported from {source!r}") from None
