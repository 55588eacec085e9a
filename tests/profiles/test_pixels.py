"""Pixel density math and DORI levels (CZ §1.2, IEC/EN 62676-4)."""

from __future__ import annotations

import math

import pytest

from profiles.inventory import ViewLevel
from profiles.pixels import dori_level, level_rank, pixels_per_metre


@pytest.mark.parametrize(("pixels", "distance", "hfov", "expected"), [
    (1280, 20, 90, 32.0),  # the demo parking lot: tan(45 deg) = 1 -> 1280 / 40
    (1920, 5, 90, 192.0),
    (1920, 10, 60, 1920 / (20 * math.tan(math.radians(30)))),
    (3840, 2, 30, 3840 / (4 * math.tan(math.radians(15)))),
])
def test_pixels_per_metre(pixels, distance, hfov, expected) -> None:
    assert pixels_per_metre(pixels, distance, hfov) == pytest.approx(expected)


@pytest.mark.parametrize(("pxm", "level"), [
    (0.0, ViewLevel.MONITORING), (24.9, ViewLevel.MONITORING), (25.0, ViewLevel.DETECTION),
    (62.4, ViewLevel.DETECTION), (62.5, ViewLevel.OBSERVATION), (125.0, ViewLevel.RECOGNITION),
    (249.9, ViewLevel.RECOGNITION), (250.0, ViewLevel.IDENTIFICATION), (999.0, ViewLevel.IDENTIFICATION),
    (1000.0, ViewLevel.INSPECTION), (5000.0, ViewLevel.INSPECTION),
])
def test_dori_levels(pxm, level) -> None:
    assert dori_level(pxm) is level


def test_levels_are_ordered() -> None:
    ranks = [level_rank(level) for level in (ViewLevel.MONITORING, ViewLevel.DETECTION, ViewLevel.OBSERVATION,
                                             ViewLevel.RECOGNITION, ViewLevel.IDENTIFICATION, ViewLevel.INSPECTION)]
    assert ranks == sorted(ranks) == list(range(6))


@pytest.mark.parametrize(("pixels", "distance", "hfov"), [(0, 10, 90), (1920, 0, 90), (1920, 10, 180), (1920, 10, 0)])
def test_rejects_impossible_geometry(pixels, distance, hfov) -> None:
    with pytest.raises(ValueError):
        pixels_per_metre(pixels, distance, hfov)
