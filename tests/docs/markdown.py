"""Fenced code blocks of the docs, so tests run the recipes exactly as they are written."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.M | re.S)
_PATH_BEFORE = re.compile(r"`(/[^`]+)`:\s*$")


@dataclass(frozen=True)
class Block:
    lang: str
    text: str
    path: str | None  # the file the docs say the block is (a "`/etc/...`:" line just before it)


def blocks(doc: str, lang: str | None = None) -> list[Block]:
    text = (ROOT / doc).read_text(encoding="utf-8")
    found = []
    for match in _FENCE.finditer(text):
        before = text[: match.start()].rstrip("\n").splitlines()
        named = _PATH_BEFORE.search(before[-1]) if before else None
        found.append(Block(match.group(1), match.group(2), named.group(1) if named else None))
    return [b for b in found if lang is None or b.lang == lang]


def block_with(doc: str, needle: str, lang: str | None = None) -> Block:
    """The one block of `doc` that contains `needle`."""
    hits = [b for b in blocks(doc, lang) if needle in b.text]
    assert len(hits) == 1, f"{doc}: {len(hits)} blocks contain {needle!r}"
    return hits[0]
