"""Reading the dashboard's overview as a user sees it, in headless Chromium (tests.reports.cdp)."""

from __future__ import annotations

from typing import Any

SITE_ROWS = ("[...document.querySelectorAll('tr.site')].map(r => [r.dataset.site, r.classList.contains('offline'), "
             "+r.querySelector('.devices').textContent, +r.querySelector('.failing').textContent, "
             "+r.querySelector('.unknown').textContent, +r.querySelector('.dead').textContent])")


async def log_in_and_read_sites(page: Any, base: str, *, sites: int, user: str = "dpo",
                                password: str = "correct horse") -> list[list[Any]]:
    """Log in through the form, wait for `sites` rows and return them as they read: [site, offline, devices,
    failing, unknown, dead letters] each."""
    await page.goto(f"{base}/")
    await page.wait_for("document.querySelector('form.login') !== null")
    await page.evaluate(f"document.querySelector('input[name=user]').value = {user!r};"
                        f"document.querySelector('input[name=password]').value = {password!r};"
                        "document.querySelector('form.login').submit()")
    await page.wait_for(f"document.querySelectorAll('tr.site').length === {sites}")
    rows: list[list[Any]] = await page.evaluate(SITE_ROWS)
    return rows
