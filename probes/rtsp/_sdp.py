"""Read the media sections of an SDP description (RFC 8866) as cameras write them.

Servers differ: live555 and mediamtx give the H.264 size only inside `sprop-parameter-sets` (decoded
here from the SPS), Hikvision and Dahua add `a=framesize:`, Axis `a=x-dimensions:` or `a=cliprect:`,
and many omit `a=rtpmap` for static payload types (0 = PCMU, 8 = PCMA, 26 = JPEG). Unknown attributes
are ignored; a description with no `m=` line is an error, not "no media". An audio section marked
`a=sendonly` is an ONVIF backchannel (sound to the camera's speaker), not sound from the camera.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field

from probes.errors import BadReply
from probes.rtsp.models import MediaKind, SdpMedia

# RFC 3551 table 4 and 5: static payload types that need no rtpmap
_STATIC: dict[int, tuple[str, int, int | None]] = {
    0: ("PCMU", 8000, 1), 3: ("GSM", 8000, 1), 4: ("G723", 8000, 1), 5: ("DVI4", 8000, 1), 8: ("PCMA", 8000, 1),
    9: ("G722", 8000, 1), 10: ("L16", 44100, 2), 11: ("L16", 44100, 1), 14: ("MPA", 90000, None),
    15: ("G728", 8000, 1), 18: ("G729", 8000, 1), 26: ("JPEG", 90000, None), 31: ("H261", 90000, None),
    32: ("MPV", 90000, None), 33: ("MP2T", 90000, None), 34: ("H263", 90000, None),
}
_DIRECTIONS = frozenset({"sendonly", "recvonly", "sendrecv", "inactive"})
MAX_MEDIA = 32  # more m= sections than any camera sends: refuse rather than build huge facts


@dataclass
class _Section:
    kind: MediaKind
    formats: list[int]
    rtpmap: dict[int, tuple[str, int | None, int | None]] = field(default_factory=dict)
    fmtp: dict[int, str] = field(default_factory=dict)
    size: tuple[int, int] | None = None
    direction: str | None = None
    control: str | None = None


def parse_sdp(text: str) -> list[SdpMedia]:
    """The media sections of `text`; raises BadReply when it describes no media.

    A description without the session lines (`v=`, `o=`, `s=`) is read anyway: some cameras send only
    the media sections (gortsplib#441), and what they carry is still what they say.
    """
    sections: list[_Section] = []
    session_direction: str | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if len(line) < 2 or line[1] != "=":
            continue
        kind, value = line[0], line[2:]
        if kind == "m":
            if len(sections) >= MAX_MEDIA:
                raise BadReply(f"SDP has more than {MAX_MEDIA} media sections")
            sections.append(_media_line(value))
        elif kind == "a":
            if sections:
                _attribute(sections[-1], value)
            elif value in _DIRECTIONS:
                session_direction = value
    if not sections:
        raise BadReply("SDP has no media section (m= line)")
    return [_media(s, session_direction) for s in sections]


def _media_line(value: str) -> _Section:
    parts = value.split()
    if len(parts) < 4:
        raise BadReply(f"malformed SDP media line m={value[:80]}")
    try:
        kind = MediaKind(parts[0].lower())
    except ValueError:
        kind = MediaKind.OTHER
    formats = [int(f) for f in parts[3:] if f.isdigit()]
    return _Section(kind=kind, formats=formats)


def _attribute(section: _Section, value: str) -> None:
    name, _, rest = value.partition(":")
    name = name.strip().lower()
    if name in _DIRECTIONS and not rest:
        section.direction = name
    elif name == "control":
        section.control = rest.strip()
    elif name == "rtpmap":
        match = re.match(r"(\d+)\s+([^/\s]+)(?:/(\d+))?(?:/(\d+))?", rest.strip())
        if match:
            section.rtpmap[int(match[1])] = (match[2], _int(match[3]), _int(match[4]))
    elif name == "fmtp":
        match = re.match(r"(\d+)\s+(.*)", rest.strip())
        if match:
            section.fmtp[int(match[1])] = match[2]
    elif name == "framesize":  # Hikvision/Dahua: "96 1920-1080"
        match = re.search(r"(\d+)-(\d+)\s*$", rest)
        if match:
            section.size = (int(match[1]), int(match[2]))
    elif name == "x-dimensions":  # Axis/Vivotek: "1920,1080"
        match = re.match(r"\s*(\d+)\s*,\s*(\d+)", rest)
        if match:
            section.size = (int(match[1]), int(match[2]))
    elif name == "cliprect" and section.size is None:  # QuickTime/Axis: "top,left,bottom,right"
        nums = [n for n in re.split(r"\s*,\s*", rest.strip()) if n.isdigit()]
        if len(nums) == 4:
            section.size = (int(nums[3]) - int(nums[1]), int(nums[2]) - int(nums[0]))


def _media(section: _Section, session_direction: str | None) -> SdpMedia:
    pt = section.formats[0] if section.formats else None
    codec: str | None = None
    clock_rate: int | None = None
    channels: int | None = None
    if pt is not None and pt in section.rtpmap:
        codec, clock_rate, channels = section.rtpmap[pt]
        codec = codec.upper()
    elif pt is not None and pt in _STATIC:
        codec, clock_rate, channels = _STATIC[pt]
    size = section.size
    if size is None and codec == "H264" and pt is not None:
        size = _h264_size(section.fmtp.get(pt, ""))
    return SdpMedia(kind=section.kind, codec=codec, payload_type=pt, clock_rate=clock_rate,
                    channels=(channels or 1) if section.kind is MediaKind.AUDIO and codec else None,  # RFC 8866 6.6
                    width=size[0] if size else None, height=size[1] if size else None,
                    direction=section.direction or session_direction, control=section.control)


def _int(value: str | None) -> int | None:
    return int(value) if value else None


# ---------------------------------------------------------------- H.264 SPS (ITU-T H.264 7.3.2.1.1)

def _h264_size(fmtp: str) -> tuple[int, int] | None:
    """Width and height from the SPS in `sprop-parameter-sets`, or None when absent or unreadable."""
    match = re.search(r"sprop-parameter-sets=([^;,\s]+)", fmtp)
    if not match:
        return None
    try:
        sps = base64.b64decode(match[1] + "=" * (-len(match[1]) % 4), validate=False)
    except (binascii.Error, ValueError):
        return None
    if not sps or sps[0] & 0x1F != 7:
        return None
    try:
        return _sps_size(_unescape(sps[1:]))
    except (IndexError, ValueError):
        return None


def _unescape(data: bytes) -> bytes:
    """Drop emulation-prevention bytes (00 00 03 -> 00 00)."""
    return re.sub(b"\x00\x00\x03", b"\x00\x00", data)


class _Bits:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def bit(self) -> int:
        byte = self.data[self.pos >> 3]
        value = (byte >> (7 - (self.pos & 7))) & 1
        self.pos += 1
        return value

    def bits(self, n: int) -> int:
        value = 0
        for _ in range(n):
            value = (value << 1) | self.bit()
        return value

    def ue(self) -> int:
        zeros = 0
        while self.bit() == 0:
            zeros += 1
            if zeros > 31:
                raise ValueError("bad exp-Golomb code")
        return (1 << zeros) - 1 + self.bits(zeros)

    def se(self) -> int:
        value = self.ue()
        return (value + 1) // 2 if value & 1 else -(value // 2)


_HIGH_PROFILES = frozenset({100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135})


def _sps_size(rbsp: bytes) -> tuple[int, int]:
    r = _Bits(rbsp)
    profile_idc = r.bits(8)
    r.bits(16)  # constraint flags, level_idc
    r.ue()  # seq_parameter_set_id
    chroma_format_idc = 1
    if profile_idc in _HIGH_PROFILES:
        chroma_format_idc = r.ue()
        if chroma_format_idc == 3:
            r.bit()
        r.ue()
        r.ue()
        r.bit()
        if r.bit():  # seq_scaling_matrix_present_flag
            for i in range(8 if chroma_format_idc != 3 else 12):
                if r.bit():
                    last, following = 8, 8
                    for _ in range(16 if i < 6 else 64):
                        if following:
                            following = (last + r.se() + 256) % 256
                        last = following or last
    r.ue()  # log2_max_frame_num_minus4
    poc_type = r.ue()
    if poc_type == 0:
        r.ue()
    elif poc_type == 1:
        r.bit()
        r.se()
        r.se()
        for _ in range(r.ue()):
            r.se()
    r.ue()  # max_num_ref_frames
    r.bit()
    width_mbs = r.ue() + 1
    height_units = r.ue() + 1
    frame_mbs_only = r.bit()
    if not frame_mbs_only:
        r.bit()
    r.bit()  # direct_8x8_inference_flag
    crop = (0, 0, 0, 0)
    if r.bit():
        crop = (r.ue(), r.ue(), r.ue(), r.ue())
    sub_w, sub_h = (2, 2) if chroma_format_idc == 1 else (2, 1) if chroma_format_idc == 2 else (1, 1)
    unit_x = sub_w if chroma_format_idc else 1
    unit_y = (sub_h if chroma_format_idc else 1) * (2 - frame_mbs_only)
    width = width_mbs * 16 - unit_x * (crop[0] + crop[1])
    height = (2 - frame_mbs_only) * height_units * 16 - unit_y * (crop[2] + crop[3])
    if not (16 <= width <= 16384 and 16 <= height <= 16384):
        raise ValueError("implausible SPS size")
    return width, height
