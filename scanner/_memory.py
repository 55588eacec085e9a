"""Give the heap pages a finished phase freed back to the operating system.

Why: reading a fleet allocates and frees many short-lived reply buffers and parse trees. glibc keeps the
freed pages in its arenas, so the process's resident size (what a small VM or a systemd MemoryMax sees)
stays at the reading phase's high-water mark through evaluation and reports. `malloc_trim(0)` returns the
free pages of every arena. Elsewhere than glibc it is a no-op: other allocators return memory themselves
or offer no such call.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import sys
from collections.abc import Callable


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim: Callable[[int], int] = libc.malloc_trim  # absent in musl: AttributeError
    except (OSError, AttributeError):
        return None
    return trim


def return_free_memory() -> bool:
    """Release the free heap pages (True when the allocator could be asked)."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
