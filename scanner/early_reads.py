"""Reading announced cameras while discovery still listens, and never reading one twice.

Discovery listens for a fixed window (2 s by default), yet most cameras answer WS-Discovery within
milliseconds, and their ProbeMatch names the endpoint to read. What the other signals bring later (the
MAC from ARP, names from SSDP/mDNS, ports from the TCP sweep) changes a read only through the credential
sets a device is offered; everything else of a discovery record is merely copied onto its sheet. So when
no credential set is chosen by MAC, serial or manufacturer, an announced endpoint is read at once.

When discovery ends, each endpoint of the final list takes the early read of the same endpoint if that
read had the same inputs (address, device service URL, announced uuid, credential sets offered), and is
read now otherwise; an early read nothing claims is cancelled. The sheet's copied fields (device key,
signals, MAC) come from the final record, so a sheet is the same as if it had been read after discovery.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import AsyncIterator, Sequence
from types import TracebackType
from typing import Self
from urllib.parse import urlsplit

from probes.discovery import DiscoveredDevice, merge
from probes.facts import DeviceFacts
from probes.identity import endpoint_reads
from probes.onvif import OnvifReader
from probes.onvif.credentials import CredentialPlan
from probes.readstatus import derive_read

log = logging.getLogger(__name__)


def hint_independent(plan: CredentialPlan) -> bool:
    """True when no credential set is chosen by what a later signal may add (MAC, serial, manufacturer)."""
    return not any(s.selector.macs or s.selector.serials or s.selector.manufacturers for s in plan.sets)


class EarlyReads:
    """Reads started from ProbeMatches during discovery, then the final endpoint list (see the module doc).

    An async context manager around an open `OnvifReader`; leaving it cancels every read still running.
    """

    def __init__(self, reader: OnvifReader) -> None:
        self._reader = reader
        self._started: dict[str, tuple[DiscoveredDevice, asyncio.Task[DeviceFacts]]] = {}  # by service URL
        self.claimed = 0  # early reads the final list took
        self.discarded = 0  # early reads whose inputs the final list changed: read again
        self._dropped: list[asyncio.Task[DeviceFacts]] = []  # those reads, cancelled once the list is sorted

    async def __aenter__(self) -> Self:
        await self._reader.__aenter__()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self._cancel([task for _, task in self._started.values()])
        self._started.clear()
        await self._reader.__aexit__(exc_type, exc, tb)

    def offer(self, record: DiscoveredDevice) -> None:
        """A ProbeMatch was heard: start reading its endpoints (called by a datagram handler: never raises)."""
        try:
            self._offer(record)
        except Exception:  # no early read then: the endpoint is read after discovery
            log.exception("early read of %s not started", record.key)

    def _offer(self, record: DiscoveredDevice) -> None:
        if not record.xaddrs or record.bye:
            return
        for xaddr in record.xaddrs:  # an XAddr naming another host is read at a port the TCP sweep decides
            try:
                if urlsplit(xaddr.strip()).hostname not in record.addresses:
                    return
            except ValueError:
                return
        for device in merge([record]):
            for endpoint in endpoint_reads(device):
                url = endpoint.xaddrs[0] if len(endpoint.xaddrs) == 1 else None
                if url is None or url in self._started:
                    continue
                task = asyncio.create_task(self._reader.read(endpoint), name=f"onvif[{endpoint.key}].early")
                self._started[url] = (endpoint, task)

    async def read(self, endpoints: Sequence[DiscoveredDevice]) -> AsyncIterator[DeviceFacts]:
        """The sheets of `endpoints` (the final list) in completion order, each read once."""
        done: asyncio.Queue[tuple[DiscoveredDevice, bool, asyncio.Task[DeviceFacts]]] = asyncio.Queue()
        tasks: list[asyncio.Task[DeviceFacts]] = []
        for endpoint in endpoints:
            task = self._claim(endpoint)
            early = task is not None
            if task is None:
                task = asyncio.create_task(self._reader.read(endpoint), name=f"onvif[{endpoint.key}].read")
            task.add_done_callback(functools.partial(_hand_over, done, endpoint, early))
            tasks.append(task)
        unclaimed = [task for _, task in self._started.values()]  # announced, but not in the final list
        self._started.clear()
        await self._cancel([*unclaimed, *self._dropped])
        self._dropped.clear()
        log.debug("early reads: %d claimed, %d read again, %d not in the final list", self.claimed,
                  self.discarded, len(unclaimed))
        try:
            for _ in tasks:
                endpoint, early, task = await done.get()
                sheet = task.result()  # a ForbiddenOperation (a bug in camaudit) fails the scan, as in read_all
                yield adopt(sheet, endpoint) if early else sheet
        finally:
            await self._cancel(tasks)

    def _claim(self, final: DiscoveredDevice) -> asyncio.Task[DeviceFacts] | None:
        entry = self._started.pop(final.xaddrs[0], None) if len(final.xaddrs) == 1 else None
        if entry is None:
            return None
        early, task = entry
        if self._reader.reads_alike(early, final):
            self.claimed += 1
            return task
        self.discarded += 1
        log.debug("early read of %s dropped: discovery changed its inputs", final.xaddrs[0])
        self._dropped.append(task)
        return None

    @staticmethod
    async def _cancel(tasks: Sequence[asyncio.Task[DeviceFacts]]) -> None:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def _hand_over(done: asyncio.Queue[tuple[DiscoveredDevice, bool, asyncio.Task[DeviceFacts]]],
               endpoint: DiscoveredDevice, early: bool, task: asyncio.Task[DeviceFacts]) -> None:
    done.put_nowait((endpoint, early, task))


def adopt(sheet: DeviceFacts, final: DiscoveredDevice) -> DeviceFacts:
    """An early sheet with what a sheet copies from discovery taken from the final record, as if read now."""
    sheet.device_id = final.key
    sheet.signals = [str(s) for s in final.signals]
    sheet.mac = final.mac or sheet.mac  # the reader prefers discovery's MAC to the device's own
    sheet.read = derive_read(sheet)
    return sheet
