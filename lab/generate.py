"""Generate large fleets for benchmarks: plausible, deterministic, varied cameras."""

from __future__ import annotations

import ipaddress
import random
import uuid

from lab.model import (
    Audio,
    Auth,
    AuthScheme,
    Camera,
    Clock,
    ClockSource,
    Fleet,
    Identity,
    Media,
    MediaProfile,
    Recording,
    RecordingConfig,
    RecordingJob,
    User,
    UserLevel,
    Video,
    VideoEncoding,
)

_VENDORS = [
    ("AXIS", ["P3245-LVE", "M3106-L Mk II", "Q6135-LE"], "ac:cc:8e"),
    ("HIKVISION", ["DS-2CD2143G2-I", "DS-2CD2347G2-LU", "DS-2CD1023G0E-I"], "44:19:b6"),
    ("Hanwha Vision", ["XNV-8080R", "XNO-6080R", "QNV-6012R"], "00:09:18"),
    ("Dahua", ["IPC-HFW5442E-ASE", "IPC-HDBW2431E-S"], "3c:ef:8c"),
    ("Bosch", ["FLEXIDOME IP 5000i", "DINION IP 3000i"], "00:07:5f"),
    ("Uniview", ["IPC3614SB-ADF28KM-I0", "IPC2124LB-SF40KM-G"], "48:ea:63"),
]
_RETENTIONS = ["PT72H", "P7D", "P14D", "P30D", "PT0S"]


def generate_fleet(n: int, *, network: str = "127.0.20.0/22", port: int = 8000, seed: int = 0,
                   password: str = "bench-pass", recording_share: float = 0.5, audio_share: float = 0.1) -> Fleet:
    """`n` cameras on consecutive host addresses of `network`, all with user `auditor`/`password`."""
    rng = random.Random(seed)
    hosts = ipaddress.ip_network(network).hosts()
    cameras = []
    for i in range(n):
        try:
            address = str(next(hosts))
        except StopIteration:
            raise ValueError(f"network {network} has fewer than {n} host addresses") from None
        maker, models, oui = rng.choice(_VENDORS)
        model = rng.choice(models)
        tail = f"{(i >> 16) & 0xFF:02x}:{(i >> 8) & 0xFF:02x}:{i & 0xFF:02x}"
        big = rng.random() < 0.5
        main = Video(encoding=VideoEncoding.H264, width=2560 if big else 1920, height=1440 if big else 1080,
                     fps=rng.choice([15, 25, 30]), bitrate_kbps=rng.choice([2048, 4096, 6144]))
        audio = Audio() if rng.random() < audio_share else None
        profiles = [MediaProfile(token="Profile_1", name="mainStream", video=main, audio=audio),
                    MediaProfile(token="Profile_2", name="subStream",
                                 video=Video(width=640, height=360, fps=15, bitrate_kbps=512))]
        recording = None
        if rng.random() < recording_share:
            recording = RecordingConfig(
                recordings=[Recording(token="Recording_1", max_retention=rng.choice(_RETENTIONS))],
                jobs=[RecordingJob(token="RecordingJob_1", recording="Recording_1")])
        cameras.append(Camera(
            name=f"bench-{i:05d}", address=address, port=port,
            identity=Identity(endpoint_uuid=f"urn:uuid:{uuid.UUID(int=rng.getrandbits(128), version=4)}",
                              manufacturer=maker, model=model, firmware=f"{rng.randint(1, 11)}.{rng.randint(0, 99)}.1",
                              serial=f"SN{seed:02d}{i:08d}", mac=f"{oui}:{tail}", location=f"bench/zone-{i // 64}"),
            auth=_auth(password, rng),
            clock=Clock(source=ClockSource.NTP if rng.random() < 0.9 else ClockSource.MANUAL,
                        offset_seconds=0 if rng.random() < 0.9 else rng.choice([-900, -120, 45, 600])),
            media=Media(profiles=profiles),
            recording=recording,
        ))
    return Fleet(cameras=cameras)


def _auth(password: str, rng: random.Random) -> Auth:
    schemes = rng.choice([[AuthScheme.WS_USERNAMETOKEN, AuthScheme.HTTP_DIGEST], [AuthScheme.HTTP_DIGEST],
                          [AuthScheme.WS_USERNAMETOKEN]])
    return Auth(schemes=schemes, users={"auditor": User(password=password, level=UserLevel.ADMINISTRATOR)})
