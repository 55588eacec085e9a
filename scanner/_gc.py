"""Pause the cyclic garbage collector around bulk work on large scan documents.

Diffing or loading a scan of 1,000 cameras allocates ~10^5 pydantic objects while
~10^6 live ones exist; CPython's generational collector then spends most of the
time re-scanning the live ones. The models built here form no reference cycles
(reference counting frees them), so pausing the collector is safe; it is resumed
on exit, even on error.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
