"""`camaudit watch` between scans: a WS-Discovery Hello or Bye starts the next scan early.

A camera that leaves (Bye) or a device that comes up (Hello) between two scheduled scans would otherwise
be noticed only at the next slot, hours later. Between scans, and during a scan once its own discovery has
ended (reading a large site takes minutes), the watch listens on the interfaces a
discovery run uses (`probes.discovery.hello_listener`: senders outside the scope are not heard, nothing
is sent). A Hello from an in-scope address, or a Bye of a camera the last scan saw or the site declares,
makes the next scan start early: SETTLE after the first such announcement (a rebooting camera says Bye
then Hello: one scan for both), and at most once per `--early-scan-gap`. The early scan is the ordinary
scan of the site, its scope and nothing else.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from probes.discovery import DiscoveredDevice, hello_listener
from probes.identity import norm_uuid
from reports.model import ScanResult
from scanner.pipeline import declared_addresses
from scanner.schedule import Clock
from scanner.site import SiteFile

log = logging.getLogger("camaudit.watch")
scan_log = logging.getLogger("camaudit.watch.scans")

SETTLE = timedelta(seconds=5)
DEFAULT_GAP = "15m"


def known_keys(site_file: SiteFile, result: ScanResult | None = None,
               discovered: Iterable[DiscoveredDevice] = ()) -> frozenset[str]:
    """What a Bye is recognised by: "uuid:<uuid>" and addresses of the cameras the scan saw (or the running
    scan's discovery found) or the site declares."""
    keys = set(declared_addresses(site_file))
    for device in result.devices if result is not None else ():
        keys.add(device.address)
        if device.endpoint_uuid:
            keys.add(f"uuid:{norm_uuid(device.endpoint_uuid)}")
    for record in discovered:
        keys.update(record.addresses)
        if record.endpoint_uuid:
            keys.add(f"uuid:{norm_uuid(record.endpoint_uuid)}")
    return frozenset(keys)


def _describe(device: DiscoveredDevice) -> str:
    who = ", ".join(device.addresses) or "?"
    return f"{'Bye' if device.bye else 'Hello'} from {who}" + (f" (uuid {device.endpoint_uuid})"
                                                                 if device.endpoint_uuid else "")


@dataclass
class EarlyScanPolicy:
    """Which announcements make the next scan early, and when it may start (times given: no clock, no I/O)."""

    gap: timedelta  # at most one early scan per gap
    settle: timedelta = SETTLE
    known: frozenset[str] = frozenset()
    last_early: datetime | None = None
    due: datetime | None = None  # when the pending early scan may start; None: nothing pending
    reasons: list[str] = field(default_factory=list)

    def matters(self, device: DiscoveredDevice) -> bool:
        """A Hello always (a new device, or a known one back from a reboot); a Bye only of a known camera."""
        if not device.bye:
            return True
        keys = set(device.addresses) | ({f"uuid:{norm_uuid(device.endpoint_uuid)}"} if device.endpoint_uuid else set())
        return bool(keys & self.known)

    def heard(self, device: DiscoveredDevice, now: datetime) -> datetime | None:
        """An announcement heard at `now`: when the early scan may start (None: it changes nothing)."""
        if not self.matters(device):
            log.debug("ignored %s: not a camera this site knows", _describe(device))
            return None
        self.reasons.append(_describe(device))
        if self.due is None:
            allowed = self.last_early + self.gap if self.last_early is not None else now
            self.due = max(now + self.settle, allowed)
        return self.due

    def started(self, now: datetime, *, early: bool) -> list[str]:
        """A scan starts at `now`: it covers every announcement pending (returned); an early one opens a gap."""
        if early:
            self.last_early = now
        reasons, self.reasons, self.due = self.reasons, [], None
        return reasons


class Announcements:
    """The listener between scans (and while a scan reads, once its discovery has ended): sets `early` when
    the policy's pending early scan is due."""

    def __init__(self, policy: EarlyScanPolicy, clock: Clock) -> None:
        self.policy, self.clock = policy, clock
        self.early = asyncio.Event()
        self._listener: Any = None
        self._timer: asyncio.TimerHandle | None = None
        self._silent_noted = False
        self._resuming: asyncio.Task[None] | None = None
        self._during_scan = False  # the listener is open while a scan reads (not between scans)

    async def listen(self, site_file: SiteFile, known: Iterable[str]) -> None:
        """Listen (again) after a scan, with the site's current scope and what the scan saw."""
        await self.pause()
        await self._open(site_file, known)

    def scan_discovered(self, site_file: SiteFile, known: Iterable[str]) -> None:
        """The running scan's discovery has ended (its own listener with it): listen for the rest of the scan.

        Reading, judging and reporting a large site take minutes; a camera leaving or coming up meanwhile
        would otherwise go unheard until the scan after next. What is heard now makes the next scan early.
        """
        self._resuming = asyncio.get_running_loop().create_task(
            self._open(site_file, known, during_scan=True), name="watch.listen-during-scan")

    async def _open(self, site_file: SiteFile, known: Iterable[str], *, during_scan: bool = False) -> None:
        self.policy.known = frozenset(known)
        site = site_file.site
        listener = hello_listener(site.scope.to_scope(), interfaces=list(site.scope.interfaces),
                                  on_announce=self._heard)
        if not listener.interfaces and not listener.interfaces6:
            if not self._silent_noted:
                scan_log.info("no interface whose whole subnet the scope covers: Hello/Bye are not heard between "
                              "scans (every scan's discovery still hears them)")
                self._silent_noted = True
            return
        self._listener = await listener.__aenter__()
        self._during_scan = during_scan
        log.info("listening for Hello/Bye %s on %s", "while the scan reads" if during_scan else "until the next scan",
                 ", ".join([i.label for i in listener.interfaces] + [i.label for i in listener.interfaces6]))
        self._arm()

    async def pause(self) -> None:
        """Stop listening (a scan starts: its own discovery hears announcements; or one ended: listen anew)."""
        resuming, self._resuming = self._resuming, None
        if resuming is not None:  # opening the listener is short: let it finish, then close what it opened
            with contextlib.suppress(Exception):
                await resuming
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        listener, self._listener = self._listener, None
        if listener is not None:
            await listener.__aexit__(None, None, None)

    def scan_starting(self) -> tuple[bool, list[str]]:
        """(early?, the announcements it answers) for the scan about to start."""
        early = self.early.is_set()
        self.early.clear()
        return early, self.policy.started(self.clock.now(), early=early)

    def _heard(self, device: DiscoveredDevice) -> None:
        if self.policy.heard(device, self.clock.now()) is not None:
            self._arm()

    def _arm(self) -> None:
        if self.policy.due is None or self._timer is not None or self.early.is_set():
            return
        delay = max(0.0, (self.policy.due - self.clock.now()).total_seconds())
        self._timer = asyncio.get_running_loop().call_later(delay, self._fire)

    def _fire(self) -> None:
        self._timer = None
        if self.policy.due is not None and self._listener is not None:
            scan_log.info(("scanning early, once this scan ends: " if self._during_scan else "scanning early: ")
                          + "; ".join(self.policy.reasons[:5])
                          + (f" and {len(self.policy.reasons) - 5} more" if len(self.policy.reasons) > 5 else ""))
            self.early.set()

    async def __aenter__(self) -> Announcements:
        return self

    async def __aexit__(self, *exc: object) -> None:
        with contextlib.suppress(Exception):
            await self.pause()
