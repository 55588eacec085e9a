"""End to end on one machine: three site agents, the shipped Mosquitto example (TLS, client certificates, ACL),
two collectors, a real PostgreSQL and the dashboard in headless Chromium, with faults in between.

Each site is a copy of the demo fleet's first cameras on its own loopback range (127.0.21.x, .22.x, .23.x),
scanned by `camaudit watch --mqtt ... --mqtt-documents` every few seconds. Faults: a collector SIGKILLed
(and restarted), a malformed and an oversized message (dead letters), the broker SIGKILLed and restarted,
PostgreSQL restarted, an agent SIGKILLed (its site shows offline through its Last Will). Afterwards every scan
in every agent's local history is in PostgreSQL exactly once, and the dashboard shows the three sites with the
counts of their latest scans.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiomqtt
import pytest
import yaml

from lab.loader import load_fleet
from lab.server import run_fleet
from reports.mqtt.connection import build_tls_context
from scanner.dashboard.auth import hash_password
from tests.pgserver import PostgresUnavailable, TempPostgres
from tests.reports.cdp import Chromium, chromium_available
from tests.reports.mqtt._broker import MOSQUITTO
from tests.scanner.collect.sitebroker import ExampleMosquitto
from tests.scanner.dashboard.overview import log_in_and_read_sites
from tests.support.children import Child
from tests.support.ports import free_port
from tests.support.waiting import until as wait_until

ROOT = Path(__file__).resolve().parents[3]
SITES = {"A": "127.0.21", "B": "127.0.22", "C": "127.0.23"}
CAMERAS = 3
MAX_MESSAGE = 1_000_000

pytestmark = [pytest.mark.broker, pytest.mark.slow, pytest.mark.browser,
              pytest.mark.skipif(not Path(MOSQUITTO).exists(), reason="mosquitto is not installed"),
              pytest.mark.skipif(not chromium_available(), reason="needs /usr/bin/chromium"),
              pytest.mark.timeout(600)]


def _env(state: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAMAUDIT_TEST_BARRIER")}
    env.update(CAMAUDIT_STATE_DIR=str(state), CAMAUDIT_DEMO_PASSWORD="demo-pass", PYTHONPATH=str(ROOT),
               COLUMNS="200")
    return env


class Proc(Child):
    """A camaudit child process with its stderr in a file."""

    grace = 20.0

    def __init__(self, name: str, argv: list[str], workdir: Path) -> None:
        self.name, self.argv = name, argv
        self.state = workdir / name
        self.state.mkdir(parents=True, exist_ok=True)
        self.log = workdir / f"{name}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Proc:
        with open(self.log, "ab") as err:
            self.proc = subprocess.Popen([sys.executable, "-m", "scanner", *self.argv], env=_env(self.state),
                                         cwd=ROOT, stdin=subprocess.DEVNULL, stdout=err, stderr=err)
        return self

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


until = functools.partial(wait_until, timeout=240.0, every=0.5)  # a fleet of agents and a collector: minutes


@contextlib.asynccontextmanager
async def fleets(workdir: Path) -> AsyncIterator[dict[str, Path]]:
    """Three copies of the demo fleet's first cameras, one loopback range each, and their site files."""
    demo = load_fleet(ROOT / "lab" / "fleets" / "demo.yaml")
    site_doc = yaml.safe_load((ROOT / "lab" / "fleets" / "demo-site.yaml").read_text())
    paths: dict[str, Path] = {}
    async with contextlib.AsyncExitStack() as stack:
        for site, prefix in SITES.items():
            cams = [c.model_copy(update={"address": f"{prefix}.{c.address.rsplit('.', 1)[1]}"})
                    for c in demo.cameras[:CAMERAS]]
            running = await stack.enter_async_context(run_fleet(demo.model_copy(update={"cameras": cams}),
                                                                port_override=0))
            doc = dict(site_doc, name=site, title=f"Site {site}",
                       scope={"hosts": [f"{c.address}:{c.port}" for c in running.cameras]})
            names = {c.spec.name for c in running.cameras}
            doc["cameras"] = [c for c in site_doc.get("cameras", []) if c.get("name") in names]
            paths[site] = workdir / f"site-{site}.yaml"
            paths[site].write_text(yaml.safe_dump(doc, sort_keys=False))
        yield paths


def _local_scans(agent: Proc) -> set[str]:
    path = agent.state / "history.sqlite"
    if not path.exists():
        return set()
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)) as db:
        return {r[0] for r in db.execute("SELECT scan_id FROM scans WHERE status = 'complete'")}


async def test_three_sites_two_collectors_faults_and_dashboard(tmp_path):
    import asyncpg

    try:
        pg = TempPostgres().start()
    except PostgresUnavailable as exc:
        pytest.skip(str(exc))
    broker = ExampleMosquitto(tmp_path, sites=tuple(SITES)).start()
    procs: list[Proc] = []
    try:
        url = pg.url("test")
        async with fleets(tmp_path) as site_files:
            collectors = [Proc(f"collector-{n}", ["collect", "--history", url, "--collector-id", f"c{n}",
                                                  "--mqtt-client-id", f"collector-{n}", "--gap-grace", "2s",
                                                  "--gap-retry", "4s", "--gap-requests", "50",
                                                  "--max-message-bytes", str(MAX_MESSAGE),
                                                  *broker.cli_args("collector")], tmp_path) for n in (1, 2)]
            agents = {site: Proc(f"agent-{site}", ["watch", "--site", str(path), "--every", "8s", "--jitter", "0",
                                                   "--history", str(tmp_path / f"agent-{site}" / "history.sqlite"),
                                                   "--mqtt-client-id", f"agent-{site}", "--mqtt-documents",
                                                   "--mqtt-outbox", str(tmp_path / f"agent-{site}" / "outbox.sqlite"),
                                                   *broker.cli_args(site)], tmp_path)
                      for site, path in site_files.items()}
            procs += collectors + list(agents.values())
            for p in procs:
                p.start()
            db = await asyncpg.connect(url)

            async def scans_per_site(n: int) -> bool:
                try:
                    rows = await db.fetch("SELECT site, count(*) AS n FROM scans GROUP BY site")
                except (asyncpg.PostgresError, OSError, asyncpg.InterfaceError):
                    return False
                have = {r["site"]: r["n"] for r in rows}
                return all(have.get(s, 0) >= n for s in SITES)

            await until(lambda: scans_per_site(1), "a scan of every site in PostgreSQL")

            # a collector dies mid-batch, bad messages arrive meanwhile, it comes back
            collectors[0].kill()
            tls = build_tls_context(broker.mqtt_config("A"))
            async with aiomqtt.Client("127.0.0.1", broker.port, tls_context=tls,
                                      protocol=aiomqtt.ProtocolVersion.V5, identifier="bad-sender") as bad:
                await bad.publish("camaudit/v1/A/scandoc/broken/0", b"{not json", qos=1)
                await bad.publish("camaudit/v1/A/finding/x/y", b"x" * (MAX_MESSAGE + 1), qos=1)
            collectors[0].start()

            async def dead_letters() -> bool:
                return bool(await db.fetchval("SELECT count(*) FROM dead_letters") >= 2)

            # before the broker is killed: Mosquitto saves its queues only every autosave_interval, and a bad
            # message is not a scan that an agent's list would bring back
            await until(dead_letters, "the malformed and the oversized message in the dead letters")

            broker.kill()  # mid-scan: the agents scan every 8 s
            await asyncio.sleep(1)
            broker.start()

            await db.close()
            pg.restart()
            db = await asyncpg.connect(url)

            await until(lambda: scans_per_site(3), "three scans of every site after the faults")

            # a scan lost by the centre (as if the broker had dropped it): site A's agent still lists it, the
            # collectors ask for it on A's command topic, the agent sends it again from its local history
            lost = await db.fetchval("SELECT scan_id FROM scans WHERE site = 'A' ORDER BY started_at LIMIT 1")
            await db.execute("DELETE FROM scans WHERE scan_id = $1", lost)

            async def recovered() -> bool:
                return bool(await db.fetchval("SELECT count(*) FROM scans WHERE scan_id = $1", lost))

            await until(recovered, f"scan {lost} requested from site A's agent and stored again")
            gap = await db.fetchrow("SELECT requests, resolved_at FROM scan_gaps WHERE scan_id = $1", lost)
            assert gap is not None and gap["requests"] >= 1 and gap["resolved_at"] is not None, gap
            assert "asked site A's agent to re-send" in collectors[0].text() + collectors[1].text()

            async def converged() -> bool:
                try:
                    stored = {r[0] for r in await db.fetch("SELECT scan_id FROM scans WHERE status = 'complete'")}
                except (asyncpg.PostgresError, OSError):
                    return False
                return all(_local_scans(a) <= stored for a in agents.values())

            await until(converged, "every agent's complete scans in PostgreSQL")
            agents["C"].kill()  # Last Will: offline
            await until(lambda: _agent_status(db, "C", "offline"), "site C offline (Last Will)")

            dup = await db.fetchval("SELECT count(*) FROM (SELECT scan_id FROM devices GROUP BY scan_id, seq "
                                    "HAVING count(*) > 1) d")
            assert dup == 0
            mismatched = await db.fetchval(
                "SELECT count(*) FROM scans s WHERE s.devices_count != (SELECT count(*) FROM devices d "
                "WHERE d.scan_id = s.scan_id)")
            assert mismatched == 0, "every stored scan is whole"
            local = set().union(*(_local_scans(a) for a in agents.values()))
            stored = {r[0] for r in await db.fetch("SELECT scan_id FROM scans")}
            assert local <= stored, "every scan is in PostgreSQL"
            reasons = [r[0] for r in await db.fetch("SELECT reason FROM dead_letters")]
            assert any(r.startswith("malformed") for r in reasons), reasons
            assert any(r.startswith("oversized") for r in reasons), reasons
            logs = collectors[0].text() + collectors[1].text()
            assert "dead letter: malformed" in logs and "dead letter: oversized" in logs

            latest = {r["site"]: r for r in await db.fetch(
                "SELECT DISTINCT ON (site) site, scan_id, devices_count, fail_count FROM scans "
                "WHERE status = 'complete' ORDER BY site, started_at DESC")}
            unknown = {r["scan_id"]: r["n"] for r in await db.fetch(
                "SELECT scan_id, sum(count) AS n FROM scan_summaries WHERE result = 'unknown' GROUP BY scan_id")}
            await db.close()

            users = tmp_path / "users"
            users.write_text(f"dpo:{hash_password('correct horse')}\n")
            port = free_port()
            dashboard = Proc("dashboard", ["serve", "--history", url, "--listen", f"127.0.0.1:{port}",
                                           "--password-file", str(users)], tmp_path).start()
            procs.append(dashboard)
            await until(lambda: _listening(port), "the dashboard listens", timeout=60)
            async with Chromium(isolate_network=False) as browser:
                page = await browser.new_page()
                rows = await log_in_and_read_sites(page, f"http://127.0.0.1:{port}", sites=len(SITES))
                shown = {row[0]: row[1:] for row in rows}
                assert set(shown) == set(SITES)
                for site in SITES:
                    want = latest[site]
                    offline, devices, failing, unknown_shown, _dead = shown[site]
                    assert offline == (site == "C"), f"{site}: only C's agent is gone"
                    assert (devices, failing, unknown_shown) == (want["devices_count"], want["fail_count"],
                                                                 unknown.get(want["scan_id"], 0)), site
                    assert devices == CAMERAS
                assert shown["A"][4] >= 2, "site A's dead letters are shown"
                assert await page.evaluate("window.__cspViolations") == []
    finally:
        for p in reversed(procs):
            p.stop()
        broker.stop()
        pg.close()


async def _agent_status(db: Any, site: str, status: str) -> bool:
    return bool(await db.fetchval("SELECT bool_and(status = $2) FROM agents WHERE site = $1", site, status))


async def _listening(port: int) -> bool:
    try:
        _r, w = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return False
    w.close()
    return True
