"""scanner._memory: freed heap pages go back to the OS between phases (glibc), and nothing breaks elsewhere."""

from __future__ import annotations

import platform
import sys

import pytest

from scanner import _memory


@pytest.mark.skipif(not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc",
                    reason="malloc_trim is a glibc call")
def test_glibc_is_asked_to_trim() -> None:
    assert _memory.return_free_memory() is True


def test_no_allocator_call_is_a_quiet_no_op(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_memory.sys, "platform", "darwin")
    _memory._malloc_trim.cache_clear()
    try:
        assert _memory.return_free_memory() is False
    finally:
        monkeypatch.undo()
        _memory._malloc_trim.cache_clear()
