"""Typed fact values: one module per fact family, each declaring its value models next to its keys.

`probes.facts.FACT_CATALOGUE` links every key to its `FactSpec` (value type, source, description).
Readers build these models; checks, reports and drift read their attributes. Pass a spec to
`DeviceFacts.value` / `CheckContext.fact` to get the value typed: `device.value(privacy.MASKS)`.
How to add a family: docs/facts.md.
"""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from probes.factvalues import (
    analytics,
    auth,
    clock,
    cloud,
    egress,
    identity,
    media,
    network,
    privacy,
    ptz,
    recording,
    rtsp,
    services,
    thermal,
    tls,
    users,
)
from probes.factvalues._base import FactSpec, FactValue, fact

FAMILIES = (identity, services, auth, media, ptz, recording, cloud, network, privacy, analytics, thermal, tls,
            rtsp, egress, users, clock)
"""Every family module, in catalogue order; each has `SPECS`, the keys it declares."""

ALL_SPECS: tuple[FactSpec[Any], ...] = tuple(spec for family in FAMILIES for spec in family.SPECS)


_ANY: TypeAdapter[Any] = TypeAdapter(Any)


def plain(value: Any) -> Any:
    """A fact value as JSON data (models as dicts, tuples as lists): what the scan document holds."""
    return _ANY.dump_python(value, mode="json")


__all__ = ["ALL_SPECS", "FAMILIES", "FactSpec", "FactValue", "fact", "plain", "analytics", "auth", "clock", "cloud",
           "egress", "identity", "media", "network", "privacy", "ptz", "recording", "rtsp", "services", "thermal",
           "tls", "users"]
