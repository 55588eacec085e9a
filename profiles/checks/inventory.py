"""Inventory checks: every camera declared, every declared camera found, identity as declared (GDPR art 30)."""

from __future__ import annotations

from typing import Any

from profiles.checks._registry import MISSING, CheckContext, CheckOutcome, NotApplicable, Params, check


@check("declared_in_inventory")
def declared_in_inventory(ctx: CheckContext[Any]) -> CheckOutcome:
    """The scanned camera matches exactly one declaration in the site inventory."""
    if ctx.device is None:
        raise NotApplicable("declared camera")
    if ctx.declaration is not None:
        return ctx.passed(f"declared as {ctx.declaration.name!r}")
    recorder = ctx.recorder
    if recorder is not None:
        return ctx.passed(f"declared as recorder {recorder.name!r} under `recorders:`")
    if ctx.note:
        return ctx.failed(f"camera {ctx.device.label} is not unambiguously declared: {ctx.note}")
    return ctx.failed(f"camera {ctx.device.label} (id {ctx.device.device_id}) is on the network but not in the "
                      f"site inventory: unknown processing with no record of it")


class IdentityParams(Params):
    """Which identity fields to compare with the declaration."""

    compare_model: bool = True
    compare_firmware: bool = True
    compare_serial: bool = True


def _norm(text: Any) -> str:
    return " ".join(str(text).lower().split())


@check("declared_identity", params=IdentityParams, on_missing=True)
def declared_identity(ctx: CheckContext[IdentityParams]) -> CheckOutcome:
    """A declared camera is found, and its model, serial and firmware are the declared ones."""
    decl = ctx.declaration
    if decl is None:
        raise NotApplicable("camera is not declared (see GDPR-INV-1)")
    if ctx.device is None:
        where = ", ".join(f"{k}={v}" for k, v in decl.match.model_dump(exclude_none=True).items())
        why = f" ({ctx.note})" if ctx.note else ""
        return ctx.failed(f"declared camera {decl.name!r} was not found on the scanned networks "
                          f"(looked for {where}){why}")
    p = ctx.params
    expected = []
    if p.compare_model and decl.expected_model:
        expected.append(("identity.model", "model", decl.expected_model, False))
    if p.compare_firmware and decl.expected_firmware:
        expected.append(("identity.firmware", "firmware", decl.expected_firmware, True))
    serial = decl.expected_serial or decl.match.serial
    if p.compare_serial and serial:
        expected.append(("identity.serial", "serial", serial, True))
    if not expected:
        return ctx.passed(f"found as {ctx.device.label}; no expected model, serial or firmware declared")
    mismatches: list[str] = []
    for key, label, want, exact in expected:
        got = ctx.maybe(key)
        if got is MISSING:
            continue
        if exact:
            ok = _norm(got) == _norm(want)
        else:  # models: "P3245-LVE" matches "AXIS P3245-LVE" and "AXIS P3245" matches "P3245-LVE" by AXIS
            full = _norm(f"{ctx.device.value('identity.manufacturer') or ''} {got}")
            ok = _norm(want) in full or _norm(got) in _norm(want)
        if not ok:
            mismatches.append(f"{label} is {got!r}, declared {want!r}")
    if mismatches:
        return ctx.failed(f"{decl.name!r} does not match its declaration: {'; '.join(mismatches)}")
    ctx.require_all()
    return ctx.passed(f"{decl.name!r} matches the declared " + ", ".join(e[1] for e in expected))

