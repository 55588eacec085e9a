"""Which reader is running (a context variable per task), so the sheet can refuse a fact the registry gives
to another reader: the registry stays the truth about who produces what."""

from __future__ import annotations

from contextvars import ContextVar

current_keys: ContextVar[frozenset[str] | None] = ContextVar("onvif_reader_keys", default=None)
"""The fact keys of the reader running in this task (None outside readers: the final marking)."""


def check_produces(key: str) -> None:
    keys = current_keys.get()
    if keys is not None and key not in keys:
        raise KeyError(f"fact {key!r} is set by a reader the registry does not name for it")
