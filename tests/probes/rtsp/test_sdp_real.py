"""SDP shapes of real RTSP servers (tests/probes/rtsp/real/sdp_cases.yaml) are read as their servers meant them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from probes.errors import BadReply
from probes.rtsp._sdp import parse_sdp
from probes.rtsp.models import StreamDescription

CASES = yaml.safe_load((Path(__file__).parent / "real" / "sdp_cases.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_real_sdp_is_read_as_sent(case: dict[str, Any]) -> None:
    media = parse_sdp(case["sdp"].replace("\n", "\r\n"))
    expected = case["expect"]["media"]
    assert len(media) == len(expected)
    for got, want in zip(media, expected, strict=True):
        for field, value in want.items():
            assert str(getattr(got, field)) == str(value) if field == "kind" else getattr(got, field) == value, \
                (field, got)
    described = StreamDescription(uri="rtsp://192.0.2.1/", anonymous=False, media=media)
    assert described.audio is case["expect"]["audio"]


def test_bare_lf_line_ends_read_the_same() -> None:
    case = CASES[1]
    assert parse_sdp(case["sdp"]) == parse_sdp(case["sdp"].replace("\n", "\r\n"))


@pytest.mark.parametrize("body, why", [
    ("<html><title>401</title></html>", "no media section"),
    ("v=0\r\ns=only a session\r\n", "no media section"),
    ("v=0\r\nm=video\r\n", "malformed SDP media line"),
    ("v=0\r\n" + "m=video 0 RTP/AVP 96\r\n" * 40, "more than 32 media sections"),
])
def test_what_is_not_a_description_is_an_error(body: str, why: str) -> None:
    with pytest.raises(BadReply, match=why):
        parse_sdp(body)


def test_a_broken_sps_gives_no_size_rather_than_a_guess() -> None:
    [media] = parse_sdp("v=0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
                        "a=fmtp:96 sprop-parameter-sets=Z0IA,aM48gA==\r\n")
    assert (media.codec, media.width, media.height) == ("H264", None, None)
