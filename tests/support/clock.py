"""Moving the product's and the lab's clocks together inside one test process.

The product reads CAMAUDIT_CLOCK_OFFSET once per process (`probes/clock.py`); the lab reads it on every call.
A test that shifts the calendar in-process sets the variable, has the product read it again, and restores both.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

from probes import clock


@contextlib.contextmanager
def clock_offset(text: str | None) -> Iterator[None]:
    """CAMAUDIT_CLOCK_OFFSET set to `text` (None: unset) for the product and the lab, restored afterwards."""
    before = os.environ.get(clock.ENV)
    try:
        _set(text)
        yield
    finally:
        _set(before)


def _set(text: str | None) -> None:
    if text is None:
        os.environ.pop(clock.ENV, None)
    else:
        os.environ[clock.ENV] = text
    clock.refresh()
