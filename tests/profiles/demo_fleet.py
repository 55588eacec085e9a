"""DeviceFacts of the demo fleet (lab/fleets/demo.yaml), written by hand from the fleet's description.

Until the lab and the ONVIF reader exist end to end, this is what a correct
reader should produce for each demo camera; the end-to-end test replaces it
with facts read over the network and reuses demo_expectations.py.
"""

from __future__ import annotations

from typing import Any

from probes.facts import DeviceFacts, FactStatus
from tests.profiles.factbook import camera, failed

H = 3600


def _rec(seconds: int | None, schedule: str | None = None) -> dict[str, Any]:
    return {"recording__recordings": [{"token": "Recording_1", "source": "VS_1", "max_retention_seconds": seconds,
                                       "content": "", "tracks": ["Video"]}],
            "recording__jobs": [{"token": "RecordingJob_1", "recording": "Recording_1", "mode": "Active",
                                 "schedule": schedule}],
            "recording__active": True}


NO_RECORDING: dict[str, Any] = {"recording__recordings": [], "recording__jobs": [], "recording__active": False,
                                "recording__summary": {"data_from": None, "data_until": None, "recordings": 0}}


def _res(width: int, height: int) -> dict[str, Any]:
    return {"media__max_resolution": {"width": width, "height": height},
            "media__video_encoders": [{"token": "VE_1", "encoding": "H264", "width": width, "height": height,
                                       "fps": 25, "bitrate_kbps": 4096, "profiles": ["Profile_1"]}]}


def _cam(n: int, uuid: str, manufacturer: str, model: str, firmware: str, serial: str, mac: str,
         **overrides: Any) -> DeviceFacts:
    return camera(address=f"127.0.10.{n}", uuid=uuid, mac=mac, identity__manufacturer=manufacturer,
                  identity__model=model, identity__firmware=firmware, identity__serial=serial, **overrides)


def demo_devices() -> list[DeviceFacts]:
    """The 14 demo cameras 127.0.10.11-24 (the declared lobby-old does not exist)."""
    return [
        _cam(11, "5f0c1a2e-0b11-4c3a-9e11-accc8e1a2b11", "AXIS", "P3245-LVE", "10.12.114", "ACCC8E1A2B11",
             "ac:cc:8e:1a:2b:11", auth__schemes=["ws-usernametoken"], **_rec(7 * 24 * H)),
        _cam(12, "9a4d2c61-7e12-4b0f-8a12-0040f1a2b312", "Bosch", "FLEXIDOME IP 5000i", "7.80.0128", "044123456712",
             "00:07:5f:a2:b3:12", network__discovery_mode="NonDiscoverable",
             privacy__masks=[{"token": "Mask_1", "type": "Pixelated", "enabled": True, "points": 4}],
             **_rec(72 * H, schedule="Schedule_Night")),
        _cam(13, "3b7e9f20-4c13-4d6e-b813-00075fa2b313", "Bosch", "FLEXIDOME IP 4000i", "7.72.0021", "044123456713",
             "00:07:5f:a2:b3:13", **_res(1280, 720), **_rec(72 * H)),
        _cam(14, "c1d2e3f4-1414-4a5b-9c14-000918b3c414", "Hanwha Vision", "XNV-8080R", "5.1.9", "ZC7A60GK900014",
             "00:09:18:b3:c4:14", auth__schemes=["http-digest"],
             storage__targets=[{"token": "Storage_SD", "type": "LocalStorage", "uri": "file:///mnt/sd",
                                "local": True}],
             **_rec(60 * 24 * H)),
        _cam(15, "7e8f9a0b-1515-4c2d-8e15-4419b6c4d515", "HIKVISION", "DS-2CD2143G2-I", "V5.7.3 build 220112",
             "DS-2CD2143G2-I20220315AAWRJ15515", "44:19:b6:c4:d5:15", clock__source="Manual",
             clock__skew_seconds=600.0, network__ntp={"from_dhcp": False, "servers": []}, **_rec(7 * 24 * H)),
        _cam(16, "2c3d4e5f-1616-4a7b-9d16-3cef8cd5e616", "Dahua", "IPC-HFW5442E-ASE", "2.840.0000000.14.R",
             "6J0A1B2PAZ00016", "3c:ef:8c:d5:e6:16", **_res(2688, 1520),
             media__audio_sources=[{"token": "AudioSource_1", "channels": 1}],
             media__audio_encoders=[{"token": "AE_1", "encoding": "AAC", "profiles": ["Profile_1"]}],
             media__audio_in_profiles=["Profile_1"], **_rec(72 * H)),
        _cam(17, "8d9e0f1a-1717-4b2c-8f17-48ea63e6f717", "Uniview", "IPC3614SB-ADF28KM-I0",
             "IPC_G6103-B0008P20D1807", "210235C3EM3184000017", "48:ea:63:e6:f7:17", **NO_RECORDING),
        _cam(18, "4e5f6a7b-1818-4c8d-9a18-bcad28f7a818", "HIKVISION", "DS-2CD2347G2-LU", "V5.7.12 build 221114",
             "DS-2CD2347G2-LU20230102AAWRK18518", "bc:ad:28:f7:a8:18",
             auth__anonymous_operations=["GetDeviceInformation", "GetProfiles", "GetStreamUri"],
             network__protocols=[{"name": "HTTP", "enabled": True, "ports": [80]},
                                 {"name": "HTTPS", "enabled": False, "ports": [443]},
                                 {"name": "RTSP", "enabled": True, "ports": [554]}],
             tls__versions=failed("tls.versions", FactStatus.UNSUPPORTED, "HTTPS is disabled"),
             tls__certificate=failed("tls.certificate", FactStatus.UNSUPPORTED, "HTTPS is disabled"),
             clock__source="Manual", clock__skew_seconds=-900.0, network__ntp={"from_dhcp": False, "servers": []},
             **NO_RECORDING),
        _cam(19, "6f7a8b9c-1919-4d0e-8b19-c056e3a8b919", "HIKVISION", "DS-2TD1217B-3/PA", "V5.5.61 build 211020",
             "DS-2TD1217B-3/PA20211105AACHF19919", "c0:56:e3:a8:b9:19", **_res(2688, 1520),
             thermal__radiometry=True,
             thermal__configurations=[{"token": "VideoSource_1", "polarity": "WhiteHot", "color_palette": "Ironbow"}],
             network__gateway=["127.0.10.1"],
             network__dns={"from_dhcp": False, "servers": ["192.0.2.53", "192.0.2.54"],
                           "search_domains": ["demo-campus.example"]},
             **_rec(72 * H)),
        _cam(20, "0a1b2c3d-2020-4e5f-8c20-e0508ba9ca20", "HIKVISION", "iDS-2CD7146G0-IZS", "V5.6.5 build 200316",
             "iDS-2CD7146G0-IZS20200401AACH20020", "e0:50:8b:a9:ca:20",
             analytics__modules=[{"name": "FaceEngine", "type": "hikxsd:FaceRecognitionEngine"},
                                 {"name": "MyCellMotionModule", "type": "tt:CellMotionEngine"}],
             analytics__rules=[{"name": "FaceMatchWatchlist", "type": "tt:FaceRecognition"}],
             analytics__biometric=["hikxsd:FaceRecognitionEngine", "tt:FaceRecognition"], **_rec(72 * H)),
        _cam(21, "1b2c3d4e-2121-4f6a-9d21-b8a44fbacb21", "AXIS", "Q6135-LE", "10.12.153", "B8A44FBACB21",
             "b8:a4:4f:ba:cb:21",
             ptz__nodes=[{"token": "PTZNode_1", "name": "Q6135-LE", "fixed_home": False}], ptz__present=True,
             ptz__presets=[{"token": "1", "name": "Gate"}, {"token": "2", "name": "Loading bay"},
                           {"token": "3", "name": "North fence"}],
             ptz__tours=[{"token": "Tour_1", "name": "Perimeter patrol", "status": "Touring", "auto_start": True}],
             **_rec(72 * H)),
        _cam(22, "2c3d4e5f-2222-4a7b-8e22-3cef8ccbdc22", "Dahua", "DHI-VTO2211G-WP", "4.500.0000000.3.R",
             "7H0B2C3PAZ00022", "3c:ef:8c:cb:dc:22",
             media__audio_sources=[{"token": "AudioSource_1", "channels": 1}],
             media__audio_outputs=[{"token": "AudioOutput_1"}],
             cloud__uplinks=[{"remote_address": "wss://cloud.vendor.example:443", "status": "Connected",
                              "user_level": "Operator"}],
             cloud__event_brokers=[{"address": "mqtts://broker.vendor.example:8883",
                                    "topic_prefix": "devices/7H0B2C3PAZ00022", "status": "Connected"}],
             cloud__dynamic_dns={"type": "ClientUpdates", "name": "doorbell-7h0b2c.vendor-ddns.example"},
             storage__targets=[{"token": "Storage_Cloud", "type": "ObjectStorageS3",
                                "uri": "https://s3.eu-central-1.amazonaws.example/doorbell-clips", "local": False}],
             **_rec(0)),
        _cam(23, "3d4e5f6a-2323-4b8c-9f23-c056e3dced23", "HIKVISION", "DS-2CD1023G0E-I", "V5.5.800 build 210628",
             "DS-2CD1023G0E-I20210701AAWRF23523", "c0:56:e3:dc:ed:23", **NO_RECORDING),
        _cam(24, "4e5f6a7b-2424-4c9d-8a24-000918edfe24", "Hanwha Vision", "XNO-6080R", "2.21.02", "ZC7A60GK900024",
             "00:09:18:ed:fe:24", **_res(1280, 720),
             privacy__masks=[{"token": "Mask_1", "type": "Blurred", "enabled": True, "points": 4}], **_rec(72 * H)),
    ]
