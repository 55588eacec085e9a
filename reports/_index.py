"""Lookups every reporter needs (device by id), cached per ScanResult so per-finding calls stay O(1).

The cache is keyed by the scan object's identity (held weakly) and is rebuilt
when its device list or declared names change size.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any, TypeVar

from probes.facts import DeviceFacts
from profiles.naming import display_name
from reports.model import ScanResult

T = TypeVar("T")
_CACHE: dict[int, tuple[weakref.ref[ScanResult], tuple[int, int], dict[str, Any]]] = {}


def _slot(result: ScanResult) -> dict[str, Any]:
    key = id(result)
    stamp = (len(result.devices), len(result.declared_names))
    hit = _CACHE.get(key)
    if hit is not None and hit[0]() is result and hit[1] == stamp:
        return hit[2]
    for stale in [k for k, (ref, _, _) in _CACHE.items() if ref() is None]:
        del _CACHE[stale]
    slot: dict[str, Any] = {}
    _CACHE[key] = (weakref.ref(result), stamp, slot)
    return slot


def cached(result: ScanResult, name: str, build: Callable[[], T]) -> T:
    """A value derived from `result`, built once per scan object."""
    slot = _slot(result)
    if name not in slot:
        slot[name] = build()
    value: T = slot[name]
    return value


def device_index(result: ScanResult) -> dict[str, DeviceFacts]:
    """device_id -> DeviceFacts."""
    return cached(result, "devices", lambda: {d.device_id: d for d in result.devices})


def device_name(result: ScanResult, device_id: str, fallback: str | None = None) -> str:
    """`profiles.naming.display_name` of a device of this scan (declared name, label, `fallback`, id)."""
    return display_name(device_id, declared=result.declared_names.get(device_id),
                        device=device_index(result).get(device_id), fallback=fallback)
