"""Identity checks: each camera answers with an identity of its own (GDPR art 30 records, art 32 security)."""

from __future__ import annotations

from typing import Any

from probes import factvalues as fv
from probes.facts import DeviceFacts
from probes.identity import IdentityKeys
from profiles.checks._registry import CheckContext, CheckOutcome, NotApplicable, check


def _fleet_keys(ctx: CheckContext[Any]) -> dict[str, IdentityKeys]:
    cache_key = ("identity_keys", id(ctx.devices))
    keys = ctx.fleet_cache.get(cache_key)
    if keys is None:
        keys = ctx.fleet_cache[cache_key] = {d.device_id: IdentityKeys.of(d) for d in ctx.devices}
    return keys


def _claimants(ctx: CheckContext[Any]) -> dict[tuple[str, str], list[str]]:
    """("endpoint uuid" | "serial", value) -> the devices claiming it, built once per fleet (not per device)."""
    cache_key = ("identity_claimants", id(ctx.devices))
    index = ctx.fleet_cache.get(cache_key)
    if index is None:
        index = {}
        for device_id, keys in _fleet_keys(ctx).items():
            for what, value in (("endpoint uuid", keys.uuid), ("serial", keys.serial)):
                if value:
                    index.setdefault((what, value), []).append(device_id)
        ctx.fleet_cache[cache_key] = index
    return index


def _fleet_order(ctx: CheckContext[Any]) -> dict[str, int]:
    """device id -> its position in the fleet, once per fleet (per device it cost O(n), issue 23)."""
    cache_key = ("identity_order", id(ctx.devices))
    order: dict[str, int] | None = ctx.fleet_cache.get(cache_key)
    if order is None:
        order = ctx.fleet_cache[cache_key] = {device_id: i for i, device_id in enumerate(_fleet_keys(ctx))}
    return order


def _where(device: DeviceFacts, keys: IdentityKeys) -> str:
    mac = f", MAC {', '.join(sorted(keys.macs))}" if keys.macs else ""
    return f"{device.device_id} at {device.address}{mac}"


@check("identity_unique")
def identity_unique(ctx: CheckContext[Any]) -> CheckOutcome:
    """No other device in the scan claims this camera's endpoint uuid or serial with other hardware.

    Devices that share a uuid or serial were read separately because another MAC or serial says they
    are different cameras: cloned firmware, a factory-default serial, or a device impersonating another.
    Records of processing and declarations keyed on that uuid or serial then cannot tell them apart.
    """
    device = ctx.device
    if device is None:
        raise NotApplicable("no camera was found for this declaration")
    fleet = _fleet_keys(ctx)
    mine = fleet.get(device.device_id) or IdentityKeys.of(device)
    claimants = _claimants(ctx)
    by_id = ctx.devices_by_id
    shared_with: dict[str, list[str]] = {}  # other device -> what it shares, in fleet order
    for what, value in (("endpoint uuid", mine.uuid), ("serial", mine.serial)):
        for other_id in claimants.get((what, value), []) if value else []:
            if other_id != device.device_id:
                shared_with.setdefault(other_id, []).append(what)
    order = _fleet_order(ctx) if shared_with else {}
    clashes = [f"{' and '.join(shared)} also claimed by {_where(by_id[other_id], fleet[other_id])}"
               for other_id, shared in sorted(shared_with.items(), key=lambda kv: order[kv[0]])]
    if clashes:
        return ctx.failed(f"identity conflict: {'; '.join(clashes)} (this device: {_where(device, mine)})")
    ctx.maybe(fv.identity.SERIAL)  # an unread serial could hide a twin: no pass without it
    ctx.require_all()
    return ctx.passed("no other device in this scan claims its endpoint uuid or serial")
