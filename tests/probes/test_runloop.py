"""probes.runloop: the one way the process runs its event loop."""

from __future__ import annotations

import pytest

from probes.runloop import run


class _CountedRepr:
    """A result that counts how often it is formatted (a whole scan's repr took seconds)."""

    def __init__(self) -> None:
        self.formatted = 0

    def __repr__(self) -> str:
        self.formatted += 1
        return "<result>"


def test_run_hands_back_the_result_without_formatting_it() -> None:
    result = _CountedRepr()

    async def main() -> _CountedRepr:
        return result

    assert run(main()) is result
    assert result.formatted == 0


def test_run_raises_what_the_main_coroutine_raises() -> None:
    async def main() -> None:
        raise LookupError("from the main coroutine")

    with pytest.raises(LookupError, match="from the main coroutine"):
        run(main())
