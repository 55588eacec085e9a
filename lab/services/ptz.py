"""PTZ (tptz, ver20): nodes, configurations, presets and preset tours (with AutoStart)."""

from __future__ import annotations

from typing import Any

from lab.model import PtzNode, Service
from lab.services import _mediacfg as mc
from lab.services._registry import Ctx, by_token, capabilities, op
from lab.soap import SoapRequest, sub

P = Service.PTZ
_SPACE = "http://www.onvif.org/ver10/tptz/"


@capabilities(P)
def ptz_capabilities(ctx: Ctx, parent: Any) -> Any:
    return sub(parent, "tptz:Capabilities", attrs={"EFlip": False, "Reverse": False,
                                                   "GetCompatibleConfigurations": True})


def _ptz(ctx: Ctx) -> Any:
    if ctx.cam.ptz is None:  # service offered explicitly without a ptz section
        from lab.model import Ptz

        return Ptz(nodes=[])
    return ctx.cam.ptz


def _range(parent: Any, name: str, lo: float, hi: float) -> None:
    r = sub(parent, name)
    sub(r, "tt:Min", lo)
    sub(r, "tt:Max", hi)


def _node(ctx: Ctx, parent: Any, name: str, node: PtzNode) -> None:
    el = sub(parent, name, attrs={"token": node.token, "FixedHomePosition": node.fixed_home})
    sub(el, "tt:Name", node.name or node.token)
    spaces = sub(el, "tt:SupportedPTZSpaces")
    pt = sub(spaces, "tt:AbsolutePanTiltPositionSpace")
    sub(pt, "tt:URI", _SPACE + "PanTiltSpaces/PositionGenericSpace")
    _range(pt, "tt:XRange", -1.0, 1.0)
    _range(pt, "tt:YRange", -1.0, 1.0)
    z = sub(spaces, "tt:AbsoluteZoomPositionSpace")
    sub(z, "tt:URI", _SPACE + "ZoomSpaces/PositionGenericSpace")
    _range(z, "tt:XRange", 0.0, 1.0)
    sub(el, "tt:MaximumNumberOfPresets", node.max_presets)
    sub(el, "tt:HomeSupported", True)
    ext = sub(el, "tt:Extension")
    tours = sub(ext, "tt:SupportedPresetTour")
    sub(tours, "tt:MaximumNumberOfPresetTours", 8)
    for operation in ("Start", "Stop", "Pause"):
        sub(tours, "tt:PTZPresetTourOperation", operation)


@op(P, "GetNodes")
def get_nodes(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    for node in _ptz(ctx).nodes:
        _node(ctx, resp, "tptz:PTZNode", node)


@op(P, "GetNode")
def get_node(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    node = by_token(_ptz(ctx).nodes, req.arg("NodeToken"), fault="NoEntity", what="PTZ node")
    _node(ctx, resp, "tptz:PTZNode", node)


@op(P, "GetConfigurations")
def get_configurations(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    for node in _ptz(ctx).nodes:
        mc.ptz_configuration(resp, "tptz:PTZConfiguration", node.token, node.auto_tracking)


@op(P, "GetConfiguration")
def get_configuration(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    node = by_token(_ptz(ctx).nodes, req.arg("PTZConfigurationToken"), fault="NoConfig", what="PTZ configuration",
                    key=lambda node: mc.ptz_config_token(node.token))
    mc.ptz_configuration(resp, "tptz:PTZConfiguration", node.token, node.auto_tracking)


def _check_profile(ctx: Ctx, req: SoapRequest) -> None:
    mc.find_profile(ctx.cam, req.arg("ProfileToken"))


@op(P, "GetPresets")
def get_presets(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    _check_profile(ctx, req)
    for preset in _ptz(ctx).presets:
        el = sub(resp, "tptz:Preset", attrs={"token": preset.token})
        sub(el, "tt:Name", preset.name or preset.token)


def _tour(parent: Any, name: str, tour: Any) -> None:
    el = sub(parent, name, attrs={"token": tour.token})
    sub(el, "tt:Name", tour.name or tour.token)
    sub(sub(el, "tt:Status"), "tt:State", tour.status.value)
    sub(el, "tt:AutoStart", tour.auto_start)
    cond = sub(el, "tt:StartingCondition")
    sub(cond, "tt:RecurringDuration", "PT0S")
    sub(cond, "tt:Direction", "Forward")
    for preset in tour.presets:
        spot = sub(el, "tt:TourSpot")
        sub(sub(spot, "tt:PresetDetail"), "tt:PresetToken", preset)
        sub(spot, "tt:StayTime", "PT10S")


@op(P, "GetPresetTours")
def get_preset_tours(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    _check_profile(ctx, req)
    for tour in _ptz(ctx).tours:
        _tour(resp, "tptz:PresetTour", tour)


@op(P, "GetPresetTour")
def get_preset_tour(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    _check_profile(ctx, req)
    tour = by_token(_ptz(ctx).tours, req.arg("PresetTourToken"), fault="NoEntity", what="preset tour")
    _tour(resp, "tptz:PresetTour", tour)
