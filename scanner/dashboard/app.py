"""The dashboard's web application (aiohttp + Jinja2): every site at a glance, one site in depth.

Pages are rendered on the server with autoescaping and carry no script; the CSP (header and meta) allows
only the one stylesheet by its hash, so the pages work without internet and load nothing from anywhere.
A site's latest report is the ordinary HTML report (reports/html), rendered from the stored scan.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib.resources import files
from typing import Any

from aiohttp import web
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from probes import clock
from reports.html import csp_hash
from scanner.dashboard.auth import Sessions, verify_password
from scanner.dashboard.charts import sparkline, trend_chart
from scanner.dashboard.queries import DashboardStore, SiteView
from scanner.history import UnknownScan

COOKIE = "camaudit_session"
RESULTS = ("fail", "unknown", "error", "pass", "not_applicable", "waived", "manual")
OPEN_PATHS = frozenset({"/login", "/healthz"})


@dataclass(frozen=True)
class DashboardOptions:
    users: dict[str, str] | None = None  # user -> scrypt hash (password file); None: proxy header
    auth_header: str | None = None
    offline_after: timedelta = timedelta(hours=26)
    trend_days: int = 90
    flag_after: int = 3  # re-send requests after which a missing scan is flagged
    secure_cookie: bool = False


_env = Environment(loader=PackageLoader("scanner.dashboard", "templates"), autoescape=select_autoescape(["j2"]),
                   trim_blocks=True, lstrip_blocks=True)
_CSS = files("scanner.dashboard").joinpath("dashboard.css").read_text(encoding="utf-8")
META_CSP = f"default-src 'none'; style-src {csp_hash(_CSS)}; img-src data:; base-uri 'none'; form-action 'self'"
CSP = f"{META_CSP}; frame-ancestors 'none'"  # frame-ancestors works only as a header
REPORT_CSP = "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"  # the report's own meta CSP does the rest


def _age(now: datetime) -> Callable[[SiteView], str]:
    def age(site: SiteView) -> str:
        delta = site.age(now)
        if delta is None:
            return "—"
        minutes = int(delta.total_seconds() // 60)
        if minutes < 120:
            return f"{minutes} min"
        if minutes < 48 * 60:
            return f"{minutes // 60} h"
        return f"{minutes // 1440} d"

    return age


def build_app(store: DashboardStore, options: DashboardOptions) -> web.Application:
    sessions = Sessions()

    def user_of(request: web.Request) -> str | None:
        if options.auth_header:
            value = request.headers.get(options.auth_header, "").strip()
            return value or None
        return sessions.user(request.cookies.get(COOKIE))

    @web.middleware
    async def guard(request: web.Request,
                    handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> web.StreamResponse:
        if request.path not in OPEN_PATHS:
            user = user_of(request)
            if user is None:
                if options.auth_header:
                    raise web.HTTPUnauthorized(text=f"missing {options.auth_header} (set by the reverse proxy)")
                raise web.HTTPFound("/login")
        response = await handler(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Cache-Control"] = "no-store"
        return response

    def page(template: str, request: web.Request, **context: Any) -> web.Response:
        now = clock.now()
        html = _env.get_template(template).render(csp=META_CSP, css=Markup(_CSS), user=user_of(request), now=now,
                                                  age=_age(now), **context)
        return web.Response(text=html, content_type="text/html")

    async def login_form(request: web.Request) -> web.Response:
        if options.auth_header:
            raise web.HTTPFound("/")
        return page("login.html.j2", request, failed=False)

    async def login(request: web.Request) -> web.Response:
        if options.users is None:
            raise web.HTTPNotFound()
        form = await request.post()
        user, password = str(form.get("user", "")), str(form.get("password", ""))
        encoded = options.users.get(user)
        ok = encoded is not None and await asyncio.to_thread(verify_password, password, encoded)
        if not ok:
            await asyncio.sleep(0.5)  # slows guessing down
            return page("login.html.j2", request, failed=True)
        response = web.HTTPFound("/")
        response.set_cookie(COOKIE, sessions.open(user), httponly=True, samesite="Strict", path="/",
                            secure=options.secure_cookie)
        raise response

    async def logout(request: web.Request) -> web.Response:
        sessions.close(request.cookies.get(COOKIE))
        response = web.HTTPFound("/login")
        response.del_cookie(COOKIE, path="/")
        raise response

    async def healthz(request: web.Request) -> web.Response:
        return web.Response(text="ok\n")

    async def overview(request: web.Request) -> web.Response:
        now = clock.now()
        sites = await store.sites(now, offline_after=options.offline_after, flag_after=options.flag_after)
        since = now - timedelta(days=options.trend_days)
        totals = await store.totals(since)
        sparks = {s.site: sparkline(totals.get(s.site, [])) for s in sites}
        return page("sites.html.j2", request, sites=sites, sparks=sparks, dead=await store.dead_letters(None, 10))

    async def _site(request: web.Request) -> SiteView:
        name = request.query.get("site", "")
        now = clock.now()
        for view in await store.sites(now, offline_after=options.offline_after, flag_after=options.flag_after):
            if view.site == name:
                return view
        raise web.HTTPNotFound(text="no such site")

    async def site(request: web.Request) -> web.Response:
        view = await _site(request)
        now = clock.now()
        points = await store.trend(view.site, now - timedelta(days=options.trend_days))
        latest: dict[tuple[str, str], dict[str, int]] = {}
        if points:
            for (profile, severity, result), n in sorted(points[-1].by_key.items()):
                latest.setdefault((profile, severity), {})[result] = n
        first = points[0].started_at if points else now
        return page("site.html.j2", request, site=view, chart=trend_chart(points), days=options.trend_days,
                    latest=sorted(latest.items()), results=RESULTS, gaps=await store.gaps(view.site),
                    dead=await store.dead_letters(view.site), default_a=f"{first:%Y-%m-%d}",
                    default_b=f"{now:%Y-%m-%d}")

    async def report(request: web.Request) -> web.Response:
        view = await _site(request)
        if view.scan_id is None:
            raise web.HTTPNotFound(text="no scan of this site yet")
        from reports.html import render_html

        try:
            result = await store.load_scan(view.scan_id)
        except UnknownScan as exc:
            raise web.HTTPNotFound(text=str(exc)) from None
        html = await asyncio.to_thread(render_html, result)
        return web.Response(text=html, content_type="text/html", headers={"Content-Security-Policy": REPORT_CSP})

    async def compare(request: web.Request) -> web.Response:
        view = await _site(request)
        try:
            a = datetime.strptime(request.query.get("a", ""), "%Y-%m-%d").replace(tzinfo=UTC)
            b = datetime.strptime(request.query.get("b", ""), "%Y-%m-%d").replace(tzinfo=UTC)
        except ValueError:
            raise web.HTTPBadRequest(text="dates must be YYYY-MM-DD") from None
        if b < a:
            a, b = b, a
        result = await store.compare(view.site, a, b)
        return page("compare.html.j2", request, cmp=result, a=f"{a:%Y-%m-%d}", b=f"{b:%Y-%m-%d}")

    app = web.Application(middlewares=[guard], client_max_size=64 * 1024)
    app.add_routes([web.get("/login", login_form), web.post("/login", login), web.post("/logout", logout),
                    web.get("/healthz", healthz), web.get("/", overview), web.get("/site", site),
                    web.get("/report", report), web.get("/compare", compare)])
    return app
