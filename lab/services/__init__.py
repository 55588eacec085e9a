"""ONVIF read operations of the virtual cameras, one module per service.

Each handler fills the `...Response` element for one operation from the camera
spec. Importing this package registers every handler in `OPERATIONS`.
"""

from __future__ import annotations

from lab.services import (  # noqa: F401  (registration)
    analytics,
    device,
    deviceio,
    events,
    imaging,
    media,
    media2,
    ptz,
    recording,
    schedule,
    thermal,
    uplink,
)
from lab.services._registry import ADMIN_OPERATIONS, CAPABILITIES, OPERATIONS, Ctx, response_prefix

__all__ = ["ADMIN_OPERATIONS", "CAPABILITIES", "OPERATIONS", "Ctx", "response_prefix"]
