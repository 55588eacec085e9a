"""A lab RTSP server: OPTIONS and DESCRIBE with an SDP built from the camera's media profiles.

Enough of RTSP/1.0 (RFC 2326) to let the RTSP probe be tested over real sockets: the auth modes real
cameras ship with (anonymous, Basic only, Digest, both) and audio on, off or as the profiles say.
Any other method (SETUP, PLAY ...) is answered 455 and recorded, so a test can prove the probe never
sent one. No media is ever streamed.
"""

from __future__ import annotations

import asyncio
import base64
import hmac
from dataclasses import dataclass, field
from datetime import UTC, datetime

from lab.auth import challenge, check_http_digest
from lab.model import AudioEncoding, Camera, MediaProfile, RtspAudio, RtspAuthMode, VideoEncoding

MAX_REQUEST_BYTES = 16 * 1024
STREAM_PATH = "/onvif/stream/"


@dataclass(frozen=True, slots=True)
class RtspRequest:
    method: str
    uri: str
    authorization: str | None  # the scheme word of the Authorization header ("Basic", "Digest"), never the secret
    authenticated: bool
    at: datetime


@dataclass
class RtspEndpoint:
    """One camera's RTSP listener and what it received."""

    cam: Camera
    host: str
    port: int = 0
    requests: list[RtspRequest] = field(default_factory=list)
    server: asyncio.Server | None = None
    reply_delay_s: float = 0.0  # every reply waits this long, as the ONVIF replies do (benchmarks of slow devices)

    @property
    def methods(self) -> list[str]:
        return [r.method for r in self.requests]

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await _read_head(reader)
                if head is None:
                    return
                if self.reply_delay_s > 0:
                    await asyncio.sleep(self.reply_delay_s)
                writer.write(self._answer(head))
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            pass
        finally:
            writer.close()

    def _answer(self, head: str) -> bytes:
        request_line, *lines = head.split("\r\n")
        headers = {}
        for line in lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        parts = request_line.split(" ")
        if len(parts) != 3 or not parts[2].startswith("RTSP/"):
            return _reply(400, "Bad Request", headers.get("cseq"))
        method, uri = parts[0], parts[1]
        authorization = headers.get("authorization")
        authenticated = self._authenticated(method, uri, authorization)
        self.requests.append(RtspRequest(method, uri, authorization.split(" ", 1)[0] if authorization else None,
                                         authenticated, datetime.now(UTC)))
        cseq = headers.get("cseq")
        rtsp = self.cam.rtsp
        if method == "OPTIONS":
            return _reply(200, "OK", cseq, [("Public", "OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN"),
                                            ("Server", rtsp.server)])
        if method != "DESCRIBE":
            return _reply(455, "Method Not Valid in This State", cseq)
        profile = self._profile(uri)
        if profile is None:
            return _reply(404, "Not Found", cseq)
        if rtsp.auth is not RtspAuthMode.ANONYMOUS and not authenticated:
            return _reply(401, "Unauthorized", cseq, self._challenges())
        body = sdp(self.cam, profile, self.host).encode()
        return _reply(200, "OK", cseq, [("Content-Type", "application/sdp"), ("Content-Base", uri + "/"),
                                        ("Server", rtsp.server)], body)

    def _profile(self, uri: str) -> MediaProfile | None:
        path = "/" + uri.split("://", 1)[-1].partition("/")[2]
        if not path.startswith(STREAM_PATH):
            return None
        token = path[len(STREAM_PATH):].rstrip("/")
        return next((p for p in self.cam.media.profiles if p.token == token), None)

    def _challenges(self) -> list[tuple[str, str]]:
        mode, realm = self.cam.rtsp.auth, self.cam.auth.realm
        out = []
        if mode in (RtspAuthMode.DIGEST, RtspAuthMode.DIGEST_AND_BASIC):
            out.append(("WWW-Authenticate", challenge(realm, f"rtsp:{self.cam.name}")))
        if mode in (RtspAuthMode.BASIC, RtspAuthMode.DIGEST_AND_BASIC):
            out.append(("WWW-Authenticate", f'Basic realm="{realm}"'))
        return out

    def _authenticated(self, method: str, uri: str, authorization: str | None) -> bool:
        if not authorization:
            return False
        mode = self.cam.rtsp.auth
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() == "digest" and mode in (RtspAuthMode.DIGEST, RtspAuthMode.DIGEST_AND_BASIC):
            return check_http_digest(authorization, method, self.cam.auth, f"rtsp:{self.cam.name}").ok
        if scheme.lower() == "basic" and mode in (RtspAuthMode.BASIC, RtspAuthMode.DIGEST_AND_BASIC):
            try:
                username, _, password = base64.b64decode(value).decode().partition(":")
            except ValueError:
                return False
            user = self.cam.auth.users.get(username)
            return user is not None and hmac.compare_digest(user.password.encode(), password.encode())
        return False


async def _read_head(reader: asyncio.StreamReader) -> str | None:
    data = b""
    while not data.endswith(b"\r\n\r\n"):
        line = await reader.readline()
        if not line:
            return None
        data += line
        if len(data) > MAX_REQUEST_BYTES:
            raise ValueError("request too large")
        if data == b"\r\n":
            data = b""
    return data.decode("latin-1").rstrip("\r\n")


def _reply(status: int, reason: str, cseq: str | None, headers: list[tuple[str, str]] = (),  # type: ignore[assignment]
           body: bytes = b"") -> bytes:
    lines = [f"RTSP/1.0 {status} {reason}", f"CSeq: {cseq or 0}", *(f"{k}: {v}" for k, v in headers)]
    if body:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


_VIDEO_RTPMAP = {VideoEncoding.H264: "96 H264/90000", VideoEncoding.H265: "96 H265/90000",
                 VideoEncoding.MPEG4: "96 MP4V-ES/90000", VideoEncoding.JPEG: "26 JPEG/90000"}
_AUDIO = {AudioEncoding.G711: ("0", None), AudioEncoding.G726: ("97", "G726-32/8000"),
          AudioEncoding.AAC: ("98", "MPEG4-GENERIC/{rate}/1")}


def sdp(cam: Camera, profile: MediaProfile, host: str) -> str:
    """The session description of one profile's stream (Hikvision-like: a=framesize gives the size)."""
    video = profile.video
    pt, _, rtpmap = _VIDEO_RTPMAP[video.encoding].partition(" ")
    lines = ["v=0", f"o=- 1 1 IN IP4 {host}", f"s={profile.name or profile.token}", "c=IN IP4 0.0.0.0", "t=0 0",
             "a=control:*", f"m=video 0 RTP/AVP {pt}", f"a=rtpmap:{pt} {rtpmap}",
             f"a=framesize:{pt} {video.width}-{video.height}", "a=recvonly", "a=control:track1"]
    audio = cam.rtsp.audio
    encoder = profile.audio
    if audio is RtspAudio.ON or (audio is RtspAudio.PROFILES and encoder is not None):
        encoding = encoder.encoding if encoder is not None else AudioEncoding.G711
        apt, amap = _AUDIO[encoding]
        lines.append(f"m=audio 0 RTP/AVP {apt}")
        if amap:
            rate = (encoder.sample_rate_khz if encoder is not None else 8) * 1000
            lines.append(f"a=rtpmap:{apt} {amap.format(rate=rate)}")
        lines += ["a=recvonly", "a=control:track2"]
    return "\r\n".join(lines) + "\r\n"


async def start(cam: Camera, host: str, port: int, *, reply_delay_s: float = 0.0) -> RtspEndpoint:
    """Listen for one camera (port 0 = ephemeral); the caller closes `endpoint.server`."""
    endpoint = RtspEndpoint(cam=cam, host=host, reply_delay_s=reply_delay_s)
    endpoint.server = await asyncio.start_server(endpoint.handle, host, port, limit=MAX_REQUEST_BYTES)
    endpoint.port = endpoint.server.sockets[0].getsockname()[1]
    return endpoint
