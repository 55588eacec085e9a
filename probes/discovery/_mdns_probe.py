"""mDNS/DNS-SD browsing (zeroconf) for the service types cameras announce, on chosen interfaces only."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence

from probes.discovery._budget import deadline_of, remaining
from probes.discovery._interfaces import Interface
from probes.discovery._oui import normalize_mac
from probes.discovery._wsd import normalize_uuid
from probes.discovery.model import DiscoveredDevice, Signal
from probes.scope import Scope

log = logging.getLogger(__name__)

# Axis announces _axis-video; many cameras announce their web UI and RTSP server; a few _onvif/_psia.
SERVICE_TYPES = ("_axis-video._tcp.local.", "_onvif._tcp.local.", "_psia._tcp.local.", "_rtsp._tcp.local.",
                 "_http._tcp.local.")
MAX_TXT_VALUE = 200
RESOLVE_GRACE = 0.3  # s past the deadline for resolving services already seen (a LAN answer takes ms)

_TXT_KEYS = {
    "mac": ("macaddress", "mac", "hwaddr", "hw"),
    "manufacturer": ("manufacturer", "mfr", "vendor", "brand"),
    "model": ("model", "modelname", "product"),
    "serial": ("serial", "serialnumber", "sn"),
    "uuid": ("uuid", "endpoint", "deviceid"),
}


def _txt(properties: dict[bytes, bytes | None]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in properties.items():
        if value is None:
            continue
        try:
            out[key.decode("utf-8").lower()] = value.decode("utf-8", "replace")[:MAX_TXT_VALUE]
        except UnicodeDecodeError:
            continue
    return out


def txt_fields(properties: dict[bytes, bytes | None]) -> dict[str, str]:
    """The identity fields a TXT record carries, under our names."""
    txt = _txt(properties)
    found = {}
    for field, keys in _TXT_KEYS.items():
        for key in keys:
            if txt.get(key):
                found[field] = txt[key].strip()
                break
    return found


async def browse(scope: Scope, interfaces: Sequence[Interface], *, timeout: float,
                 deadline: float | None = None) -> list[DiscoveredDevice]:
    """Browse until `deadline` (default: `timeout` from now); services seen by then get RESOLVE_GRACE more."""
    from zeroconf import IPVersion, ServiceStateChange
    from zeroconf.asyncio import AsyncServiceBrowser, AsyncServiceInfo, AsyncZeroconf

    deadline = deadline_of(deadline, timeout)
    devices: list[DiscoveredDevice] = []
    tasks: set[asyncio.Task[None]] = set()
    zc = AsyncZeroconf(interfaces=[i.address for i in interfaces], ip_version=IPVersion.V4Only)

    async def resolve(service_type: str, name: str) -> None:
        info = AsyncServiceInfo(service_type, name)
        if not await info.async_request(zc.zeroconf, int(max(timeout / 2, 0.5) * 1000)):
            return
        addresses = [a for a in info.parsed_addresses(IPVersion.V4Only) if scope.contains(a)]
        if not addresses:
            log.debug("mDNS %s: no address inside the scope", name)
            return
        fields = txt_fields(info.properties or {})
        devices.append(DiscoveredDevice(
            addresses=addresses, signals=[Signal.MDNS], mac=normalize_mac(fields.get("mac")),
            manufacturer=fields.get("manufacturer"), model=fields.get("model"), serial=fields.get("serial"),
            endpoint_uuid=normalize_uuid(fields["uuid"]) if fields.get("uuid") else None,
            name=name.removesuffix(f".{service_type}")[:200] or None,
            hostname=(info.server or "").removesuffix(".")[:200] or None,
            open_ports=[info.port] if info.port else [],
        ))

    def on_change(zeroconf: object, service_type: str, name: str, state_change: ServiceStateChange) -> None:
        del zeroconf
        if state_change in (ServiceStateChange.Added, ServiceStateChange.Updated):
            task = asyncio.get_running_loop().create_task(resolve(service_type, name))
            tasks.add(task)
            task.add_done_callback(tasks.discard)

    browser = AsyncServiceBrowser(zc.zeroconf, list(SERVICE_TYPES), handlers=[on_change])
    try:
        await asyncio.sleep(remaining(deadline))
        if tasks:
            await asyncio.wait(set(tasks), timeout=max(remaining(deadline), RESOLVE_GRACE))
    finally:
        for task in tasks:
            task.cancel()
        with contextlib.suppress(Exception):
            await browser.async_cancel()
        await zc.async_close()
    return devices
