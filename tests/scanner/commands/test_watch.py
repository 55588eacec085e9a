"""`camaudit watch`: schedule in virtual time, failing scans, reports with placeholders, lock, SIGTERM."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from probes import clock
from profiles.findings import Change
from reports.model import ScanResult
from scanner.cli import build_parser
from scanner.commands import watch
from scanner.history import ScanStatus, open_history
from tests.scanner import labscans
from tests.support.children import python_env

SITE_YAML = textwrap.dedent("""\
    name: lab-campus
    scope:
      targets: [127.0.10.0/24]
    profiles: [gdpr-baseline]
""")


class FakeClock:
    """Virtual time that ends the watch after `limit` waits."""

    def __init__(self, start: datetime, limit: int) -> None:
        self.t, self.limit, self.waits = start, limit, []

    def now(self) -> datetime:
        return self.t

    async def sleep_until(self, when, stop):
        await asyncio.sleep(0)
        if stop.is_set() or len(self.waits) >= self.limit:
            return False
        self.waits.append(when)
        self.t = max(self.t, when)
        return True


@pytest.fixture
def site(tmp_path, monkeypatch):
    monkeypatch.setenv("CAMAUDIT_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("CAMAUDIT_HISTORY", raising=False)
    path = tmp_path / "site.yaml"
    path.write_text(SITE_YAML)
    return path


def args_for(*argv: str):
    return build_parser().parse_args(["watch", *argv])


async def test_watch_schedule_failure_and_drift(site, tmp_path, capsys):
    clock = FakeClock(labscans.T0, limit=4)  # scans at 0h (at once), 6h, 12h, 18h
    fleets = [labscans.CAMERAS, None, labscans.fleet_after_changes(), labscans.fleet_after_changes()]
    calls = []

    async def scan(site_file, scan_id):
        assert site_file.site.name == "lab-campus"
        fleet = fleets[len(calls)]
        calls.append(scan_id)
        clock.t += timedelta(minutes=3)  # the scan takes 3 minutes
        if fleet is None:
            raise ConnectionError("camera network unreachable")
        return labscans.scan(fleet, scan_id=scan_id, started=clock.t - timedelta(minutes=3))

    history = tmp_path / "h.sqlite"
    args = args_for("--site", str(site), "--every", "6h", "--jitter", "10%", "--history", str(history),
                    "--json", str(tmp_path / "out" / "{site}-{scan_id}.json"), "--keep", "100d")
    assert await watch.run(args, scan=scan, clock=clock) == 0
    assert len(calls) == 4
    assert clock.waits[0] == labscans.T0
    for slot, when in zip((6, 12, 18), clock.waits[1:], strict=True):  # jittered, within 10% of 6 h
        assert labscans.T0 + timedelta(hours=slot) <= when <= labscans.T0 + timedelta(hours=slot, minutes=36)

    async with open_history(history) as store:
        records = list(reversed(await store.list_scans()))
        assert [r.status for r in records] == ["complete", "failed", "complete", "complete"]
        assert "camera network unreachable" in records[1].reason
        third = await store.load_scan(records[2].scan_id)
        assert third.meta.previous_scan_id == records[0].scan_id  # the failed scan is skipped
        assert (records[2].new, records[2].changed, records[2].resolved) == (5, 1, 4)
        assert (records[3].new, records[3].changed, records[3].resolved) == (0, 0, 0)

    lines = [line for line in capsys.readouterr().err.splitlines() if " scan " in line]
    assert len(lines) == 4
    assert f"scan {calls[1]} site=lab-campus failed" in lines[1] and "exit=2" in lines[1]
    assert "ConnectionError: camera network unreachable" in lines[1]
    assert f"scan {calls[2]} site=lab-campus complete devices=4 fail=2 new=5 changed=1 resolved=4" in lines[2]
    assert lines[2].endswith("duration=180.0s exit=3") and lines[2].startswith("2026-11-20T18:")
    reports = sorted((tmp_path / "out").iterdir())
    assert [p.name for p in reports] == sorted(f"lab-campus-{c}.json" for c in (calls[0], calls[2], calls[3]))
    doc = ScanResult.model_validate(json.loads((tmp_path / "out" / f"lab-campus-{calls[2]}.json").read_text()))
    assert sum(f.change is Change.RESOLVED for f in doc.findings) == 4


async def test_once_exit_code_and_lock(site, tmp_path):
    async def scan(site_file, scan_id):
        return labscans.scan(labscans.CAMERAS, scan_id=scan_id, started=clock.now())

    history = tmp_path / "h.sqlite"
    args = args_for("--site", str(site), "--once", "--history", str(history))
    assert await watch.run(args, scan=scan) == 3  # failing findings
    lock = watch.SiteLock("lab-campus")
    assert lock.acquire()  # another scanner of the same site is busy
    try:
        assert await watch.run(args, scan=scan) == 2
    finally:
        lock.release()
    async with open_history(history) as store:
        assert len(await store.list_scans()) == 1  # the skipped cycle wrote nothing


async def test_bad_arguments(site):
    from probes.errors import ConfigError

    with pytest.raises(ConfigError, match="--every DURATION, --cron EXPR or --once"):
        await watch.run(args_for("--site", str(site)))
    with pytest.raises(ConfigError, match="not a cron expression"):
        await watch.run(args_for("--site", str(site), "--cron", "every day"))
    (site.parent / "ca.pem").write_text("not a certificate")  # a bad CA bundle stops the watch before it starts
    with pytest.raises(ConfigError, match=r"ca\.pem: --ca-bundle: CA bundle is not a PEM bundle"):
        await watch.run(args_for("--site", str(site), "--once", "--ca-bundle", str(site.parent / "ca.pem")))


async def test_scan_timeout_fails_the_scan(site, tmp_path):
    async def hang(site_file, scan_id):
        await asyncio.sleep(3600)

    args = args_for("--site", str(site), "--once", "--scan-timeout", "0.2s", "--history", str(tmp_path / "h"))
    assert await watch.run(args, scan=hang) == 2
    async with open_history(tmp_path / "h") as store:
        [record] = await store.list_scans()
        assert record.status is ScanStatus.FAILED and "--scan-timeout" in record.reason


def test_expand_path():
    when = datetime(2026, 11, 23, 6, 0, 5, tzinfo=UTC)
    assert watch.expand_path("/r/{site}/{time}-{scan_id}.html", scan_id="abc", started=when, site="s") == \
        Path("/r/s/20261123T060005Z-abc.html")


CHILD = textwrap.dedent("""
    import asyncio, sys
    from probes import clock
    from scanner.cli import build_parser
    from scanner.commands import watch
    from tests.scanner import labscans

    calls = 0

    async def scan(site_file, scan_id):
        global calls
        calls += 1
        if calls == 2:
            print("SCANNING", scan_id, flush=True)
            await asyncio.sleep(120)  # SIGTERM arrives here
        return labscans.scan(labscans.CAMERAS, scan_id=scan_id, started=clock.now())

    args = build_parser().parse_args(["watch", *sys.argv[1:]])
    sys.exit(asyncio.run(watch.run(args, scan=scan)))
""")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
async def test_signal_aborts_running_scan_and_exits_cleanly(site, tmp_path, sig):
    history = tmp_path / "h.sqlite"
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-c", CHILD, "--site", str(site), "--every", "1s", "--jitter", "0",
        "--history", str(history), env=python_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        line = (await asyncio.wait_for(child.stdout.readline(), 60)).decode()
        if not line.startswith("SCANNING"):
            pytest.fail((await child.stderr.read()).decode())
        scan_id = line.split()[1]
        child.send_signal(sig)
        _, raw_err = await asyncio.wait_for(child.communicate(), 30)
        err = raw_err.decode()
    finally:
        if child.returncode is None:
            child.kill()
            await child.wait()
    assert child.returncode == 0, err
    assert f"scan {scan_id} site=lab-campus aborted" in err and "exit=130" in err
    assert "stopped after 2 scan(s)" in err
    async with open_history(history) as store:
        records = await store.list_scans()
        assert [r.status for r in records] == ["aborted", "complete"]
        assert records[0].scan_id == scan_id and "stopped" in records[0].reason


async def test_watch_cron_slots_in_site_time_zone(tmp_path, monkeypatch):
    monkeypatch.setenv("CAMAUDIT_STATE_DIR", str(tmp_path / "state"))
    site = tmp_path / "site.yaml"
    site.write_text(SITE_YAML + "timezone: Asia/Kolkata\n")  # UTC+05:30: local 00:00 is 18:30 UTC
    clock = FakeClock(labscans.T0 + timedelta(minutes=1), limit=3)
    started = []

    async def scan(site_file, scan_id):
        started.append(clock.now())
        return labscans.scan(labscans.CAMERAS, scan_id=scan_id, started=clock.now())

    args = args_for("--site", str(site), "--cron", "0 0 * * *", "--jitter", "0", "--no-initial",
                    "--history", str(tmp_path / "h.sqlite"), "--keep", "1d")
    assert await watch.run(args, scan=scan, clock=clock) == 0
    assert started == [datetime(2026, 11, 20, 18, 30, tzinfo=UTC), datetime(2026, 11, 21, 18, 30, tzinfo=UTC),
                       datetime(2026, 11, 22, 18, 30, tzinfo=UTC)]
    async with open_history(tmp_path / "h.sqlite") as store:  # --keep 1d dropped the first day's scan
        assert [r.started_at for r in await store.list_scans()] == started[:0:-1]


async def test_keep_also_deletes_old_report_files(tmp_path, monkeypatch):
    """--keep 1d: the per-scan reports of dropped scans go too; other files and the rolling report stay."""
    monkeypatch.setenv("CAMAUDIT_STATE_DIR", str(tmp_path / "state"))
    site = tmp_path / "site.yaml"
    site.write_text(SITE_YAML)
    clock = FakeClock(labscans.T0 + timedelta(minutes=1), limit=3)
    reports = tmp_path / "reports"
    reports.mkdir()
    unrelated = [reports / "notes-20200101T000000Z.html", reports / "lab-campus-20200101T000000Z.html.bak",
                 reports / "other-site-20200101T000000Z.html"]
    for path in unrelated:
        path.write_text("keep me")

    async def scan(site_file, scan_id):
        return labscans.scan(labscans.CAMERAS, scan_id=scan_id, started=clock.now())

    args = args_for("--site", str(site), "--every", "1d", "--jitter", "0", "--history", str(tmp_path / "h.sqlite"),
                    "--keep", "1d", "--html", str(reports / "{site}-{time}.html"),
                    "--json", str(reports / "{scan_id}.json"), "--csv", str(reports / "latest.csv"))
    assert await watch.run(args, scan=scan, clock=clock) == 0
    async with open_history(tmp_path / "h.sqlite") as store:
        kept = await store.list_scans()
    assert len(kept) == 2  # the history dropped the first day's scan ...
    stamps = sorted(f"{r.started_at.astimezone(UTC):%Y%m%dT%H%M%SZ}" for r in kept)
    assert sorted(p.name for p in reports.glob("lab-campus-*.html")) == [f"lab-campus-{s}.html" for s in stamps]
    # ... and its reports
    assert sorted(p.name for p in reports.glob("*.json")) == sorted(f"{r.scan_id}.json" for r in kept)
    assert (reports / "latest.csv").is_file()
    assert all(path.read_text() == "keep me" for path in unrelated)
