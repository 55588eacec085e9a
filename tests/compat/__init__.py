"""Scan documents and history stores written by released camaudit versions, one directory per release (each
with a README saying how it was made); the compatibility tests run once per entry of RELEASES."""

from __future__ import annotations

from tests.compat import v0_2_0, v0_3_0, v0_4_0
from tests.compat.releases import Release

RELEASES: tuple[Release, ...] = (v0_2_0.RELEASE, v0_3_0.RELEASE, v0_4_0.RELEASE)
