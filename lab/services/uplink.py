"""Uplink (tup, ver10): connections the camera keeps to remote (cloud) services."""

from __future__ import annotations

from typing import Any

from lab.model import Service
from lab.services._registry import Ctx, capabilities, op
from lab.soap import SoapRequest, sub

U = Service.UPLINK


@capabilities(U)
def uplink_capabilities(ctx: Ctx, parent: Any) -> Any:
    return sub(parent, "tup:Capabilities", attrs={"MaxUplinks": 2, "Protocols": "https wss",
                                                  "AuthorizationModes": "mTLS", "StreamingOverUplink": False})


@op(U, "GetUplinks")
def get_uplinks(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    for uplink in ctx.cam.uplinks:
        el = sub(resp, "tup:Configuration")
        sub(el, "tup:RemoteAddress", uplink.remote_address)
        if uplink.certificate_id:
            sub(el, "tup:CertificateID", uplink.certificate_id)
        sub(el, "tup:UserLevel", uplink.user_level)
        sub(el, "tup:Status", uplink.status.value)
