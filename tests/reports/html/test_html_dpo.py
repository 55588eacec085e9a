"""The HTML report as a data-protection officer reads it: the first screen, honest counts, badges only on
failures, law and remedy beside each finding, evidence in sentences, and a printed PDF worth filing.

Checked in a real headless Chromium: DOM counts, pixels of screenshots, and the text of the printed PDF.
"""

from __future__ import annotations

import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from profiles.findings import Change, EvidenceRef, Result, Severity
from reports.drift import DriftSummary
from reports.html import _priorities, evidence_sentence, render_html, write_html
from tests.reports.cdp import Chromium, chromium_available
from tests.reports.factory import make_scan
from tests.reports.pngread import read_png

browser = pytest.mark.skipif(not chromium_available(), reason="needs /usr/bin/chromium (apt-get install chromium)")
CRITICAL_RED = (0xB7, 0x1C, 0x1C)  # .badge.s-critical background


def _near(pixel: tuple[int, int, int], colour: tuple[int, int, int], tol: int = 24) -> bool:
    return all(abs(a - b) <= tol for a, b in zip(pixel, colour, strict=True))


def _scan():
    scan = make_scan(6, hostile=False, with_changes=False)
    for f in scan.findings:  # one failing critical finding, so the badge colour can be looked for
        if f.result is Result.FAIL:
            f.severity = Severity.CRITICAL
            break
    return scan


def test_priorities_group_failing_rules_most_serious_first() -> None:
    scan = _scan()
    priorities = _priorities(scan)
    failing = [f for f in scan.findings if f.result is Result.FAIL]
    assert sum(len(p.cameras) for p in priorities) == len({(f.rule_id, f.profile, f.device_id) for f in failing})
    ranks = [(-p.severity.rank, -len(p.cameras)) for p in priorities]
    assert ranks == sorted(ranks)
    assert priorities[0].severity == "critical"
    assert all(p.law and p.title for p in priorities)


def test_counts_never_mix_results_and_first_scan_shows_no_new() -> None:
    scan = _scan()
    page = render_html(scan)
    counts = Counter(str(f.result) for f in scan.findings if not f.needs_declaration)
    assert f'id="count-fail"><span class="num">{counts["fail"]}</span>' in page
    assert f'id="count-pass"><span class="num">{counts["pass"]}</span>' in page
    assert f'id="count-unknown"><span class="num">{counts["unknown"] + counts["error"]}</span>' in page
    assert f">{len(scan.findings)}</span><span>findings" not in page  # no total that mixes passes and failures
    scan.drift = DriftSummary()  # no previous scan: the first recorded one
    assert scan.drift.first
    for f in scan.findings:
        f.change = Change.NEW
    first = render_html(scan)
    assert "first recorded scan" in first
    assert 'class="badge c-new">new' not in first and 'name="change"' not in first


def test_evidence_reads_as_sentences() -> None:
    assert evidence_sentence(EvidenceRef(key="media.audio_in_profiles", status="ok", value=["Profile_1"],
                                         source="trt:GetAudioEncoderConfigurations")) == \
        'Read media.audio_in_profiles = ["Profile_1"] (trt:GetAudioEncoderConfigurations).'
    assert evidence_sentence(EvidenceRef(key="users", status="denied")) == \
        "users: the camera refused to let it be read (access denied)."
    assert evidence_sentence(EvidenceRef(key="declaration.retention_hours", status="missing")) == \
        "No retention hours is declared."
    assert evidence_sentence(EvidenceRef(key="declaration.retention_hours", status="declared", value=72)) == \
        "Declared retention hours: 72."


async def _open(chromium: Chromium, path: Path):
    page = await chromium.new_page()
    await page.goto(path.as_uri())
    await page.wait_for("document.documentElement.getAttribute('data-ready') === '1'")
    return page


@browser
@pytest.mark.browser
async def test_first_screen_counts_badges_and_law(tmp_path: Path, artifacts: Path) -> None:
    scan = _scan()
    path = tmp_path / "report.html"
    write_html(scan, path)
    async with Chromium(window=(1280, 900)) as chromium:
        page = await _open(chromium, path)
        await page.screenshot(artifacts / "dpo-first-screen.png")
        # the first screen answers: how many cameras fail, what to do first (visible without scrolling)
        first_screen = await page.evaluate(
            "['verdict', 'summary-cards', 'priorities'].map(id => document.getElementById(id)"
            ".getBoundingClientRect().top < window.innerHeight)")
        assert first_screen == [True, True, True]
        verdict = await page.evaluate("document.getElementById('verdict').textContent.replace(/\\s+/g, ' ')")
        failing_cams = len({f.device_id for f in scan.findings if f.result is Result.FAIL}
                           & {d.device_id for d in scan.devices})
        assert f"{failing_cams} of {len(scan.devices)} cameras break at least one rule" in verdict
        # the header, the Cameras heading and the camera list agree on how many cameras were found
        subtitle = await page.evaluate("document.querySelector('header .sub').textContent")
        assert f"{len(scan.devices)} cameras" in subtitle
        assert await page.evaluate("document.querySelector('#cameras h2').textContent") == \
            f"Cameras ({len(scan.devices)})"
        status = await page.evaluate("document.getElementById('camera-status').textContent")
        assert status.startswith(f"{len(scan.devices)} cameras found")

        # every row of the findings table: a severity badge exactly when the result is fail; law beside it
        await page.evaluate("document.getElementById('page-size').value = '1000';"
                            "document.getElementById('page-size').dispatchEvent(new Event('change'))")
        rows = await page.evaluate("""Array.from(document.querySelectorAll('#findings-table tbody tr'), tr => ({
            res: tr.className, sev: tr.querySelectorAll('.badge[class*=" s-"]').length,
            law: tr.querySelector('td.law').textContent, remedy: !!tr.querySelector('td.law .remedy')}))""")
        assert len(rows) == len(scan.findings) - sum(f.needs_declaration for f in scan.findings)
        for row in rows:
            assert row["sev"] == (1 if row["res"] == "res-fail" else 0), row
            assert row["law"].strip()
            if row["res"] in ("res-pass", "res-not_applicable", "res-waived"):
                assert not row["remedy"]
        assert any(r["remedy"] for r in rows if r["res"] == "res-fail")
        # rule ids stay on one line
        broken = await page.evaluate("""Array.from(document.querySelectorAll('#findings-table td.rule')).filter(td => {
            var r = document.createRange(); r.selectNodeContents(td.firstChild); return r.getClientRects().length > 1;
        }).length""")
        assert broken == 0

        # pixels: the critical failing row shows the red badge; a passing row's severity cell shows none
        crit = await page.screenshot_of(
            "Array.from(document.querySelectorAll('#findings-table tbody tr.res-fail'))"
            ".find(tr => tr.querySelector('.s-critical')).children[1]", artifacts / "dpo-critical-cell.png")
        passing = await page.screenshot_of(
            "document.querySelector('#findings-table tbody tr.res-pass').children[1]", artifacts / "dpo-pass-cell.png")
        _, _, crit_px = read_png(crit)
        _, _, pass_px = read_png(passing)
        assert sum(_near(p, CRITICAL_RED) for row in crit_px for p in row) > 50
        assert not any(_near(p, CRITICAL_RED, 60) or min(p) < 200 for row in pass_px for p in row)

        # a camera section: evidence in sentences, with the raw reply one click away
        await page.evaluate("document.querySelector('details.camera.failing summary').click()")
        cell = await page.evaluate("""(function () {
            var tr = document.querySelector('details.camera[open] tr.res-fail');
            return {text: tr.textContent, raw: tr.querySelectorAll('details.raw').length,
                    sev: tr.querySelectorAll('.badge[class*=" s-"]').length}; })()""")
        assert "Evidence: Read " in cell["text"] and "[ok]" not in cell["text"]
        assert cell["sev"] == 1
        if cell["raw"]:
            await page.evaluate("document.querySelector('details.camera[open] details.raw summary').click()")
            raw = "document.querySelector('details.camera[open] details.raw pre').offsetHeight"
            assert await page.evaluate(raw) > 0


@browser
@pytest.mark.browser
@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs pdftotext (apt-get install poppler-utils)")
async def test_printed_pdf_is_the_dpo_file(tmp_path: Path, artifacts: Path) -> None:
    scan = _scan()
    path = tmp_path / "report.html"
    write_html(scan, path)
    async with Chromium() as chromium:
        page = await _open(chromium, path)
        pdf = await page.pdf(artifacts / "dpo-report.pdf")
    pages = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    n_pages = int(next(line.split()[-1] for line in pages.splitlines() if line.startswith("Pages:")))
    first = subprocess.run(["pdftotext", "-l", "1", "-layout", str(pdf), "-"], capture_output=True, text=True,
                           check=True).stdout
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = " ".join(text.split())
    assert "What to do first" in first and "break at least one rule" in first
    top = _priorities(scan)[0]
    assert top.rule_id in first
    failing = [f for f in scan.findings if f.result is Result.FAIL]
    passing = [f for f in scan.findings if f.result is Result.PASS]
    assert all(" ".join(f.message.split()) in flat for f in failing)  # every failure is on paper
    only_pass = {f.message for f in passing} - {f.message for f in scan.findings if f.result is not Result.PASS}
    assert only_pass and not any(" ".join(m.split()) in flat for m in only_pass)  # passes are left out
    assert "Printed view: passed and not-applicable results are left out" in flat
    printed = sum(f.result not in (Result.PASS, Result.NOT_APPLICABLE) for f in scan.findings)
    assert n_pages <= 2 + printed // 3, n_pages  # a file to keep, not a dump of every pass and raw fact
