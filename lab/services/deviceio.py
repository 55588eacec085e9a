"""DeviceIO (tmd): physical inputs and outputs (its source listings reuse the trt response elements)."""

from __future__ import annotations

from typing import Any

from lab.model import Service
from lab.services._registry import Ctx, capabilities, op
from lab.services.media import audio_outputs, audio_sources, video_sources
from lab.soap import SoapRequest, sub

IO = Service.DEVICEIO


@capabilities(IO)
def deviceio_capabilities(ctx: Ctx, parent: Any) -> Any:
    media = ctx.cam.media
    return sub(parent, "tmd:Capabilities", attrs={
        "VideoSources": len(media.video_sources), "VideoOutputs": 0, "AudioSources": len(media.audio_sources),
        "AudioOutputs": len(media.audio_outputs), "RelayOutputs": 0, "SerialPorts": 0, "DigitalInputs": 0})


@op(IO, "GetVideoSources", response_prefix="trt")
def get_video_sources(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    video_sources(ctx, resp, "trt:VideoSources")


@op(IO, "GetAudioSources", response_prefix="trt")
def get_audio_sources(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    audio_sources(ctx, resp, "trt:AudioSources")


@op(IO, "GetAudioOutputs", response_prefix="trt")
def get_audio_outputs(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    audio_outputs(ctx, resp, "trt:AudioOutputs")


@op(IO, "GetDigitalInputs")
def get_digital_inputs(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
    return None  # no digital inputs
