"""Upgrades are a feature: history stores written by every earlier release open, migrate in place and keep working.

The stores were written by the released code (tests/compat/v<release>/README.md); this test runs the current
code on each: the schema is migrated to the latest version, both scans read back with every fact and finding
they held, drift against the older scan is computed, and a new scan is recorded next to them.
"""

from __future__ import annotations

import contextlib
import gzip
import itertools
import os
import sqlite3
import subprocess

import pytest

from reports.jsonout import load_scan
from reports.model import ScanResult
from scanner.drift import compare
from scanner.history import open_history
from scanner.history.migrations import LATEST
from scanner.history.model import ScanStatus
from tests import pgserver
from tests.compat import RELEASES
from tests.compat.releases import Release

_databases = itertools.count()


def _signature(result: ScanResult) -> tuple[set[tuple[str, str, str]], list[tuple[str, str, str]]]:
    """What a scan said, independent of how values are modelled: fact statuses and finding results."""
    facts = {(d.device_id, key, str(fact.status)) for d in result.devices for key, fact in d.facts.items()}
    findings = sorted((f.rule_id, f.device_id, str(f.result)) for f in result.findings)
    return facts, findings


@pytest.fixture(params=RELEASES, ids=lambda release: release.version)
def release(request) -> Release:
    return request.param


@pytest.fixture
def reference(release, tmp_path) -> ScanResult:
    """The second scan, as the release wrote its scan document in the same run."""
    return load_scan(release.unpack("scan.json", tmp_path))


@pytest.fixture(params=["sqlite", "postgres"])
async def old_store(request, release, tmp_path):
    """A location holding the store the release wrote: an SQLite file, or a fresh PostgreSQL database restored
    from the release's dump (tables in schema `camaudit`)."""
    if request.param == "sqlite":
        path = release.unpack("history.sqlite", tmp_path)
        with contextlib.closing(sqlite3.connect(path)) as db:  # as the release left it, before any migration
            assert db.execute("SELECT max(version) FROM schema_version").fetchone() == (release.history_schema,)
        yield str(path)
        return
    import asyncpg
    try:
        url = pgserver.shared_url()
    except pgserver.PostgresUnavailable as exc:
        pytest.skip(str(exc))
    name = f"compat_v{release.version.replace('.', '')}_{os.getpid()}_{next(_databases)}"
    admin = await asyncpg.connect(url, timeout=10)
    await admin.execute(f"CREATE DATABASE {name}")
    try:
        db_url = url.replace("/test?", f"/{name}?", 1) if "/test?" in url else url.rsplit("/", 1)[0] + f"/{name}"
        with gzip.open(release.directory / "history-postgres.sql.gz", "rb") as dump:
            restored = subprocess.run([str(pgserver.bin_dir() / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", db_url],
                                      input=dump.read(), capture_output=True, timeout=120, check=False)
        assert restored.returncode == 0, restored.stderr.decode(errors="replace")
        yield pgserver.with_search_path(db_url, "camaudit")
    finally:
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await admin.close()


async def test_an_earlier_releases_store_migrates_and_keeps_its_scans(old_store, release, reference) -> None:
    async with open_history(old_store) as store:
        assert await store.schema_version() == LATEST
        records = await store.list_scans()
        assert [r.status for r in records] == [ScanStatus.COMPLETE, ScanStatus.COMPLETE]
        assert {r.site for r in records} == {release.site}
        newest, older = [await store.load_scan(r.scan_id) for r in records]
        for scan in (newest, older):
            assert len(scan.devices) == release.devices and len(scan.findings) == release.findings
            assert sum(len(d.facts) for d in scan.devices) == release.facts
            assert _signature(scan) == _signature(reference)  # the lab is deterministic: both scans said the same
        if old_store.endswith("history.sqlite"):
            assert newest.meta.scan_id == reference.meta.scan_id
        previous = await store.previous_scan(release.site, before=newest.meta.started_at)
        assert previous is not None and previous.meta.scan_id == older.meta.scan_id
    drift = compare(newest, older)
    assert drift.scan_id == newest.meta.scan_id


async def test_an_earlier_releases_migrated_store_records_new_scans(old_store, reference) -> None:
    later = reference.model_copy(update={"meta": reference.meta.model_copy(
        update={"scan_id": "after-upgrade-1", "started_at": reference.meta.started_at.replace(year=2100)})})
    async with open_history(old_store) as store:
        await store.commit_scan(later)
        records = await store.list_scans()
        assert [r.scan_id for r in records][0] == "after-upgrade-1" and len(records) == 3
        assert _signature(await store.load_scan("after-upgrade-1")) == _signature(reference)
