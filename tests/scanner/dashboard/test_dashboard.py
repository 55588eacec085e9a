"""`camaudit serve`: the dashboard over a real PostgreSQL (throw-away server), through HTTP and in headless Chromium.

Three sites are stored the way the collector stores them; one agent said `offline` (its Last Will), one
site has a scan its agent listed that never arrived (flagged after three requests) and a dead letter.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from probes import clock
from scanner.collect import CollectorStore
from scanner.dashboard import DashboardOptions, DashboardStore, build_app
from scanner.dashboard.auth import hash_password, load_password_file, verify_password
from tests.reports.cdp import Chromium, chromium_available
from tests.scanner import labscans
from tests.scanner.dashboard.overview import log_in_and_read_sites
from tests.scanner.history.conftest import pg_schema
from tests.support.ports import free_port

SITES = ("alpha", "bravo", "charlie")


async def _fill(url: str) -> dict[str, Any]:
    """Three sites, two scans each (the lab fleet before and after its changes); expected counts per site."""
    now = clock.now()
    expected: dict[str, Any] = {}
    async with CollectorStore(url) as store:
        for n, site in enumerate(SITES):
            first = labscans.scan(labscans.CAMERAS, scan_id=f"{site}-1", started=now - timedelta(days=2, hours=n),
                                  site=site)
            second = labscans.scan(labscans.fleet_after_changes(), scan_id=f"{site}-2",
                                   started=now - timedelta(hours=3 + n), site=site, skew=0.7)
            for result in (first, second):
                await store.store_document(result, scanner_id=f"agent-{site}", received_at=now)
            await store.agent_status(site, f"agent-{site}", "offline" if site == "charlie" else "online", now)
            expected[site] = {"devices": len(second.devices),
                              "failing": sum(1 for f in second.findings if str(f.result) == "fail"),
                              "unknown": sum(1 for f in second.findings if str(f.result) == "unknown"),
                              "first": first, "second": second}
        await store.recent_scans("bravo", "agent-bravo", ["bravo-lost", "bravo-2", "bravo-1"], now - timedelta(hours=1))
        for _ in range(3):
            await store.due_gaps(now + timedelta(hours=1), grace=timedelta(0), retry=timedelta(0), max_requests=3)
        await store.dead_letter(topic="camaudit/v1/bravo/scandoc/x/0", site="bravo",
                                reason="malformed: scan document chunk: not JSON", payload=b"{not json",
                                received_at=now)
    return expected


@contextlib.asynccontextmanager
async def dashboard(url: str, options: DashboardOptions) -> AsyncIterator[str]:
    async with DashboardStore(url) as store:
        runner = web.AppRunner(build_app(store, options))
        await runner.setup()
        port = free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            await runner.cleanup()


def _users(tmp_path: Path) -> DashboardOptions:
    path = tmp_path / "users"
    path.write_text(f"# dashboard users\ndpo:{hash_password('correct horse')}\n")
    return DashboardOptions(users=load_password_file(path))


def test_password_hashes_and_file_errors(tmp_path):
    encoded = hash_password("s3cret")
    assert verify_password("s3cret", encoded) and not verify_password("S3cret", encoded)
    assert "s3cret" not in encoded
    bad = tmp_path / "users"
    bad.write_text("dpo:plain-text-password\n")
    from probes.errors import ConfigError

    with pytest.raises(ConfigError) as err:
        load_password_file(bad)
    assert "line 1" in str(err.value) or err.value.problems[0].line == 1


async def test_login_overview_counts_offline_gaps_report_and_comparison(tmp_path):
    async with pg_schema() as url:
        expected = await _fill(url)
        async with dashboard(url, _users(tmp_path)) as base, \
                aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:  # cookies for an IP
            async with http.get(f"{base}/", allow_redirects=False) as r:
                assert r.status == 302 and r.headers["Location"] == "/login", "login required"
            async with http.post(f"{base}/login", data={"user": "dpo", "password": "wrong"}) as r:
                assert "Wrong user name or password" in await r.text()
            async with http.post(f"{base}/login", data={"user": "dpo", "password": "correct horse"}) as r:
                assert r.status == 200
            async with http.get(f"{base}/") as r:
                page = await r.text()
                csp = r.headers["Content-Security-Policy"]
            assert "default-src 'none'" in csp and "script-src" not in csp
            for site in SITES:
                row = re.search(rf'<tr class="site( offline)?" data-site="{site}">(.*?)</tr>', page, re.S)
                assert row, site
                cells = dict(re.findall(r'<td class="num (\w+)">(?:<span[^>]*>)?(\d+)', row.group(2)))
                want = expected[site]
                assert (int(cells["devices"]), int(cells["failing"]), int(cells["unknown"])) == (
                    want["devices"], want["failing"], want["unknown"]), site
                assert bool(row.group(1)) == (site == "charlie"), f"only charlie's agent is offline: {site}"
            assert "1 (1 flagged)" in page, "bravo's missing scan is flagged after three requests"
            assert "malformed: scan document chunk" in page

            async with http.get(f"{base}/site", params={"site": "bravo"}) as r:
                detail = await r.text()
            assert "bravo-lost" in detail and "<svg class=\"trend\"" in detail

            async with http.get(f"{base}/report", params={"site": "alpha"}) as r:
                report = await r.text()
            assert r.status == 200 and "alpha-2" in report and 'http-equiv="Content-Security-Policy"' in report

            day = (clock.now() - timedelta(days=2)).strftime("%Y-%m-%d")
            today = clock.now().strftime("%Y-%m-%d")
            async with http.get(f"{base}/compare", params={"site": "alpha", "a": day, "b": today}) as r:
                compared = await r.text()
            first, second = expected["alpha"]["first"], expected["alpha"]["second"]
            was = {f.uid for f in first.findings if str(f.result) == "fail"}
            now_failing = {f.uid for f in second.findings if str(f.result) == "fail"}
            assert f"{len(now_failing - was)} newly failing" in compared
            assert f"{len(was - now_failing)} fixed" in compared

            async with http.post(f"{base}/logout", allow_redirects=False) as r:
                assert r.status == 302
            async with http.get(f"{base}/", allow_redirects=False) as r:
                assert r.status == 302, "logged out"


async def test_reverse_proxy_header(tmp_path):
    async with pg_schema() as url, dashboard(url, DashboardOptions(auth_header="X-Remote-User")) as base, \
            aiohttp.ClientSession() as http:
        async with http.get(f"{base}/") as r:
            assert r.status == 401
        async with http.get(f"{base}/", headers={"X-Remote-User": "dpo"}) as r:
            assert r.status == 200 and "dpo" in await r.text()


@pytest.mark.browser
@pytest.mark.skipif(not chromium_available(), reason="needs /usr/bin/chromium")
async def test_dashboard_in_headless_chromium(tmp_path):
    async with pg_schema() as url:
        expected = await _fill(url)
        async with dashboard(url, _users(tmp_path)) as base, Chromium(isolate_network=False) as browser:
            page = await browser.new_page()
            rows = [row[:5] for row in await log_in_and_read_sites(page, base, sites=len(SITES))]
            assert rows == [[s, s == "charlie", expected[s]["devices"], expected[s]["failing"], expected[s]["unknown"]]
                            for s in SITES]
            violations = await page.evaluate("window.__cspViolations")
            assert violations == [], violations
            assert all(u.startswith(base) or u.startswith("data:") for u in page.log.requests), page.log.requests
            assert page.log.errors() == []
