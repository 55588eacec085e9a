"""The RTSP probe's added time on N lab cameras: ONVIF read alone, then the RTSP step on the same sheets, then
both again in one run each: the RTSP step after the last sheet, and started sheet by sheet as each read ends
(as `camaudit scan` does).

    python bench/rtsp_probe.py                 # 1,000 cameras, RTSP with Digest (OPTIONS + DESCRIBE x2 per stream)
    python bench/rtsp_probe.py --sizes 100
    python bench/rtsp_probe.py --delay 0.2     # every ONVIF and RTSP reply after 200 ms (a slow site)

The lab (bench/lab_serve.py --rtsp) runs in its own process and serves OPTIONS/DESCRIBE on every camera
(2 profiles each: 1 OPTIONS, 2 anonymous DESCRIBEs answered 401, 2 Digest DESCRIBEs). The figure that
matters is the added wall time relative to the ONVIF read of the same cameras. Figures, never assertions.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import LabProcess, Report, machine, measure

from probes.discovery.model import DiscoveredDevice
from probes.facts import DeviceFacts
from probes.onvif import OnvifReader
from probes.rtsp import RTSP_FACTS, StreamProbes, probe_all


async def read_onvif(info: dict, concurrency: int, streams: StreamProbes | None = None) -> list[DeviceFacts]:
    """Every camera's ONVIF sheet; with `streams`, each sheet's RTSP step starts as its read ends."""
    devices = [DiscoveredDevice(addresses=[c["address"]], xaddrs=[c["xaddr"]]) for c in info["cameras"]]
    sheets = []
    async with OnvifReader(username=info["username"], password=info["password"], concurrency=concurrency) as reader:
        async for sheet in reader.read_all(devices):
            sheets.append(sheet)
            if streams is not None:
                streams.start(sheet)
    return sheets


async def read_with_streams(info: dict, concurrency: int, creds: tuple[str, str]) -> list[DeviceFacts]:
    """The ONVIF read with each sheet's RTSP step started as its read ends (`camaudit scan`)."""
    async with StreamProbes(lambda _: creds, concurrency=concurrency) as streams:
        return await read_onvif(info, concurrency, streams)


async def read_then_streams(info: dict, concurrency: int, creds: tuple[str, str]) -> list[DeviceFacts]:
    """The ONVIF read, then the RTSP step after the last sheet (`camaudit scan` before per-sheet probes)."""
    sheets = await read_onvif(info, concurrency)
    await probe_all(sheets, lambda _: creds, concurrency=concurrency)
    return sheets


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000])
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--delay", type=float, default=0.0, help="reply delay of every ONVIF and RTSP reply, s")
    parser.add_argument("--json-out")
    args = parser.parse_args()
    report = Report()
    report.notes.append(f"machine: {machine()}")
    for n in args.sizes:
        with LabProcess(n, discovery=False, rtsp=True, reply_delay_s=args.delay) as lab:
            with measure() as onvif:
                sheets = asyncio.run(read_onvif(lab.info, args.concurrency))
            creds: tuple[str, str] = (lab.info["username"], lab.info["password"])
            with measure() as rtsp:
                asyncio.run(probe_all(sheets, lambda _, c=creds: c, concurrency=args.concurrency))
            with measure() as after:
                asyncio.run(read_then_streams(lab.info, args.concurrency, creds))
            with measure() as overlapped:
                streamed = asyncio.run(read_with_streams(lab.info, args.concurrency, creds))
        same = sum(1 for a, b in zip(sorted(sheets, key=lambda d: d.address), sorted(streamed, key=lambda d: d.address),
                                     strict=True) if all(a.facts[k].status == b.facts[k].status for k in RTSP_FACTS))
        statuses = Counter(f"{k}={d.facts[k].status}" for d in sheets for k in RTSP_FACTS if k in d.facts)
        audio = sum(1 for d in sheets if d.value("media.audio_streamed") is True)
        bench = f"rtsp {n}" + (f", replies after {args.delay * 1000:g} ms" if args.delay else "")
        report.add(bench, "ONVIF read wall time", onvif.wall_s, "s")
        report.add(bench, "RTSP step wall time (added)", rtsp.wall_s, "s")
        report.add(bench, "ONVIF read, then the RTSP step after the last sheet (one run)", after.wall_s, "s",
                   note=f"CPU {after.cpu_s:.2f} s")
        report.add(bench, "ONVIF read with the RTSP step per sheet, as scans do (one run)", overlapped.wall_s, "s",
                   note=f"{overlapped.wall_s / after.wall_s:.2f}x the wall time and "
                        f"{overlapped.cpu_s / after.cpu_s:.2f}x the CPU ({overlapped.cpu_s:.2f} s) of the step after "
                        f"the last sheet; {same} of {n} cameras "
                        "with the same RTSP fact statuses both ways")
        report.add(bench, "RTSP step CPU time", rtsp.cpu_s, "s")
        report.add(bench, "added time / ONVIF read", rtsp.wall_s / onvif.wall_s, "x")
        report.add(bench, "RTSP per camera (wall / cameras)", rtsp.wall_s / n * 1000, "ms")
        report.add(bench, "cameras with sound in a stream", audio)
        report.add(bench, "fact statuses", ", ".join(f"{k} {v}" for k, v in sorted(statuses.items())))
    report.emit(args.json_out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
