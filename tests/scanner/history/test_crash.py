"""A scan killed mid-way (SIGKILL, in the scan or inside the final write) leaves the store consistent."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from scanner.history import HistoryError, ScanRun, ScanStatus, open_history
from tests.support.children import python_env

CHILD = textwrap.dedent("""
    import asyncio, sys, time
    from scanner.history import ScanRun, open_history, store_scan
    from tests.scanner import labscans

    mode = sys.argv[2]

    def stall(statement):
        if statement.startswith("INSERT INTO findings"):
            print("IN-TRANSACTION", flush=True)
            time.sleep(120)  # killed here, with the devices and facts already written

    async def main():
        first, second = labscans.two_scans()
        async with open_history(sys.argv[1]) as store:
            await store_scan(store, first)
            async with ScanRun(store, labscans.SITE, scan_id="doomed") as run:
                if mode == "scan":
                    print("SCANNING", flush=True)
                    await asyncio.sleep(120)
                store._conn.set_trace_callback(stall)
                await run.finish(second)

    asyncio.run(main())
""")


def _kill_child(path: Path, mode: str, marker: str) -> None:
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(path), mode], env=python_env(),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = child.stdout.readline()
        assert line.strip() == marker, child.stderr.read()
        child.send_signal(signal.SIGKILL)
    finally:
        child.kill()
        child.wait()
    assert child.returncode == -signal.SIGKILL


@pytest.mark.parametrize(("mode", "marker"), [("scan", "SCANNING"), ("write", "IN-TRANSACTION")])
async def test_killed_scan_leaves_store_consistent_and_next_scan_runs(tmp_path, labscans, mode, marker):
    path = tmp_path / "history.sqlite"
    _kill_child(path, mode, marker)

    with sqlite3.connect(path) as raw:  # nothing half-written: no rows of the doomed scan anywhere
        assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert raw.execute("PRAGMA foreign_key_check").fetchall() == []
        for table in ("devices", "facts", "findings"):
            counts = dict(raw.execute(f"SELECT scan_id, count(*) FROM {table} GROUP BY scan_id").fetchall())
            assert set(counts) == {"scan-a"}, table
    _, second = labscans.two_scans()
    async with open_history(path) as store:
        doomed = await store.get_record("doomed")
        assert doomed.status is ScanStatus.RUNNING  # the marker survived the kill
        with pytest.raises(HistoryError, match="running"):
            await store.load_scan("doomed")
        async with ScanRun(store, labscans.SITE) as run:  # the next scan
            assert run.reaped == ["doomed"]
            annotated, drift, record = await run.finish(second)
        assert record.status is ScanStatus.COMPLETE and annotated.meta.previous_scan_id == "scan-a"
        assert drift.counts == {"new": 5, "changed": 1, "persisting": 5, "resolved": 4}
        doomed = await store.get_record("doomed")
        assert doomed.status is ScanStatus.ABORTED and "ended before the scan finished" in doomed.reason
        assert [r.scan_id for r in await store.list_scans(status=ScanStatus.COMPLETE)] == ["scan-b", "scan-a"]


PG_CHILD = textwrap.dedent("""
    import asyncio, sys, time
    import asyncpg.connection
    from scanner.history import ScanRun, open_history, store_scan
    from tests.scanner import labscans

    copy = asyncpg.connection.Connection.copy_records_to_table

    async def stalling_copy(self, table, **kwargs):
        result = await copy(self, table, **kwargs)
        if table == "facts":
            print("IN-TRANSACTION", flush=True)
            time.sleep(120)  # killed here: devices and facts sent, findings not, nothing committed
        return result

    async def main():
        first, second = labscans.two_scans()
        async with open_history(sys.argv[1]) as store:
            await store_scan(store, first)
            asyncpg.connection.Connection.copy_records_to_table = stalling_copy
            async with ScanRun(store, labscans.SITE, scan_id="doomed") as run:
                await run.finish(second)

    asyncio.run(main())
""")


async def test_killed_postgres_write_leaves_nothing(pg_location, labscans):
    child = await asyncio.create_subprocess_exec(sys.executable, "-c", PG_CHILD, pg_location, env=python_env(),
                                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        line = await asyncio.wait_for(child.stdout.readline(), 60)
        if line.strip() != b"IN-TRANSACTION":
            pytest.fail((await child.stderr.read()).decode())
        child.kill()
        await child.wait()
    finally:
        if child.returncode is None:
            child.kill()
            await child.wait()
    _, second = labscans.two_scans()
    async with open_history(pg_location) as store:
        for table in ("devices", "facts", "findings"):  # the server rolled the open transaction back
            ids = {r[0] for r in await store._p().fetch(f"SELECT DISTINCT scan_id FROM {table}")}
            assert ids == {"scan-a"}, table
        assert (await store.get_record("doomed")).status is ScanStatus.RUNNING
        async with ScanRun(store, labscans.SITE) as run:
            assert run.reaped == ["doomed"]
            _, drift, record = await run.finish(second)
        assert record.status is ScanStatus.COMPLETE and drift.previous_scan_id == "scan-a"
