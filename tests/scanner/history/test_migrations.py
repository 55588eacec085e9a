"""Schema migrations: a store written by schema v1 upgrades in place, keeping its scans."""

from __future__ import annotations

import pytest

from scanner.drift import annotate
from scanner.history import HistoryError, open_history
from scanner.history._rows import iso, scan_rows, utc
from scanner.history.migrations import LATEST, POSTGRES, SQLITE
from scanner.history.sqlite import SqliteHistory

V1_SCAN_COLUMNS = ("scan_id", "site", "status", "started_at", "finished_at", "previous_scan_id",
                   "scanner_version", "doc_json")


async def _insert_v1(store, result) -> None:
    """Write a scan the way a v1 camaudit did (no host/pid/counter columns)."""
    rows = scan_rows(result, host=None, pid=None)
    scan = {k: rows.scan[k] for k in V1_SCAN_COLUMNS}
    tables = [("scans", [tuple(scan.values())], ", ".join(scan)),
              ("devices", rows.devices, "scan_id, seq, device_id, address, port, label, doc_json"),
              ("facts", rows.facts, ("scan_id, device_seq, device_id, fact_key, status, value_json, source, "
                                     "reason, evidence_json")),
              ("findings", rows.findings, ("scan_id, seq, uid, rule_id, device_id, result, severity, "
                                           "change_state, doc_json"))]
    if isinstance(store, SqliteHistory):
        scan_row = list(tables[0][1][0])
        scan_row[3], scan_row[4] = iso(scan_row[3]), iso(scan_row[4])
        tables[0] = ("scans", [tuple(scan_row)], tables[0][2])

        def write(conn):
            for table, values, cols in tables:
                marks = ", ".join("?" * len(cols.split(",")))
                conn.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", values)
        await store._run(write)
    else:
        scan_row = list(tables[0][1][0])
        scan_row[3], scan_row[4] = utc(scan_row[3]), utc(scan_row[4])
        tables[0] = ("scans", [tuple(scan_row)], tables[0][2])
        for table, values, cols in tables:
            marks = ", ".join(f"${i}" for i in range(1, len(cols.split(",")) + 1))
            await store._p().executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", values)


def test_dialects_share_versions():
    assert [m.version for m in SQLITE] == [m.version for m in POSTGRES] == list(range(1, LATEST + 1))
    assert LATEST >= 2


async def test_upgrade_from_v1_keeps_scans(store_location, labscans):
    first, _ = labscans.two_scans()
    a = annotate(first, None)
    old = open_history(store_location)
    old._target_version = 1
    async with old:
        assert await old.schema_version() == 1
        await _insert_v1(old, a)
    async with open_history(store_location) as store:
        assert await store.schema_version() == LATEST
        [record] = await store.list_scans()
        # v2 added the counters and backfilled them from the v1 rows
        assert (record.scan_id, record.devices, record.failing, record.new) == ("scan-a", 4, 4, 12)
        assert record.host is None and record.status == "complete"
        assert (await store.load_scan("scan-a")).model_dump() == a.model_dump()
        # and the upgraded store keeps working: the next scan diffs against the v1 scan
        prev = await store.previous_scan(labscans.SITE)
        assert prev.meta.scan_id == "scan-a"
    async with open_history(store_location) as store:  # reopening applies nothing twice
        assert await store.schema_version() == LATEST


async def test_newer_schema_is_refused(store_location):
    async with open_history(store_location) as store:
        if isinstance(store, SqliteHistory):
            await store._run(lambda c: c.execute(
                "INSERT INTO schema_version VALUES (99, 'from the future', '2099-01-01')"))
        else:
            await store._p().execute("INSERT INTO schema_version VALUES (99, 'from the future', now())")
    with pytest.raises(HistoryError, match="schema version 99, newer than"):
        async with open_history(store_location):
            pass
