"""`camaudit capture`: read one device as a scan would and keep every request and reply.

    capture = await capture_device(device, credentials=plan)
    capture.archive.write(Path("camera.capture.json"))

The reader runs unchanged with a recorder on its channel; each exchange is scrubbed of
credentials as it completes (`_scrub`), and the finished archive has its identifiers
pseudonymised (`_pseudonym`) unless `keep_identifiers`. `lab/replay.py` serves an archive
again (`camaudit lab replay`), so a capture becomes a regression test (tests/corpus/).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import metadata

from probes import clock
from probes.discovery.model import DiscoveredDevice
from probes.facts import DeviceFacts
from probes.onvif._exchange import Exchange, ExchangeSink
from probes.onvif._reader import OnvifReader
from probes.onvif.capture._archive import FORMAT, Archive, ArchivedExchange, load_archive
from probes.onvif.capture._pseudonym import Pseudonyms, pseudonymise
from probes.onvif.capture._scrub import REMOVED, Scrubber
from probes.onvif.credentials import CredentialPlan
from probes.onvif.trust import CaBundle

__all__ = ["FORMAT", "REMOVED", "Archive", "ArchivedExchange", "Capture", "Pseudonyms", "capture_device",
           "load_archive"]


@dataclass(slots=True)
class Capture:
    archive: Archive
    facts: DeviceFacts  # what the read gave (as a scan would report it)
    pseudonyms: Pseudonyms = field(default_factory=Pseudonyms)  # original -> stand-in; in memory only, never written


def _version() -> str:
    try:
        return metadata.version("camaudit")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree without install
        return "unknown"


async def capture_device(device: DiscoveredDevice, *, credentials: CredentialPlan | None = None,
                         keep_identifiers: bool = False, device_deadline_s: float = 60,
                         request_timeout_s: float = 5, tap: ExchangeSink | None = None,
                         ca_bundle: CaBundle | None = None) -> Capture:
    """Read `device` and return the archive of the read.

    `tap` (tests) sees each raw exchange before it is scrubbed, to prove nothing of it survives.
    """
    plan = credentials or CredentialPlan()
    scrubber = Scrubber((s.username, s.password.get_secret_value()) for s in plan.sets)
    kept: list[ArchivedExchange] = []

    def record(exchange: Exchange) -> None:
        if tap is not None:
            tap(exchange)
        kept.append(scrubber.scrub(exchange))

    started = clock.now()
    async with OnvifReader(credentials=plan, concurrency=1, device_deadline_s=device_deadline_s,
                           request_timeout_s=request_timeout_s, recorder=record, ca_bundle=ca_bundle) as reader:
        facts = await reader.read(device)
    xaddr = scrubber.scrub_text(facts.xaddr or (device.xaddrs[0] if device.xaddrs else ""))
    names = Pseudonyms()
    if not keep_identifiers:
        extra = [xaddr, *(a for a in device.addresses), *(m for m in (device.mac, device.serial) if m)]
        kept, names = pseudonymise(kept, extra)
        xaddr = names.apply(xaddr)
    archive = Archive(camaudit_version=_version(), captured_at=started, device_xaddr=xaddr,
                      identifiers="kept" if keep_identifiers else "pseudonymised", exchanges=kept)
    return Capture(archive, facts, names)
