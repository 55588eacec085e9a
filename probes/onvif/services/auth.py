"""Who may ask what: the anonymous posture probes, the first authenticated exchange (which settles the auth
scheme, with the identity from tds:GetDeviceInformation), and at the end the auth facts that exchange left."""

from __future__ import annotations

import asyncio
import dataclasses

from probes.errors import AuthRejected, DeviceError
from probes.facts import FactStatus
from probes.onvif import _parsers as P
from probes.onvif._records import DeviceInformation
from probes.onvif._transport import Reply
from probes.onvif.services._context import Outcome, ReadContext, evidence_of, service_of, status_of

ANONYMOUS_KEYS = ("auth.anonymous_operations",)
LOGIN_KEYS = ("identity.manufacturer", "identity.model", "identity.firmware", "identity.serial",
              "identity.hardware_id", "auth.credentials_accepted")
AUTH_KEYS = ("auth.schemes", "auth.credential_set")
"""The facts of each of the three readers of this module (anonymous probes, login and identity, auth)."""


ANONYMOUS_PROBES: tuple[str, ...] = ("tds:GetDeviceInformation", "trt:GetProfiles", "tr2:GetProfiles", "tds:GetUsers")
"""Operations outside PRE_AUTH that we try once without credentials (not a login attempt)."""

REUSABLE_ANONYMOUS: frozenset[str] = frozenset({"tds:GetDeviceInformation"})
"""Anonymous probes whose reply is reused for the fact instead of asking again with credentials.

Only operations whose answer cannot depend on who asks: the device information is one
fixed record. Not the profiles (some firmware filters profiles by user level) nor the
users (a device may list fewer accounts to a lower level): those are asked again.
"""


async def read_anonymous_operations(ctx: ReadContext) -> None:
    key = "auth.anonymous_operations"
    ctx.sheet.start(key)
    probes = [op for op in ANONYMOUS_PROBES if service_of(op) in ctx.urls]
    params = {"tr2:GetProfiles": (("Type", "All"),)}
    outs = await asyncio.gather(*(ctx.call(op, params.get(op, ()), auth=False) for op in probes))
    for op, out in zip(probes, outs, strict=True):
        if isinstance(out, Reply):
            ctx.anonymous_replies[(op, tuple(params.get(op, ())))] = out
        elif isinstance(out, AuthRejected):
            # without its traceback: its frames hold this context, and the cycle would keep every reply of
            # the camera alive until a full collection (40 MB at 1,000 cameras, bench/README.md round four)
            ctx.anonymous_refusals[(op, tuple(params.get(op, ())))] = out.with_traceback(None)
    unknown = []
    _hint_manufacturer(ctx)
    for op, out in zip(probes, outs, strict=True):
        if isinstance(out, Reply):
            ctx.anonymous.add(op)
        elif not isinstance(out, AuthRejected):
            unknown.append(f"{op}: {out}")
    answered = sorted(ctx.anonymous)
    if unknown and len(unknown) == len(probes):
        ctx.sheet.fail(key, FactStatus.ERROR, "authless calls", "; ".join(unknown))
        return
    caveat = ("could not tell for " + "; ".join(unknown)) if unknown else None
    ev = next((evidence_of(op, o) for op, o in zip(probes, outs, strict=True) if isinstance(o, Reply)), None)
    ctx.sheet.ok(key, answered, "authless calls: " + ", ".join(probes), ev, caveat)


def _hint_manufacturer(ctx: ReadContext) -> None:
    """An anonymous GetDeviceInformation tells the maker before credentials go out (credential selectors)."""
    reply = ctx.anonymous_replies.get(("tds:GetDeviceInformation", ()))
    if reply is None:
        return
    try:
        info = P.device_information(reply.element)
    except DeviceError:
        return
    hints = ctx.ch.hints
    makers = tuple(dict.fromkeys([*hints.manufacturers, *([info.manufacturer] if info.manufacturer else [])]))
    ctx.ch.hints = dataclasses.replace(hints, manufacturers=makers, serial=hints.serial or info.serial or None)


async def read_identity(ctx: ReadContext) -> None:
    ctx.sheet.start(*LOGIN_KEYS)
    op = "tds:GetDeviceInformation"
    out: Outcome | None = None
    settled_on: tuple[str, Outcome] | None = None  # the exchange that settled the auth scheme, if not `op`
    if ctx.ch.has_credentials and op in ctx.anonymous:
        # Settle the auth scheme on an operation that needs credentials, or an accepted
        # WS-UsernameToken would prove nothing (the device ignores it for anonymous operations).
        settle_op = "tds:GetNetworkInterfaces"
        settle = await ctx.call(settle_op)
        if isinstance(settle, Reply):
            ctx.prefetched[settle_op] = settle  # network.interfaces: the same authenticated question
        if ctx.ch.auth.scheme is not None or ctx.ch.auth.gave_up:
            settled_on = (settle_op, settle)
            # the same record as with credentials (REUSABLE_ANONYMOUS): not asked again
            out = ctx.anonymous_replies.get((op, ())) if op in REUSABLE_ANONYMOUS else None
    if out is None:  # without credentials (or after they were refused) this reuses the anonymous reply
        out = await ctx.call(op)
    info: DeviceInformation | DeviceError
    try:  # one parse for the five facts of this reply
        info = P.device_information(out.element) if isinstance(out, Reply) else out
    except DeviceError as exc:
        info = exc
    if isinstance(info, DeviceError):
        for key in LOGIN_KEYS[:5]:
            ctx.sheet.fail(key, status_of(info), op, str(info), evidence_of(op, out))
    else:
        for key, value in info.identity_facts():
            ctx.sheet.ok(key, value, op, evidence_of(op, out))
    auth_op, auth_out = settled_on if settled_on is not None else (op, out)
    if not ctx.ch.has_credentials:
        ctx.sheet.fail("auth.credentials_accepted", FactStatus.NOT_PROBED, op, ctx.no_credentials())
    elif ctx.ch.auth.scheme is not None:
        ctx.sheet.ok("auth.credentials_accepted", True, auth_op, evidence_of(auth_op, auth_out),
                      reason=f"accepted via {ctx.ch.auth.scheme} (credential set "
                             f"{ctx.ch.auth.credential_set!r})")
    elif ctx.ch.auth.gave_up:
        ctx.sheet.ok("auth.credentials_accepted", False, auth_op, evidence_of(auth_op, auth_out),
                      reason=ctx.ch.auth.gave_up)
    else:
        ctx.sheet.fail("auth.credentials_accepted", FactStatus.ERROR, op,
                        f"could not tell: {out if isinstance(out, DeviceError) else 'no auth exchange'}",
                        evidence_of(op, out))


async def read_auth_facts(ctx: ReadContext) -> None:
    key = "auth.schemes"
    if not ctx.ch.has_credentials:
        ctx.sheet.fail(key, FactStatus.NOT_PROBED, "auth negotiation", ctx.no_credentials())
        ctx.sheet.fail("auth.credential_set", FactStatus.NOT_PROBED, "auth negotiation", ctx.no_credentials())
        return
    auth = ctx.ch.auth
    if auth.credential_set is not None:
        ctx.sheet.ok("auth.credential_set", auth.credential_set, "auth negotiation",
                      reason=f"offered: {', '.join(c.name for c in ctx.ch.candidates())}")
    elif auth.gave_up:
        ctx.sheet.ok("auth.credential_set", None, "auth negotiation", reason=auth.gave_up)
    else:
        ctx.sheet.fail("auth.credential_set", FactStatus.ERROR, "auth negotiation",
                        "no authenticated exchange completed")
    if auth.accepted or auth.gave_up:
        notes = [f"{s} refused: {r}" for s, r in auth.failed.items()]
        if auth.accepted and "tds:GetUsers" in ctx.anonymous:
            notes.append("the device answers even tds:GetUsers without credentials, so it may ignore them")
        ctx.sheet.ok(key, [str(s) for s in auth.accepted], "auth negotiation", reason="; ".join(notes) or None)
    else:
        ctx.sheet.fail(key, FactStatus.ERROR, "auth negotiation", "no authenticated exchange completed")
