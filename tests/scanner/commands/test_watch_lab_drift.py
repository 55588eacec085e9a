"""The drift summary end to end: two real `watch --once` scans of the lab, the second's JSON, console and HTML.

Between the scans: audio turned on at school-corridor, retention raised at hotel-corridor,
hotel-lobby added to the scope, bank-vault removed from it. The scan document of the second
scan must carry exactly that drift (with the sentences of scanner.drift, the one source), the
console summary must list it, and the HTML report in a real Chromium must show it as text.
The demo fleet's undeclared camera (127.0.10.23) must be folded in the findings table but kept
in the JSON.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import yaml
from rich.console import Console

from reports.console import render_summary
from reports.drift import DRIFT_SCHEMA_ID
from reports.model import ScanResult
from scanner.cli import build_parser
from scanner.commands import watch
from scanner.drift import compare
from scanner.history import open_history
from tests.reports.cdp import Chromium, chromium_available

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.skipif(not chromium_available(), reason="needs /usr/bin/chromium (apt-get install chromium)"),
]

AUDIO = "audio turned on (profiles: Profile_1)"
RETENTION = "retention raised from 72 h to 30 d"


def _write_site(path: Path, site_doc: dict, cameras) -> None:
    doc = dict(site_doc)
    doc["scope"] = {"targets": ["127.0.10.0/24"], "ports": [80],
                    "hosts": [f"{c.address}:{c.port}" for c in cameras]}
    path.write_text(yaml.safe_dump(doc))


async def _two_scans(tmp_path: Path, monkeypatch) -> tuple[ScanResult, ScanResult, Path]:
    from lab import DEMO_FLEET, DEMO_SITE, load_fleet, run_fleet
    from lab.model import Audio, AudioSource

    monkeypatch.setenv("CAMAUDIT_DEMO_PASSWORD", "demo-pass")
    monkeypatch.setenv("CAMAUDIT_STATE_DIR", str(tmp_path / "state"))
    site_doc = yaml.safe_load(Path(DEMO_SITE).read_text())
    site, history = tmp_path / "site.yaml", tmp_path / "history.sqlite"
    out = tmp_path / "out"
    args = build_parser().parse_args(["watch", "--once", "--site", str(site), "--history", str(history),
                                      "--json", str(out / "{scan_id}.json"), "--html", str(out / "{scan_id}.html")])
    async with run_fleet(load_fleet(DEMO_FLEET), port_override=0) as running:
        _write_site(site, site_doc, [c for c in running.cameras if c.spec.name != "hotel-lobby"])
        assert await watch.run(args) == 4  # failing, and incomplete: lobby-old and the removed camera are not there
        corridor = running.camera("school-corridor").spec
        corridor.media.profiles[0].audio = Audio()
        corridor.media.audio_sources.append(AudioSource())
        running.camera("hotel-corridor").spec.recording.recordings[0].max_retention = "P30D"
        _write_site(site, site_doc, [c for c in running.cameras if c.spec.name != "bank-vault"])
        assert await watch.run(args) == 4  # failing, and incomplete: lobby-old and the removed camera are not there
    async with open_history(history) as store:
        second, first = await store.list_scans()
        stored = await store.load_scan(second.scan_id)
    assert stored.drift is not None  # stored with the scan, so `camaudit report <id>` shows it too
    a = ScanResult.load(out / f"{first.scan_id}.json")
    b = ScanResult.load(out / f"{second.scan_id}.json")
    return a, b, out / f"{second.scan_id}.html"


async def test_drift_summary_in_json_console_and_browser(tmp_path, monkeypatch):
    a, b, html = await _two_scans(tmp_path, monkeypatch)

    # JSON: the first scan has nothing to compare with; the second carries the drift.
    assert a.drift is not None and a.drift.first and a.drift.findings.new == len(a.findings)
    drift = b.drift
    assert drift is not None and drift.version == DRIFT_SCHEMA_ID
    assert drift.previous_scan_id == a.meta.scan_id == b.meta.previous_scan_id
    assert drift.previous_started_at == a.meta.started_at
    assert [(d.name, d.address) for d in drift.new_devices] == [("hotel-lobby", "127.0.10.12")]
    assert [d.name for d in drift.vanished_devices] == ["bank-vault"]
    full = compare(b, a)  # what `camaudit diff` prints: the same sentences, the same counts
    assert {(c.device_name, c.key, c.sentence) for c in drift.fact_changes} == {
        (c.device_name, c.key, c.sentence) for c in full.fact_changes}
    assert drift.fact_changes_total == len(full.fact_changes)
    assert drift.findings.model_dump() == {k: full.counts[k] for k in ("new", "changed", "resolved", "persisting")}
    sentences = {(c.device_name, c.sentence) for c in drift.fact_changes if c.important}
    assert ("school-corridor", AUDIO) in sentences and ("hotel-corridor", RETENTION) in sentences
    audio = next(c for c in drift.fact_changes if c.sentence == AUDIO)
    assert (audio.before, audio.after) == ("no audio", "Profile_1")
    retention = next(c for c in drift.fact_changes if c.sentence == RETENTION)
    assert (retention.before, retention.after) == ("retention 72 h", "retention 30 d")

    # Console: a short block with the new and vanished cameras and the readable fact changes.
    buf = io.StringIO()
    render_summary(b, Console(file=buf, width=200, color_system=None))
    console = buf.getvalue()
    block = console[console.index("Changes since last scan"):]
    assert f"scan {a.meta.scan_id}" in block
    assert "+ new camera hotel-lobby (127.0.10.12)" in block
    assert "- vanished camera bank-vault" in block
    assert f"school-corridor: {AUDIO}" in block and f"hotel-corridor: {RETENTION}" in block
    assert f"findings: {drift.findings.new} new, {drift.findings.changed} changed" in block

    # The undeclared camera: every finding stays in the JSON, the console groups the waiting ones.
    waiting = [f for f in b.findings if f.needs_declaration]
    undeclared = {f.device_id for f in waiting}
    assert len(undeclared) == 1 and len(waiting) >= 20
    inv = [f for f in b.findings if f.device_id in undeclared and f.rule_id == "GDPR-INV-1"]
    assert [f.result.value for f in inv] == ["fail"]
    assert f"1 undeclared camera: {len(waiting)} rule results need a declaration" in console

    artifacts = Path(__file__).resolve().parents[3] / "artifacts" / "reports"  # for people to look at
    artifacts.mkdir(parents=True, exist_ok=True)
    (artifacts / "drift-report.html").write_text(html.read_text(encoding="utf-8"), encoding="utf-8")
    async with Chromium() as browser:
        page = await browser.new_page()
        await page.goto(html.as_uri())
        await page.wait_for("document.documentElement.getAttribute('data-ready') === '1'")
        assert page.log.errors() == []
        assert all(u == html.as_uri() or u.startswith("data:") for u in page.log.requests)
        section = await page.evaluate("document.getElementById('changes').innerText")
        assert "New cameras (1)" in section and "hotel-lobby" in section
        assert "Vanished cameras (1)" in section and "bank-vault" in section
        assert AUDIO in section and RETENTION in section
        # the fact-change rows are real table rows with the camera in the first cell
        rows = await page.evaluate("Array.from(document.querySelectorAll('#fact-changes tbody tr'),"
                                   " r => [r.cells[0].innerText, r.cells[1].innerText])")
        assert ["school-corridor", AUDIO] in rows and ["hotel-corridor", RETENTION] in rows
        # findings table: the waiting unknowns are folded away, and come back when asked for
        total = len(b.findings)
        assert await page.evaluate("camauditReport.count()") == total - len(waiting)
        status = await page.evaluate("document.getElementById('table-status').textContent")
        assert f"{len(waiting)} unknown for want of a declaration folded away" in status
        await page.evaluate("document.querySelector('#filters').elements.decl.checked = true;"
                            " camauditReport.applyFilters()")
        assert await page.evaluate("camauditReport.count()") == total
        assert await page.evaluate("window.__cspViolations") == []
