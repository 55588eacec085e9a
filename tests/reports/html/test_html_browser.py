"""The HTML report in a real headless Chromium without network: works, stays offline, shows hostile text."""

from __future__ import annotations

import asyncio
import json

import pytest

from profiles.findings import Result
from reports.html import render_html, write_html
from reports.model import ScanResult
from tests.reports.cdp import Chromium, chromium_available
from tests.reports.factory import HOSTILE_NAMES

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not chromium_available(), reason="needs /usr/bin/chromium (apt-get install chromium)"),
]


async def _open(browser, path):
    page = await browser.new_page()
    await page.goto(path.as_uri())
    await page.wait_for("document.documentElement.getAttribute('data-ready') === '1'")
    return page


def _offline(page, path) -> None:
    """Only the report itself and data: URLs were requested; nothing was blocked or logged as an error."""
    assert all(url == path.as_uri() or url.startswith("data:") for url in page.log.requests), (
        page.log.requests
    )
    assert page.log.errors() == []
    assert page.log.dialogs == []


async def test_report_works_offline_and_escapes_hostile_names(scan, tmp_path, artifacts):
    path = tmp_path / "report.html"
    write_html(scan, path)
    async with Chromium() as browser:
        page = await _open(browser, path)
        _offline(page, path)
        assert await page.evaluate("window.__cspViolations") == []
        assert await page.evaluate("document.scripts.length") == 2
        assert await page.evaluate("document.images.length") == 0

        # every device name is shown as text, exactly (no element was created from it)
        names = await page.evaluate(
            "Array.from(document.querySelectorAll('#camera-list .cname'), e => e.textContent)"
        )
        assert names[0] == "<script>alert(1)</script>"
        assert names[3].startswith("</script><img src=x onerror=alert(2)>")
        assert "[bold red]x[/bold red]" in names[1] and "\x1b" not in names[1]

        total = len(scan.findings)
        assert await page.evaluate("camauditReport.count()") == total
        assert await page.evaluate("document.querySelectorAll('#findings-table tbody tr').length") == min(
            total, 50
        )

        fails = sum(1 for f in scan.findings if f.result is Result.FAIL)
        await page.evaluate("camauditReport.filter({result: 'fail'})")
        assert await page.evaluate("camauditReport.count()") == fails
        rows = await page.evaluate(
            "Array.from(document.querySelectorAll('#findings-table tbody tr td:first-child'), "
            "e => e.textContent)"
        )
        assert rows and set(rows) == {"fail"}

        # free text narrows to the hostile camera's findings; the select filters combine with it
        await page.evaluate("camauditReport.filter({result: '', q: 'alert(1)'})")
        mine = sum(1 for f in scan.findings if f.device_name == HOSTILE_NAMES[0])
        assert await page.evaluate("camauditReport.count()") == mine
        await page.evaluate("camauditReport.filter({q: '', profile: 'gdpr-baseline', severity: 'high'})")
        expected = sum(1 for f in scan.findings if f.profile == "gdpr-baseline" and f.severity == "high")
        assert await page.evaluate("camauditReport.count()") == expected

        # typing in the search box (a real input event) filters too
        await page.evaluate("document.querySelector('#filters').reset()")
        await page.evaluate("""(() => { const q = document.querySelector('input[name=q]');
            q.value = 'CZ-REG-1'; q.dispatchEvent(new Event('input', {bubbles: true})); })()""")
        await page.wait_for("camauditReport.count() === 1")

        # sorting by severity puts critical first
        await page.evaluate("document.querySelector('#filters').reset()")
        await page.wait_for(f"camauditReport.count() === {total}")
        await page.click("th button[data-sort=severity]")
        first = await page.evaluate(
            "document.querySelector('#findings-table tbody tr td:nth-child(2)').textContent"
        )
        assert first == "critical"

        # a camera section opens with identity, facts and findings; its hostile strings stay text
        await page.click("#cam-0 > summary")
        body = await page.evaluate("document.querySelector('#cam-0 .body').textContent")
        assert "tds:GetDeviceInformation" in body and "Remove the audio encoder" in body
        assert await page.evaluate("document.scripts.length") == 2
        _offline(page, path)

        await page.evaluate("window.scrollTo(0, 0)")
        await page.screenshot(artifacts / "report-top.png")
        await page.evaluate("document.getElementById('findings').scrollIntoView()")
        await page.screenshot(artifacts / "report-findings.png")
        await page.evaluate("document.getElementById('cam-0').scrollIntoView()")
        await page.screenshot(artifacts / "report-camera.png")
        assert (artifacts / "report-top.png").stat().st_size > 10_000

        # a scan that found nothing renders without errors too
        empty = tmp_path / "empty.html"
        write_html(ScanResult(meta=scan.meta), empty)
        page = await _open(browser, empty)
        _offline(page, empty)
        assert await page.evaluate("camauditReport.count()") == 0
        assert await page.evaluate("document.getElementById('table-status').textContent") == "0 findings"


async def test_csp_blocks_foreign_scripts_and_requests(scan, tmp_path):
    """If something slipped into the page, the policy would stop it: the CSP is live, not decorative."""
    page_html = render_html(scan).replace("</body>", "<script>window.__injected = 1</script></body>")
    path = tmp_path / "tampered.html"
    path.write_text(page_html, encoding="utf-8")
    async with Chromium() as browser:
        page = await _open(browser, path)
        assert await page.evaluate("typeof window.__injected") == "undefined"
        outcome = await page.evaluate(
            "fetch('http://127.0.0.1:9/x').then(() => 'sent', e => 'blocked: ' + e.name)", await_promise=True
        )
        assert outcome.startswith("blocked")
        await page.evaluate("""(() => { const i = new Image(); i.src = 'http://127.0.0.1:9/pixel.png';
            document.body.appendChild(i); })()""")
        await page.wait_for("window.__cspViolations.length >= 3")
        violations = await page.evaluate("window.__cspViolations")
        directives = {v["directive"] for v in violations}
        assert {"script-src-elem", "connect-src", "img-src"} <= directives, json.dumps(violations)
        for _ in range(100):  # the loadingFailed event may trail the violation report a little
            foreign = [url for url in page.log.requests if url.startswith("http")]
            if all(url in page.log.blocked for url in foreign):
                break
            await asyncio.sleep(0.05)
        assert foreign and all(page.log.blocked.get(url) == "csp" for url in foreign), page.log.blocked
        assert not any(url.startswith("http") for url in page.log.responses)

        # positive control for the XSS check: a dialog that does open is seen (DevTools bypasses the CSP)
        await page.evaluate("setTimeout(function () { alert('probe'); }, 0)")
        for _ in range(100):
            if page.log.dialogs:
                break
            await asyncio.sleep(0.05)
        assert [d["message"] for d in page.log.dialogs] == ["probe"]
