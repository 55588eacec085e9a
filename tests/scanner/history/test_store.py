"""The history store on SQLite and PostgreSQL: round trip, listing, previous scan, markers."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import timedelta

import pytest

from probes import clock
from profiles.findings import Change
from scanner.history import (
    HistoryError,
    ScanRun,
    ScanStatus,
    UnknownScan,
    open_history,
    record_scan,
    store_scan,
)
from scanner.history.migrations import LATEST
from scanner.history.sqlite import SqliteHistory


async def test_round_trip_listing_and_previous(store_location, labscans):
    first, second = labscans.two_scans()
    async with open_history(store_location) as store:
        assert await store.schema_version() == LATEST
        assert await store.previous_scan(labscans.SITE) is None
        a, _, rec_a = await store_scan(store, first)
        b, drift_b, rec_b = await store_scan(store, second)
        # the stored document is exactly the annotated scan
        assert (await store.load_scan("scan-b")).model_dump() == b.model_dump()
        assert (await store.load_scan("scan-a")).model_dump() == a.model_dump()
        assert b.meta.previous_scan_id == "scan-a" and drift_b.previous_scan_id == "scan-a"
        assert [d.name for d in drift_b.vanished_devices] == ["car-park"]
        assert rec_b.status is ScanStatus.COMPLETE
        assert (rec_b.devices, rec_b.failing, rec_b.new, rec_b.changed, rec_b.resolved) == (4, 2, 5, 1, 4)
        assert (rec_a.devices, rec_a.new, rec_a.resolved) == (4, 12, 0)
        assert rec_b.duration_s == 42
        records = await store.list_scans(labscans.SITE)
        assert [r.scan_id for r in records] == ["scan-b", "scan-a"]
        assert [r.scan_id for r in await store.list_scans(limit=1)] == ["scan-b"]
        assert await store.list_scans("other-site") == []
        prev = await store.previous_scan(labscans.SITE)
        assert prev is not None and prev.meta.scan_id == "scan-b"
        prev = await store.previous_scan(labscans.SITE, before=second.meta.started_at)
        assert prev.meta.scan_id == "scan-a"
        assert await store.resolve("scan-b") == "scan-b"
        with pytest.raises(UnknownScan, match="ambiguous"):
            await store.resolve("scan-")
        with pytest.raises(UnknownScan, match="no scan"):
            await store.load_scan("nope")
        # storing the same scan again replaces it rather than duplicating rows
        await store.commit_scan(b)
        assert len(await store.list_scans()) == 2
        assert (await store.load_scan("scan-b")).model_dump() == b.model_dump()


async def test_scan_run_marker_failed_and_aborted(store_location, labscans):
    first, _ = labscans.two_scans()
    async with open_history(store_location) as store:
        with pytest.raises(RuntimeError):
            async with ScanRun(store, labscans.SITE, scan_id="run-fail"):
                assert (await store.get_record("run-fail")).status is ScanStatus.RUNNING
                raise RuntimeError("camera exploded")
        rec = await store.get_record("run-fail")
        assert rec.status is ScanStatus.FAILED and "camera exploded" in rec.reason

        async def scan_forever():
            async with ScanRun(store, labscans.SITE, scan_id="run-cancel"):
                await asyncio.sleep(3600)

        task = asyncio.create_task(scan_forever())
        while not await store.list_scans(status=ScanStatus.RUNNING):
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert (await store.get_record("run-cancel")).status is ScanStatus.ABORTED

        async with ScanRun(store, labscans.SITE, scan_id="run-ok") as run:
            annotated, _, record = await run.finish(first)  # the pipeline chose its own id: the marker goes
        assert record.scan_id == "scan-a" and annotated.meta.previous_scan_id is None
        with pytest.raises(UnknownScan):
            await store.get_record("run-ok")
        # aborted and failed scans are listed but never the base of a drift
        assert (await store.previous_scan(labscans.SITE)).meta.scan_id == "scan-a"
        statuses = {r.scan_id: r.status for r in await store.list_scans()}
        assert statuses == {"run-fail": "failed", "run-cancel": "aborted", "scan-a": "complete"}


async def test_stale_marker_of_dead_process_is_reaped(store_location, labscans):
    first, second = labscans.two_scans()
    async with open_history(store_location) as store:
        await store_scan(store, first)
        dead = await asyncio.create_subprocess_exec(sys.executable, "-c", "pass")
        await dead.wait()
        store_pid = os.getpid
        try:
            os.getpid = lambda: dead.pid  # the marker as that (now dead) process wrote it
            await store.begin_scan("ghost", labscans.SITE, second.meta.started_at, "test")
        finally:
            os.getpid = store_pid
        alive = await store.list_scans(status=ScanStatus.RUNNING)
        assert [r.scan_id for r in alive] == ["ghost"] and alive[0].pid == dead.pid
        # a marker from another host is only reaped when it is old
        store.host, real_host = "other-host", store.host
        await store.begin_scan("remote", labscans.SITE, clock.now(), "test")
        store.host = real_host
        async with ScanRun(store, labscans.SITE) as run:
            assert run.reaped == ["ghost"]
            await run.finish(second)
        ghost = await store.get_record("ghost")
        assert ghost.status is ScanStatus.ABORTED and f"process {dead.pid}" in ghost.reason
        assert (await store.get_record("remote")).status is ScanStatus.RUNNING
        assert await store.reap_stale(labscans.SITE, stale_after=timedelta(0)) == ["remote"]
        b = await store.load_scan("scan-b")
        assert b.meta.previous_scan_id == "scan-a"
        assert sum(1 for f in b.findings if f.change is Change.RESOLVED) == 4


async def test_unsupported_and_unreachable_locations(tmp_path):
    with pytest.raises(HistoryError, match="unsupported history URL"):
        open_history("mysql://x/y")
    store = open_history("postgresql://127.0.0.1:1/none")
    with pytest.raises(HistoryError, match="cannot connect") as info:
        await store.open()
    assert "127.0.0.1:1" in str(info.value)
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(HistoryError, match="cannot open history store"):
        await open_history(blocker / "sub" / "h.sqlite").open()


async def test_a_file_that_is_no_database_is_a_history_error_naming_it(tmp_path):
    text = tmp_path / "notes.sqlite"
    text.write_text("not a database, just notes\n" * 100)
    with pytest.raises(HistoryError, match="cannot open history store .*notes.sqlite: file is not a database"):
        await open_history(text).open()
    assert text.read_text().startswith("not a database")  # left as it was


def test_locations(monkeypatch, tmp_path):
    from scanner.history import default_location, state_dir
    from scanner.history.postgres import PostgresHistory, redact
    from scanner.history.sqlite import SqliteHistory

    monkeypatch.delenv("CAMAUDIT_HISTORY", raising=False)
    monkeypatch.setenv("CAMAUDIT_STATE_DIR", str(tmp_path))
    assert default_location() == str(tmp_path / "history.sqlite")
    monkeypatch.delenv("CAMAUDIT_STATE_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", "/x/data")
    assert state_dir().as_posix() == "/x/data/camaudit"
    assert isinstance(open_history("sqlite:////abs/h.db"), SqliteHistory)
    assert open_history("sqlite:////abs/h.db").location == "/abs/h.db"
    assert open_history("sqlite:///rel/h.db").location == "rel/h.db"
    pg = open_history("postgresql://cam:s3cret@db.example/hist")
    assert isinstance(pg, PostgresHistory) and "s3cret" not in pg.location
    assert redact("postgresql://cam:s3cret@db:5432/h") == "postgresql://cam:***@db:5432/h"


async def test_record_scan_one_shot_annotates_in_place(tmp_path, labscans, monkeypatch):
    monkeypatch.setenv("CAMAUDIT_STATE_DIR", str(tmp_path))
    monkeypatch.delenv("CAMAUDIT_HISTORY", raising=False)
    first, second = labscans.two_scans()
    await record_scan(first)  # default location: $CAMAUDIT_STATE_DIR/history.sqlite
    drift, record = await record_scan(second)
    assert (tmp_path / "history.sqlite").stat().st_mode & 0o077 == 0
    assert second.meta.previous_scan_id == "scan-a" and record.resolved == 4
    assert sum(1 for f in second.findings if f.change is Change.RESOLVED) == 4
    assert drift.counts["new"] == 5


async def test_live_pid_marker_is_kept_until_stale(store_location, labscans):
    async with open_history(store_location) as store:
        real_getpid = os.getpid
        try:
            os.getpid = os.getppid  # a marker written by a process that is still alive (our parent)
            await store.begin_scan("busy", labscans.SITE, clock.now(), "test")
            await store.begin_scan("ancient", labscans.SITE, clock.now() - timedelta(days=2), "test")
        finally:
            os.getpid = real_getpid
        assert await store.reap_stale(labscans.SITE) == ["ancient"]  # pid alive but 2 days old: pid reused?
        assert (await store.get_record("busy")).status is ScanStatus.RUNNING
        assert "reused" in (await store.get_record("ancient")).reason


async def test_prune_keeps_the_drift_base_and_running_markers(store_location, labscans):
    first, second = labscans.two_scans()
    other = labscans.scan(labscans.CAMERAS, scan_id="other-a", started=labscans.T0, site="other-site")
    async with open_history(store_location) as store:
        for scan in (first, second, other):
            await store_scan(store, scan)
        await store.begin_scan("marker", labscans.SITE, labscans.T0, "test")
        cutoff = labscans.T0 + timedelta(days=30)
        assert await store.prune(cutoff, site="nowhere") == 0
        assert await store.prune(cutoff) == 1  # scan-a; scan-b and other-a are their site's latest
        assert {r.scan_id for r in await store.list_scans()} == {"scan-b", "other-a", "marker"}
        assert (await store.load_scan("scan-b")).meta.previous_scan_id == "scan-a"  # the document stays whole
        assert len((await store.load_scan("scan-b")).findings) == 15
        for table in ("devices", "facts", "findings"):  # the pruned scan's rows went with it (cascade)
            sql = f"SELECT count(*) FROM {table} WHERE scan_id = 'scan-a'"
            if isinstance(store, SqliteHistory):
                left = await store._run(lambda c, sql=sql: c.execute(sql).fetchone()[0])
            else:
                left = await store._p().fetchval(sql)
            assert left == 0, table
