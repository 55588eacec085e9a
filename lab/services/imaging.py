"""Imaging (timg, ver20): fixed, plausible image settings per video source."""

from __future__ import annotations

from typing import Any

from lab.model import Service
from lab.services._registry import Ctx, capabilities, op
from lab.soap import SoapRequest, invalid_arg, sub

IMG = Service.IMAGING


@capabilities(IMG)
def imaging_capabilities(ctx: Ctx, parent: Any) -> Any:
    return sub(parent, "timg:Capabilities", attrs={"ImageStabilization": False})


@op(IMG, "GetImagingSettings")
def get_imaging_settings(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    token = req.arg("VideoSourceToken")
    if token not in ctx.cam.media.video_sources:
        raise invalid_arg("NoSource", f"no video source {token!r}")
    el = sub(resp, "timg:ImagingSettings")
    sub(el, "tt:Brightness", 50.0)
    sub(el, "tt:ColorSaturation", 50.0)
    sub(el, "tt:Contrast", 50.0)
    sub(el, "tt:IrCutFilter", "AUTO")
    sub(el, "tt:Sharpness", 50.0)
    sub(sub(el, "tt:WideDynamicRange"), "tt:Mode", "OFF")
