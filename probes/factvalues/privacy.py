"""Privacy facts: privacy masks (tr2:GetMasks)."""

from __future__ import annotations

from probes.factvalues._base import FactValue, fact


class PrivacyMask(FactValue):
    token: str | None = None
    type: str  # Color | Pixelated | Blurred
    enabled: bool  # required by media2.wsdl: a mask that does not say is a schema violation
    points: int  # corners of its polygon


MASKS = fact("privacy.masks", list[PrivacyMask], "tr2:GetMasks", "Privacy masks")

SPECS = (MASKS,)
