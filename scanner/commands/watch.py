"""`camaudit watch`: scan a site on a schedule, record each scan, report and publish what changed.

One scan at a time (in this process, and across processes through a per-site lock
file), a failing scan is logged and the next slot comes anyway, SIGTERM/SIGINT
abort the running scan (its history row becomes `aborted`) and end the watch
cleanly. Each scan ends in exactly one log line on stderr:

    2026-11-23T06:00:04Z scan 20261123T060000Z-3f9a1c site=campus complete devices=14 fail=9 new=2 changed=0
    resolved=1 duration=12.4s exit=3

`--once` runs a single cycle now (for a systemd timer or cron); see docs/scheduled-scans.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import fcntl
import logging
import os
import random
import re
import signal
import sys
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from probes.barrier import barrier
from probes.discovery import DiscoveredDevice
from probes.errors import ConfigError
from reports.model import ScanMeta, ScanResult
from scanner import __version__, exitcodes
from scanner.commands import _common
from scanner.history import HistoryStore, ScanRun, ScanStatus, new_scan_id, open_history, state_dir
from scanner.schedule import (
    Clock,
    Cron,
    Every,
    Jitter,
    Schedule,
    SystemClock,
    format_duration,
    parse_duration,
    run_schedule,
)
from scanner.site import SiteFile, load_site
from scanner.watch_announcements import DEFAULT_GAP, Announcements, EarlyScanPolicy, known_keys

if TYPE_CHECKING:
    from scanner.delivery import Queued

log = logging.getLogger("camaudit.watch")
scan_log = logging.getLogger("camaudit.watch.scans")  # the one line per scan; always shown

ABORTED_EXIT = 130
DEFAULT_JITTER = "5%"
DEFAULT_SCAN_TIMEOUT = "1h"
PLACEHOLDERS = ("{scan_id}", "{time}", "{site}")

ScanFn = Callable[[SiteFile, str], Awaitable[ScanResult]]  # (site file, scan id) -> scan document


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "watch", help="scan a site periodically and report what changed",
        description="Scan a site on a schedule (--every or --cron), store every scan in the history, "
                    "compare it with the previous one, write reports and publish the changes over MQTT.",
        epilog="Report paths may contain {scan_id}, {time} and {site}; without them each scan "
               "overwrites the last report. See docs/scheduled-scans.md for systemd and cron set-ups.")
    parser.add_argument("--site", type=Path, metavar="FILE", required=True, help="site file")
    when = parser.add_mutually_exclusive_group()
    when.add_argument("--every", metavar="DURATION", help="scan every DURATION (30m, 6h, 1d, 1h30m)")
    when.add_argument("--cron", metavar="EXPR", help="scan at the times of a cron expression, in the site's "
                                                     "time zone (e.g. '0 */6 * * *')")
    parser.add_argument("--jitter", default=DEFAULT_JITTER, metavar="PCT|DURATION",
                        help=f"random delay after each slot: a share of the period (10%%) or a duration "
                             f"(5m); default {DEFAULT_JITTER.replace('%', '%%')}")
    parser.add_argument("--once", action="store_true", help="run one scan now and exit with its exit code")
    parser.add_argument("--no-initial", action="store_true",
                        help="with --every/--cron: wait for the first slot instead of scanning at start")
    parser.add_argument("--early-scan-gap", default=DEFAULT_GAP, metavar="DURATION|off",
                        help="between scans, a WS-Discovery Hello from an address in scope or a Bye of a known "
                             "camera starts the next scan early, at most once per DURATION (default "
                             f"{DEFAULT_GAP}); 'off': wait for the schedule")
    parser.add_argument("--scan-timeout", default=DEFAULT_SCAN_TIMEOUT, metavar="DURATION",
                        help=f"abandon a scan that runs longer (default {DEFAULT_SCAN_TIMEOUT})")
    parser.add_argument("--keep", metavar="AGE", help="after each scan, delete this site's scans older than AGE "
                                                     "(e.g. 180d; the latest complete scan always stays) and "
                                                     "the report files of scans that old ({time}/{scan_id} "
                                                     "in --html/--json/... paths)")
    parser.add_argument("--profile", dest="profiles", action="append", default=[], metavar="ID|FILE",
                        help="compliance profile to apply instead of the site's (repeatable)")
    _common.add_ca_bundle_argument(parser)
    _common.add_output_arguments(parser)
    _common.add_history_arguments(parser, default_on=False)
    _common.add_mqtt_arguments(parser)
    parser.set_defaults(handler=run)


# --------------------------------------------------------------------------- pieces


@dataclass
class CycleReport:
    """What one cycle did (the log line, and the exit code of `--once`)."""

    scan_id: str
    site: str
    status: str  # complete | failed | aborted | skipped
    started: datetime
    duration: float
    exit_code: int
    devices: int = 0
    failing: int = 0
    new: int = 0
    changed: int = 0
    resolved: int = 0
    error: str | None = None
    coverage: str | None = None  # "complete", or "incomplete: <reasons>"

    def line(self) -> str:
        text = (f"{self.started:%Y-%m-%dT%H:%M:%SZ} scan {self.scan_id} site={self.site} {self.status}")
        if self.status == "complete":
            text += (f" devices={self.devices} fail={self.failing} new={self.new} changed={self.changed}"
                     f" resolved={self.resolved}")
        if self.coverage:
            text += f" coverage={_one_line(self.coverage)!r}"
        text += f" duration={self.duration:.1f}s exit={self.exit_code}"
        if self.error:
            text += f" error={_one_line(self.error)!r}"
        return text


def _one_line(text: str, limit: int = 300) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


class SiteLock:
    """An advisory per-site lock file: a second scanner of the same site skips instead of overlapping."""

    def __init__(self, site: str, directory: Path | None = None) -> None:
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", site)
        self.path = (directory or state_dir() / "locks") / f"{safe}.lock"
        self._fd: int | None = None

    def acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    @contextlib.contextmanager
    def held(self) -> Iterator[bool]:
        acquired = self.acquire()
        try:
            yield acquired
        finally:
            if acquired:
                self.release()


def expand_path(template: Path | str, *, scan_id: str, started: datetime, site: str) -> Path:
    """Fill {scan_id}, {time} (UTC, 20261123T060000Z) and {site} into a report path."""
    text = str(template)
    for key, value in (("{scan_id}", scan_id), ("{time}", f"{started.astimezone(UTC):%Y%m%dT%H%M%SZ}"),
                       ("{site}", site)):
        text = text.replace(key, value)
    return Path(text)


DiscoveredHook = Callable[[SiteFile, list[DiscoveredDevice]], None]  # a scan's discovery ended (what it found)


def pipeline_scan(profiles: Sequence[str] = (), ca_bundle: Path | None = None,
                  on_discovered: Sequence[DiscoveredHook] = ()) -> ScanFn:
    """The real scan: scanner.pipeline.run_scan with the watch's scan id (so the marker row is the scan).
    The CA bundle is read again at each scan, like the site file: an exported bundle's update applies.
    `on_discovered` (a list the caller may fill later) is told when each scan's discovery ends."""

    async def scan(site_file: SiteFile, scan_id: str) -> ScanResult:
        from scanner.pipeline import ScanOptions, run_scan

        def discovered(devices: list[DiscoveredDevice]) -> None:
            for hook in on_discovered:
                hook(site_file, devices)

        return await run_scan(site_file, ScanOptions(profiles=list(profiles), scan_id=scan_id, ca_bundle=ca_bundle,
                                                     on_discovered=discovered))

    return scan


# --------------------------------------------------------------------------- one cycle


class Watcher:
    """Runs one scan cycle at a time: lock, scan, record with drift, reports, MQTT, log line."""

    def __init__(self, site_path: Path, site_name: str, store: HistoryStore, scan: ScanFn, *,
                 outputs: dict[str, Path | None] | None = None, publisher: Any = None,
                 scan_timeout: timedelta | None = None, keep: timedelta | None = None,
                 lock_dir: Path | None = None, clock: Clock | None = None) -> None:
        self.site_path, self.site_name = site_path, site_name
        self.store, self.scan = store, scan
        self.outputs = {k: v for k, v in (outputs or {}).items() if v is not None}
        self.publisher = publisher
        self.scan_timeout = scan_timeout
        self.keep = keep
        self.lock = SiteLock(site_name, lock_dir)
        self.clock = clock or SystemClock()
        self.stopping = False
        self.reports: list[CycleReport] = []
        self.site_file: SiteFile | None = None  # as the last scan read it
        self.seen: ScanResult | None = None  # the last scan stored: the cameras a Bye is recognised by
        self._scan_task: asyncio.Task[ScanResult] | None = None

    def abort(self) -> None:
        """Stop: cancel the running scan (it is marked aborted); called from the signal handler."""
        self.stopping = True
        if self._scan_task is not None and not self._scan_task.done():
            self._scan_task.cancel()

    async def cycle(self, due: datetime | None = None) -> CycleReport:
        started = self.clock.now()
        scan_id = new_scan_id(started)
        try:
            with self.lock.held() as acquired:
                if not acquired:
                    report = CycleReport(scan_id, self.site_name, "skipped", started, 0.0, exitcodes.SCAN_ERRORS,
                                         error=f"another scan of {self.site_name} holds {self.lock.path}")
                else:
                    report = await self._locked_cycle(scan_id, started)
        except OSError as exc:  # the lock file's directory is not writable
            report = CycleReport(scan_id, self.site_name, ScanStatus.FAILED.value, started, 0.0,
                                 exitcodes.SCAN_ERRORS, error=f"cannot lock {self.lock.path}: {exc}")
        self.reports.append(report)
        scan_log.info(report.line())
        return report

    async def _locked_cycle(self, scan_id: str, started: datetime) -> CycleReport:
        def done(status: str, code: int, error: str | None = None) -> CycleReport:
            elapsed = (self.clock.now() - started).total_seconds()
            return CycleReport(scan_id, self.site_name, status, started, elapsed, code, error=error)

        try:
            async with ScanRun(self.store, self.site_name, scan_id=scan_id, started_at=started) as run:
                if run.reaped:
                    log.warning("marked %d interrupted scan(s) as aborted: %s", len(run.reaped),
                                ", ".join(run.reaped))
                site_file = await asyncio.to_thread(load_site, self.site_path)  # edits apply at the next scan
                self.site_file = site_file
                if self.stopping:  # the signal came while the marker was being written
                    raise asyncio.CancelledError
                await self._announce(scan_id, started)
                self._scan_task = asyncio.create_task(self._bounded_scan(site_file, scan_id),
                                                      name=f"camaudit.watch[{self.site_name}].scan")
                try:
                    result = await self._scan_task
                finally:
                    self._scan_task = None
                annotated, _drift, record = await run.finish(result, emit_pending=self._destination())
                barrier("after-history-commit")
                self.seen = annotated
        except asyncio.CancelledError:
            if not self.stopping:
                raise
            return done(ScanStatus.ABORTED.value, ABORTED_EXIT, "stopped by signal")
        except Exception as exc:
            log.debug("scan %s failed", scan_id, exc_info=True)
            return done(ScanStatus.FAILED.value, exitcodes.SCAN_ERRORS, f"{type(exc).__name__}: {exc}")

        from reports.coverage import coverage_of
        from scanner.pipeline import exit_code

        code = exit_code(annotated)
        coverage = coverage_of(annotated)
        problems = await self._emit(annotated)
        if self.keep is not None:
            try:
                pruned = await self.store.prune(self.clock.now() - self.keep, self.site_name)
                if pruned:
                    log.info("pruned %d scan(s) older than %s", pruned, format_duration(self.keep))
            except Exception as exc:  # noqa: BLE001 - the scan is stored; pruning waits for the next one
                problems.append(f"prune: {type(exc).__name__}: {exc}")
            problems += self._prune_reports(annotated)
        report = done(ScanStatus.COMPLETE.value, exitcodes.SCAN_ERRORS if problems and code == 0 else code,
                      "; ".join(problems) or None)
        report.scan_id = annotated.meta.scan_id
        report.devices, report.failing, report.new = record.devices, record.failing, record.new
        report.changed, report.resolved = record.changed, record.resolved
        report.coverage = "complete" if coverage.complete else "incomplete: " + "; ".join(coverage.incomplete)
        return report

    def _prune_reports(self, result: ScanResult) -> list[str]:
        """The per-scan report files ({time}/{scan_id} in the path) older than --keep; never this scan's."""
        from scanner.report_pruning import prune_reports

        assert self.keep is not None
        written = [self._report_path(p, result) for p in self.outputs.values()]
        deleted, problems = prune_reports(self.outputs.values(), site=result.meta.site,
                                          cutoff=self.clock.now() - self.keep, keep=written)
        if deleted:
            log.info("deleted %d report file(s) older than %s", len(deleted), format_duration(self.keep))
        return [f"prune reports: {p}" for p in problems]

    @staticmethod
    def _report_path(template: Path, result: ScanResult) -> Path:
        return expand_path(template, scan_id=result.meta.scan_id, started=result.meta.started_at,
                           site=result.meta.site)

    async def _bounded_scan(self, site_file: SiteFile, scan_id: str) -> ScanResult:
        if self.scan_timeout is None:
            return await self.scan(site_file, scan_id)
        try:
            async with asyncio.timeout(self.scan_timeout.total_seconds()):
                return await self.scan(site_file, scan_id)
        except TimeoutError:
            raise TimeoutError(f"the scan ran longer than --scan-timeout "
                               f"({self.scan_timeout.total_seconds():g}s)") from None

    async def _announce(self, scan_id: str, started: datetime) -> None:
        if self.publisher is None:
            return
        try:
            await self.publisher.scan_started(ScanMeta(scan_id=scan_id, site=self.site_name, started_at=started,
                                                       scanner_version=__version__))
        except Exception as exc:  # noqa: BLE001 - MQTT trouble must not cost the scan
            log.warning("MQTT: could not queue the scan-started message: %s", exc)

    def _destination(self) -> str | None:
        if self.publisher is None:
            return None
        from scanner.delivery import destination_key

        return destination_key(self.publisher.config)

    async def _queue(self, result: ScanResult) -> Queued | None:
        """The stored scan's MQTT messages (and any earlier scan still marked) into the outbox: one step."""
        if self.publisher is None:
            return None
        from scanner.delivery import default_scanner_id_for, queue_pending

        queued = await queue_pending(self.publisher.outbox, self.store, self.publisher.config,
                                     site=result.meta.site, scanner_id=default_scanner_id_for(result),
                                     current=result, include_started=False)
        if self.publisher.config.documents:  # a collector compares this list with what it stored
            from scanner.agent import publish_recent_scans

            await publish_recent_scans(self.publisher, self.store, result.meta.site)
        self.publisher.wake()
        return queued

    async def _emit(self, result: ScanResult) -> list[str]:
        """MQTT queue, reports, MQTT delivery; returns problems (the scan itself is already stored)."""
        problems: list[str] = []
        queued = None
        try:
            queued = await self._queue(result)
        except Exception as exc:  # noqa: BLE001 - the mark stays in the history: the next cycle queues it
            problems.append(f"MQTT queue: {type(exc).__name__}: {exc}")
        if self.outputs:
            from reports.emit import write_reports_async

            paths = {fmt: self._report_path(p, result) for fmt, p in self.outputs.items()}
            try:
                await write_reports_async(result, **paths)
            except Exception as exc:  # noqa: BLE001
                problems.append(f"reports: {type(exc).__name__}: {exc}")
        if self.publisher is not None and queued is not None:
            try:
                from scanner.delivery import requeue_for

                stats = await self.publisher.deliver_queued(queued.seqs, enqueued=queued.messages,
                                                            findings=queued.findings,
                                                            requeue=requeue_for(result, self.publisher.config))
                if stats.pending:
                    problems.append(f"MQTT: {stats.pending} message(s) kept in the outbox")
            except Exception as exc:  # noqa: BLE001
                problems.append(f"MQTT: {type(exc).__name__}: {exc}")
        return problems


# --------------------------------------------------------------------------- the command


class _StderrHandler(logging.Handler):
    """Plain lines on whatever sys.stderr is now (journald adds the metadata)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
            sys.stderr.flush()
        except Exception:  # noqa: BLE001
            self.handleError(record)


def _setup_scan_log() -> None:
    if not any(isinstance(h, _StderrHandler) for h in scan_log.handlers):
        scan_log.addHandler(_StderrHandler())
    scan_log.setLevel(logging.INFO)
    scan_log.propagate = False


def build_schedule(args: argparse.Namespace, timezone: str, start: datetime) -> Schedule | None:
    if args.every:
        return Every(parse_duration(args.every), anchor=start)
    if args.cron:
        return Cron(args.cron, timezone)
    if not args.once:
        raise ConfigError("give --every DURATION, --cron EXPR or --once", field="--every")
    return None


async def run(args: argparse.Namespace, *, scan: ScanFn | None = None, clock: Clock | None = None,
              rng: random.Random | None = None) -> int:
    """The command; `scan`, `clock` and `rng` are injectable for tests."""
    _setup_scan_log()
    clock = clock or SystemClock()
    site_file = load_site(args.site)  # a broken site file stops the watch before it starts (exit 1)
    site = site_file.site
    _common.check_output_paths(args, create_dirs=True)  # per-scan templates may name new directories
    from scanner.credentials import credential_plan

    credential_plan(site_file)  # a missing password variable or file stops it too (exit 1)
    from scanner.cabundle import ca_bundle_for

    ca_bundle_for(site_file, args.ca_bundle)  # and so does a missing or bad CA bundle
    schedule = build_schedule(args, site.timezone, clock.now())
    jitter = Jitter.parse(args.jitter)
    timeout = parse_duration(args.scan_timeout) if args.scan_timeout not in ("0", "none") else None
    mqtt_config = None
    if getattr(args, "mqtt", None):
        from scanner.mqtt_options import mqtt_config_from_args

        mqtt_config = mqtt_config_from_args(args)
    stop = asyncio.Event()
    async with contextlib.AsyncExitStack() as stack:
        store = await stack.enter_async_context(open_history(args.history))
        publisher = None
        if mqtt_config is not None:
            from reports.mqtt import MqttPublisher

            publisher = await stack.enter_async_context(MqttPublisher(mqtt_config, site=site.name))
            if mqtt_config.documents:  # a site agent: answer a collector's re-send requests
                from scanner.agent import AgentCommands, publish_recent_scans

                await stack.enter_async_context(AgentCommands(publisher, store, site.name))
                await publish_recent_scans(publisher, store, site.name)
        discovered_hooks: list[DiscoveredHook] = []
        watcher = Watcher(args.site, site.name, store,
                          scan or pipeline_scan(args.profiles, args.ca_bundle, discovered_hooks),
                          outputs=_common.output_paths(args), publisher=publisher, scan_timeout=timeout,
                          keep=parse_duration(args.keep) if args.keep else None, clock=clock)
        stack.callback(_remove_signal_handlers)
        _install_signal_handlers(stop, watcher)
        if args.once:
            return (await watcher.cycle()).exit_code
        assert schedule is not None
        gap = None if args.early_scan_gap in ("0", "off", "none") else parse_duration(args.early_scan_gap)
        scan_log.info(f"watching {site.name} ({args.site}): {schedule.describe()}, jitter {args.jitter}, "
                      + (f"Hello/Bye start early scans (at most every {format_duration(gap)}), " if gap else "")
                      + f"history {store.location}")
        job: Callable[[datetime], Awaitable[object]] = watcher.cycle
        early = None
        if gap is not None:
            announcements = await stack.enter_async_context(
                Announcements(EarlyScanPolicy(gap=gap, known=known_keys(site_file)), clock))
            job, early = _listening_between(watcher, announcements, site_file), announcements.early
            discovered_hooks.append(lambda current, devices: announcements.scan_discovered(
                current, known_keys(current, watcher.seen, devices)))
            if args.no_initial:
                await announcements.listen(site_file, known_keys(site_file))
        await run_schedule(schedule, job, stop=stop, clock=clock, jitter=jitter, rng=rng,
                           immediately=not args.no_initial, early=early)
        scan_log.info(f"watch of {site.name} stopped after {len(watcher.reports)} scan(s)")
    return exitcodes.OK


def _listening_between(watcher: Watcher, announcements: Announcements,
                       site_file: SiteFile) -> Callable[[datetime], Awaitable[CycleReport]]:
    """The watch's cycle with the Hello/Bye listener paused while it scans and opened again after."""

    async def cycle(due: datetime) -> CycleReport:
        announcements.scan_starting()  # this scan covers every announcement heard ("scanning early: ..." said which)
        await announcements.pause()
        try:
            return await watcher.cycle(due)
        finally:
            if not watcher.stopping:
                current = watcher.site_file or site_file
                await announcements.listen(current, known_keys(current, watcher.seen))

    return cycle


_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def _install_signal_handlers(stop: asyncio.Event, watcher: Watcher) -> None:
    loop = asyncio.get_running_loop()

    def handle(signum: int) -> None:
        if not stop.is_set():
            scan_log.info(f"{signal.Signals(signum).name}: stopping"
                          + (" (aborting the running scan)" if watcher._scan_task else ""))
        stop.set()
        watcher.abort()

    for sig in _SIGNALS:
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, handle, sig)


def _remove_signal_handlers() -> None:
    loop = asyncio.get_running_loop()
    for sig in _SIGNALS:
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.remove_signal_handler(sig)
