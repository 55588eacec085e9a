"""Pixel density and the DORI level it reaches (IEC/EN 62676-4; CZ methodology §1.2).

px/m = horizontal pixels / (2 · distance · tan(HFOV / 2)): the width of the
scene at the watched distance, divided into the sensor's horizontal pixels.
"""

from __future__ import annotations

import math

from profiles.inventory import ViewLevel

# Minimum pixels per metre for each level (IEC/EN 62676-4). Below detection: monitoring only.
DORI_THRESHOLDS: dict[ViewLevel, float] = {
    ViewLevel.DETECTION: 25.0,
    ViewLevel.OBSERVATION: 62.5,
    ViewLevel.RECOGNITION: 125.0,
    ViewLevel.IDENTIFICATION: 250.0,
    ViewLevel.INSPECTION: 1000.0,
}

LEVEL_ORDER: tuple[ViewLevel, ...] = (ViewLevel.MONITORING, *DORI_THRESHOLDS)


def pixels_per_metre(horizontal_pixels: int, distance_m: float, hfov_deg: float) -> float:
    """Horizontal pixel density at `distance_m` for a camera with horizontal field of view `hfov_deg`."""
    if horizontal_pixels <= 0 or distance_m <= 0 or not 0 < hfov_deg < 180:
        raise ValueError("need pixels > 0, distance > 0 and 0 < HFOV < 180 degrees")
    scene_width = 2 * distance_m * math.tan(math.radians(hfov_deg) / 2)
    return horizontal_pixels / scene_width


def dori_level(px_per_m: float) -> ViewLevel:
    """The highest DORI level the density reaches (MONITORING below 25 px/m)."""
    level = ViewLevel.MONITORING
    for candidate, threshold in DORI_THRESHOLDS.items():
        if px_per_m >= threshold:
            level = candidate
    return level


def level_rank(level: ViewLevel) -> int:
    return LEVEL_ORDER.index(level)
