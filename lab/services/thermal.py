"""Thermal (tth, ver10): colour palette, polarity, radiometry capability and configuration."""

from __future__ import annotations

from typing import Any

from lab.model import RadiometryConfiguration, Service, Thermal, ThermalConfiguration
from lab.services._registry import Ctx, by_token, capabilities, op
from lab.soap import SoapRequest, action_not_supported, sub

T = Service.THERMAL


def _thermal(ctx: Ctx) -> Thermal:
    return ctx.cam.thermal or Thermal(configurations=[])


@capabilities(T)
def thermal_capabilities(ctx: Ctx, parent: Any) -> Any:
    return sub(parent, "tth:Capabilities", attrs={"Radiometry": _thermal(ctx).radiometry})


def _configuration(parent: Any, cfg: ThermalConfiguration) -> None:
    el = sub(parent, "tth:Configuration")
    palette = sub(el, "tth:ColorPalette", attrs={"token": cfg.color_palette.token,
                                                 "Type": cfg.color_palette.type.value})
    sub(palette, "tth:Name", cfg.color_palette.name)
    sub(el, "tth:Polarity", cfg.polarity.value)


def _find(ctx: Ctx, req: SoapRequest) -> ThermalConfiguration:
    return by_token(_thermal(ctx).configurations, req.arg("VideoSourceToken"), fault="NoSource",
                    what="thermal video source", key=lambda cfg: cfg.video_source)


@op(T, "GetConfigurations")
def get_configurations(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    for cfg in _thermal(ctx).configurations:
        _configuration(sub(resp, "tth:Configurations", attrs={"token": cfg.video_source}), cfg)


@op(T, "GetConfiguration")
def get_configuration(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    _configuration(resp, _find(ctx, req))


@op(T, "GetRadiometryConfiguration")
def get_radiometry_configuration(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    thermal = _thermal(ctx)
    _find(ctx, req)
    if not thermal.radiometry:
        raise action_not_supported("radiometry")
    radio = thermal.radiometry_configuration or RadiometryConfiguration()
    el = sub(sub(resp, "tth:Configuration"), "tth:RadiometryGlobalParameters")
    sub(el, "tth:ReflectedAmbientTemperature", float(radio.reflected_ambient_temperature))
    sub(el, "tth:Emissivity", float(radio.emissivity))
    sub(el, "tth:DistanceToObject", float(radio.distance_to_object))
