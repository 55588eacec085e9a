"""A lab camera process for namespace tests: discovery responders plus a minimal ONVIF device service.

    python camera_proc.py '<json list of ResponderCamera fields>' [--multicast] [--reply-delay SECONDS]

Prints "ready" once every socket is open, then "answered" once it has sent its first ProbeMatch (a test
knows the scanner's Probe is out without guessing how long a loaded machine takes to start the scanner);
on SIGTERM it stops (multicast cameras send Bye).
The HTTP side answers POST /onvif/device_service with a SOAP envelope, which is all the
TCP sweep's ONVIF check needs (the full lab server is exercised by the lab's own tests).
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys

from aiohttp import web

from lab.responders import LabResponders, ResponderCamera

SOAP_REPLY = (b'<?xml version="1.0"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>'
              b'<tds:GetSystemDateAndTimeResponse xmlns:tds="http://www.onvif.org/ver10/device/wsdl"/>'
              b"</s:Body></s:Envelope>")


UUIDS = web.AppKey("uuids", dict)
DELAY = web.AppKey("delay", float)  # s before each ONVIF reply (--reply-delay): a read that takes a while


async def device_service(request: web.Request) -> web.Response:
    """GetEndpointReference answers the camera's uuid (pre-auth in ONVIF Core); anything else a time reply."""
    body = await request.read()
    if request.app[DELAY] and b"GetEndpointReference" not in body:  # discovery's TCP check stays quick
        await asyncio.sleep(request.app[DELAY])
    local = request.transport.get_extra_info("sockname")[0] if request.transport else ""
    if b"GetEndpointReference" in body and local in request.app[UUIDS]:
        guid = f"urn:uuid:{request.app[UUIDS][local]}".encode()
        return web.Response(content_type="application/soap+xml", body=(
            b'<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>'
            b'<tds:GetEndpointReferenceResponse xmlns:tds="http://www.onvif.org/ver10/device/wsdl"><tds:GUID>'
            + guid + b"</tds:GUID></tds:GetEndpointReferenceResponse></s:Body></s:Envelope>"))
    return web.Response(body=SOAP_REPLY, content_type="application/soap+xml")


async def main(spec: str, multicast: bool, reply_delay: float = 0.0) -> None:
    cameras = [ResponderCamera(**c) for c in json.loads(spec)]
    app = web.Application()
    app[UUIDS] = {c.address: c.endpoint_uuid for c in cameras}
    app[DELAY] = reply_delay
    app.router.add_post("/onvif/device_service", device_service)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    for cam in cameras:
        await web.TCPSite(runner, cam.address, cam.http_port).start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    try:
        async with LabResponders(cameras, multicast=multicast) as responders:
            print("ready", flush=True)
            answered = asyncio.create_task(_report_answered(responders))
            await stop.wait()
            answered.cancel()
    finally:
        await runner.cleanup()


async def _report_answered(responders: LabResponders) -> None:
    while not responders.probe_matches_sent:
        await asyncio.sleep(0.02)
    print("answered", flush=True)


if __name__ == "__main__":
    flags = sys.argv[2:]
    delay = float(flags[flags.index("--reply-delay") + 1]) if "--reply-delay" in flags else 0.0
    asyncio.run(main(sys.argv[1], "--multicast" in flags, delay))
