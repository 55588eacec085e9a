"""The injected clock: CAMAUDIT_CLOCK_OFFSET shifts every "now" of the product and the lab alike."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest

from lab import clock as lab_clock
from probes import clock
from tests.support.clock import clock_offset


@pytest.mark.parametrize(("text", "expected"), [
    ("365d", timedelta(days=365)), ("-2h", timedelta(hours=-2)), ("+90m", timedelta(minutes=90)),
    ("3600", timedelta(hours=1)), ("1w", timedelta(weeks=1)), ("1.5h", timedelta(minutes=90)),
])
def test_offsets_parse(text, expected) -> None:
    assert clock.parse_offset(text) == expected


@pytest.mark.parametrize("text", ["a year", "5y", "--1d", ""])
def test_bad_offsets_name_the_variable(text) -> None:
    with pytest.raises(ValueError, match="CAMAUDIT_CLOCK_OFFSET"):
        clock.parse_offset(text)


def test_product_and_lab_move_together() -> None:
    with clock_offset("365d"):
        real = datetime.now(UTC)
        shifted, lab_shifted = clock.now(), lab_clock.now()
        assert timedelta(days=365) <= shifted - real < timedelta(days=365, seconds=5)
        assert abs(shifted - lab_shifted) < timedelta(seconds=5)
        with clock_offset(None):
            assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=5)
            assert abs(lab_clock.now() - datetime.now(UTC)) < timedelta(seconds=5)


def test_the_product_reads_the_offset_once_until_refreshed() -> None:
    """Read once per process, as configuration is: `now()` runs several times per request."""
    with clock_offset("365d"):
        assert clock.now() - datetime.now(UTC) > timedelta(days=364)
        os.environ[clock.ENV] = "-365d"  # changed behind the product's back: still the value it read
        assert clock.now() - datetime.now(UTC) > timedelta(days=364)
        clock.refresh()
        assert datetime.now(UTC) - clock.now() > timedelta(days=364)


def test_a_bad_offset_raises_on_every_read() -> None:
    with clock_offset("a year"):
        for _ in range(2):
            with pytest.raises(ValueError, match="CAMAUDIT_CLOCK_OFFSET"):
                clock.now()
