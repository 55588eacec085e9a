"""OnvifReader: read the fact sheets of many devices on one event loop, bounded and deadlined."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterable
from types import TracebackType
from typing import Self
from urllib.parse import urlsplit

import aiohttp

from probes import clock
from probes.discovery.model import DiscoveredDevice
from probes.errors import DeviceError
from probes.facts import DeviceFacts, Fact
from probes.onvif._allowlist import ForbiddenOperation
from probes.onvif._exchange import ExchangeSink
from probes.onvif._orchestrator import read_device
from probes.onvif._tls import client_context
from probes.onvif._transport import DeviceChannel
from probes.onvif.credentials import CredentialPlan, DeviceHints
from probes.onvif.services import tls as tls_reader
from probes.onvif.services._context import ReadContext
from probes.onvif.services._sheet import Sheet
from probes.onvif.trust import CaBundle
from probes.readstatus import DEADLINE_ERROR, derive_read

log = logging.getLogger(__name__)

MiB = 1024 * 1024


class OnvifReader:
    """Reads ONVIF fact sheets; an async context manager that owns one shared HTTP session.

    Args:
        username, password: one credential set for every device (None: read anonymously).
        credentials: several named credential sets with selectors and a per-device cap of failed
            attempts (instead of username/password); each device is offered only the sets that apply to it.
        concurrency: devices read at the same time.
        per_device_concurrency: requests in flight to one device at the same time.
        device_deadline_s: total time budget per device; what is not read by then is
            an `error` (in flight) or `not_probed` (not yet asked) fact.
        request_timeout_s: budget for one request (connect + complete reply).
        max_reply_bytes: replies larger than this are cut off and reported.
        recorder: receives every HTTP exchange (`camaudit capture`; it must scrub credentials at once).
        ca_bundle: the site's CA certificates; each HTTPS port read then gets one extra, verifying
            handshake (`tls.verification`). Reads never depend on it: without it nothing is verified.

    Reusable but not reentrant: use `async with` once at a time.
    """

    def __init__(self, *, username: str | None = None, password: str | None = None,
                 credentials: CredentialPlan | None = None, concurrency: int = 128,
                 per_device_concurrency: int = 4, device_deadline_s: float = 30, request_timeout_s: float = 5,
                 max_reply_bytes: int = 2 * MiB, recorder: ExchangeSink | None = None,
                 ca_bundle: CaBundle | None = None) -> None:
        if concurrency < 1 or per_device_concurrency < 1:
            raise ValueError("concurrency and per_device_concurrency must be at least 1")
        if (username is None) != (password is None):
            raise ValueError("give both username and password, or neither")
        if credentials is not None and username is not None:
            raise ValueError("give username/password or credentials, not both")
        self._username = username
        self._plan = credentials if credentials is not None else (
            CredentialPlan.single(username, password) if username is not None and password is not None
            else CredentialPlan())
        self.concurrency = concurrency
        self.per_device_concurrency = per_device_concurrency
        self.device_deadline_s = device_deadline_s
        self.request_timeout_s = request_timeout_s
        self.max_reply_bytes = max_reply_bytes
        self.recorder = recorder
        self.ca_bundle = ca_bundle
        self._http: aiohttp.ClientSession | None = None
        self._sem: asyncio.Semaphore | None = None

    @property
    def plan(self) -> CredentialPlan:
        """The credential sets this reader offers (which of them a device is offered depends on its hints)."""
        return self._plan

    def reads_alike(self, one: DiscoveredDevice, other: DiscoveredDevice) -> bool:
        """Would reading `other` send what reading `one` sends? The same address, device service URL and
        announced uuid, and the same credential sets offered in the same order (`read_inputs`)."""
        try:
            address, url, hints = read_inputs(one)
            other_address, other_url, other_hints = read_inputs(other)
        except DeviceError:
            return False
        return ((address, url, one.endpoint_uuid) == (other_address, other_url, other.endpoint_uuid)
                and [s.name for s in self._plan.select(hints)] == [s.name for s in self._plan.select(other_hints)])

    def __repr__(self) -> str:  # never show the password
        return f"OnvifReader(username={self._username!r}, concurrency={self.concurrency})"

    async def __aenter__(self) -> Self:
        if self._http is not None:
            raise RuntimeError("OnvifReader is already open (it is reusable but not reentrant)")
        connector = aiohttp.TCPConnector(
            limit=self.concurrency * self.per_device_concurrency,
            limit_per_host=self.per_device_concurrency + 1,
            # cameras use self-signed certificates: not verified, recorded (tls.certificate); weak keys and
            # old TLS versions are allowed so such a device is read and reported rather than unreachable
            ssl=client_context(),
            keepalive_timeout=5,
            enable_cleanup_closed=True,
        )
        self._http = aiohttp.ClientSession(
            connector=connector,
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=self.request_timeout_s),
            cookie_jar=aiohttp.DummyCookieJar(),
            trust_env=False,  # never route camera traffic through a proxy
            auto_decompress=False,
            headers={"User-Agent": "camaudit-onvif-reader"},
        )
        self._sem = asyncio.Semaphore(self.concurrency)
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        http, self._http = self._http, None
        if http is not None:
            await http.close()

    async def read(self, device: DiscoveredDevice) -> DeviceFacts:
        """The fact sheet of one device (never raises for device misbehaviour)."""
        if self._http is None or self._sem is None:
            raise RuntimeError("use OnvifReader as `async with OnvifReader(...) as reader:`")
        async with self._sem:
            return await self._read(device)

    async def read_all(self, devices: Iterable[DiscoveredDevice]) -> AsyncIterator[DeviceFacts]:
        """Fact sheets in the order they complete, at most `concurrency` devices at a time.

        Finished sheets are handed over and not kept here, so memory stays bounded by
        what the caller keeps (1,000 sheets are ~100 MB with their evidence).
        """
        done: asyncio.Queue[DeviceFacts | BaseException] = asyncio.Queue()
        pending: set[asyncio.Task[None]] = set()

        async def one(device: DiscoveredDevice) -> None:
            try:
                done.put_nowait(await self.read(device))
            except BaseException as exc:  # ForbiddenOperation or cancellation: hand it to the consumer
                done.put_nowait(exc)
                raise

        count = 0
        for device in devices:
            task = asyncio.create_task(one(device), name=f"onvif[{device.key}].read")
            pending.add(task)
            task.add_done_callback(pending.discard)
            count += 1
        try:
            for _ in range(count):
                item = await done.get()
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            for task in list(pending):
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    async def _read(self, device: DiscoveredDevice) -> DeviceFacts:
        assert self._http is not None
        started = clock.now()
        sheet = Sheet()
        facts = DeviceFacts(device_id=device.key, address=device.addresses[0] if device.addresses else "?",
                            endpoint_uuid=device.endpoint_uuid, mac=device.mac,
                            signals=[str(s) for s in device.signals], read_started=started)
        try:
            address, xaddr, hints = read_inputs(device)
        except DeviceError as exc:
            return unread_facts(device, str(exc))
        channel = DeviceChannel(self._http, address, plan=self._plan, hints=hints,
                                request_timeout_s=self.request_timeout_s, max_reply_bytes=self.max_reply_bytes,
                                per_device_concurrency=self.per_device_concurrency, recorder=self.recorder,
                                ca_bundle=self.ca_bundle)
        facts.address = address
        ctx: ReadContext | None = None
        try:
            ctx = ReadContext(channel, xaddr, sheet, device.endpoint_uuid)
            facts.xaddr = ctx.device_xaddr
            # the endpoint read, as found (the read may move to the device's https address)
            sheet.facts["identity.endpoints"] = Fact.observed([ctx.device_xaddr], "discovery")
            if self.ca_bundle is None:  # nothing will be verified, whatever the device does
                sheet.facts["tls.verification"] = tls_reader.not_requested()
            async with asyncio.timeout(self.device_deadline_s):
                await read_device(ctx)
        except TimeoutError:
            msg = f"{DEADLINE_ERROR} {self.device_deadline_s:g} s exceeded"
            sheet.errors.append(f"{msg}; facts not read by then are error (in flight) or not_probed")
            sheet.finish(f"{msg} before the reply arrived", f"{msg} before this was asked")
        except ForbiddenOperation:
            raise  # a bug in camaudit, never a device problem: fail loudly
        except DeviceError as exc:
            sheet.errors.append(str(exc))
            sheet.finish(str(exc), str(exc))
        except Exception as exc:  # one device must never cost the scan
            forbidden = find_exception(exc, ForbiddenOperation)
            if forbidden is not None:
                raise forbidden from exc  # a bug in camaudit, never a device problem: fail loudly
            log.exception("internal error while reading %s", device.key)
            sheet.errors.append(f"internal error while reading: {type(exc).__name__}: {exc}")
            sheet.finish(f"internal error: {type(exc).__name__}", f"internal error: {type(exc).__name__}")
        sheet.finish("not read", "not read")
        if not sheet.errors and not any(sheet.facts[k].ok for k in ("clock.source", "services", "identity.model")):
            # Not one basic read worked: say so at device level, so the scan reports an unreadable device.
            why = sheet.facts["services"].reason or sheet.facts["clock.source"].reason or "unknown"
            sheet.errors.append(f"the ONVIF device service could not be read: {why}")
        return self._done(facts, sheet, ctx)

    @staticmethod
    def _done(facts: DeviceFacts, sheet: Sheet, ctx: ReadContext | None) -> DeviceFacts:
        facts.facts = dict(sorted(sheet.facts.items()))
        facts.errors = sheet.errors
        if ctx is not None:
            facts.endpoint_uuid = facts.endpoint_uuid or ctx.endpoint_uuid
            facts.mac = facts.mac or ctx.mac
            facts.xaddr = ctx.device_xaddr  # may have moved to https (GetServices listed both)
            url = urlsplit(ctx.device_xaddr)
            facts.port = url.port or (443 if url.scheme == "https" else 80)
        facts.read_finished = clock.now()
        facts.read = derive_read(facts)
        return facts


def read_inputs(device: DiscoveredDevice) -> tuple[str, str, DeviceHints]:
    """Everything of a discovery record that a read depends on: the address, the device service URL and
    the hints that choose credentials. Two records with equal inputs (and the same credential choice) are
    read alike; the rest of a record (signals, a MAC heard by ARP) is copied onto the sheet, not used."""
    address, xaddr = device_url(device)
    hints = DeviceHints(addresses=tuple(dict.fromkeys([address, *device.addresses])),
                        endpoint_uuid=device.endpoint_uuid, mac=device.mac, serial=device.serial,
                        manufacturers=tuple(m for m in (device.manufacturer, device.vendor) if m))
    return address, xaddr, hints


def device_url(device: DiscoveredDevice) -> tuple[str, str]:
    """(address, device service URL): an XAddr on the device's own address, else the standard path."""
    address: str | None = device.addresses[0] if device.addresses else None
    # https first: when a device offers both, credentials never travel over plain HTTP
    for x in sorted(device.xaddrs, key=lambda u: not u.strip().lower().startswith("https://")):
        host = urlsplit(x).hostname
        if address is None and host:
            address = host
        if address is not None and host == address:
            return address, x
    if address is None:
        raise DeviceError("device has neither an address nor an XAddr")
    host = f"[{address}]" if ":" in address else address
    if device.xaddrs:  # an XAddr naming another host (NAT, several interfaces): its path on our address
        parts = urlsplit(device.xaddrs[0])
        if device.onvif_ports:
            return address, f"{parts.scheme or 'http'}://{host}:{device.onvif_ports[0]}{parts.path or '/'}"
        return address, device.xaddrs[0]  # host rewritten to `address` by the channel
    port = (device.onvif_ports or [80])[0]
    return address, f"http://{host}:{port}/onvif/device_service"


def unread_facts(device: DiscoveredDevice, why: str) -> DeviceFacts:
    """The sheet of an endpoint that was not read at all: `why` as its error, every ONVIF fact marked."""
    sheet = Sheet()
    sheet.errors.append(why)
    sheet.finish(why, why)
    facts = DeviceFacts(device_id=device.key, address=device.addresses[0] if device.addresses else "?",
                        endpoint_uuid=device.endpoint_uuid, mac=device.mac,
                        signals=[str(s) for s in device.signals], read_started=clock.now())
    return OnvifReader._done(facts, sheet, None)


def find_exception(exc: BaseException, kind: type[BaseException]) -> BaseException | None:
    """The first `kind` inside (possibly nested) exception groups."""
    if isinstance(exc, kind):
        return exc
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            if (found := find_exception(inner, kind)) is not None:
                return found
    return None
