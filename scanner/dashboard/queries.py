"""What the dashboard reads from the central PostgreSQL history (tables of scanner/collect/store.py).

Everything the overview needs comes from the small tables (`scans` rows, `scan_summaries`, `agents`,
`scan_gaps`, `dead_letters`), never from the per-finding rows, so the overview stays fast however many
scans are kept; only a drill-down or a comparison reads one or two scans' findings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from scanner.history._rows import utc
from scanner.history.postgres import PostgresHistory


@dataclass
class AgentView:
    scanner_id: str
    status: str | None
    status_at: datetime | None
    recent_at: datetime | None


@dataclass
class SiteView:
    """One row of the overview."""

    site: str
    scan_id: str | None = None
    started_at: datetime | None = None
    devices: int = 0
    failing: int = 0
    unknown: int = 0
    agents: list[AgentView] = field(default_factory=list)
    gaps_open: int = 0
    gaps_flagged: int = 0  # requested the most times and still missing
    dead_letters: int = 0
    offline: bool = False
    offline_reason: str | None = None

    def age(self, now: datetime) -> timedelta | None:
        return now - self.started_at if self.started_at else None


@dataclass
class TrendPoint:
    scan_id: str
    started_at: datetime
    failing: int
    unknown: int
    by_key: dict[tuple[str, str, str], int]  # (profile, severity, result) -> count


@dataclass
class Comparison:
    site: str
    before: tuple[str, datetime] | None
    after: tuple[str, datetime] | None
    newly_failing: list[dict[str, Any]] = field(default_factory=list)
    fixed: list[dict[str, Any]] = field(default_factory=list)
    still_failing: int = 0
    unknown_before: int = 0
    unknown_after: int = 0


class DashboardStore(PostgresHistory):
    """Read side of the central history; use as `async with DashboardStore(url) as store`."""

    async def sites(self, now: datetime, *, offline_after: timedelta, flag_after: int) -> list[SiteView]:
        async with self._db("read the overview") as conn:
            return await self._sites(conn, now, offline_after=offline_after, flag_after=flag_after)

    @staticmethod
    async def _sites(conn: Any, now: datetime, *, offline_after: timedelta, flag_after: int) -> list[SiteView]:
        latest = await conn.fetch(
            "SELECT DISTINCT ON (site) site, scan_id, started_at, devices_count, fail_count FROM scans "
            "WHERE status = 'complete' ORDER BY site, started_at DESC")
        views = {r["site"]: SiteView(r["site"], r["scan_id"], utc(r["started_at"]), r["devices_count"],
                                     r["fail_count"]) for r in latest}
        if views:
            for row in await conn.fetch(
                    "SELECT scan_id, sum(count) AS n FROM scan_summaries WHERE scan_id = ANY($1::text[]) "
                    "AND result = 'unknown' GROUP BY scan_id", [v.scan_id for v in views.values()]):
                for view in views.values():
                    if view.scan_id == row["scan_id"]:
                        view.unknown = int(row["n"])
        for row in await conn.fetch("SELECT site, scanner_id, status, status_at, recent_at FROM agents "
                                    "ORDER BY site, scanner_id"):
            view = views.setdefault(row["site"], SiteView(row["site"]))
            view.agents.append(AgentView(row["scanner_id"], row["status"],
                                         utc(row["status_at"]) if row["status_at"] else None,
                                         utc(row["recent_at"]) if row["recent_at"] else None))
        for row in await conn.fetch(
                "SELECT site, count(*) AS open, count(*) FILTER (WHERE requests >= $1) AS flagged FROM scan_gaps "
                "WHERE resolved_at IS NULL GROUP BY site", flag_after):
            view = views.setdefault(row["site"], SiteView(row["site"]))
            view.gaps_open, view.gaps_flagged = int(row["open"]), int(row["flagged"])
        for row in await conn.fetch("SELECT site, count(*) AS n FROM dead_letters WHERE site IS NOT NULL "
                                    "GROUP BY site"):
            if row["site"] in views:
                views[row["site"]].dead_letters = int(row["n"])
        for view in views.values():
            _judge_offline(view, now, offline_after)
        return sorted(views.values(), key=lambda v: v.site)

    async def trend(self, site: str, since: datetime) -> list[TrendPoint]:
        async with self._db(f"read site {site!r}'s trend") as conn:
            rows = await conn.fetch(
                "SELECT scan_id, started_at, profile, severity, result, count FROM scan_summaries "
                "WHERE site = $1 AND started_at >= $2 ORDER BY started_at, scan_id", site, utc(since))
        points: dict[str, TrendPoint] = {}
        for r in rows:
            point = points.setdefault(r["scan_id"], TrendPoint(r["scan_id"], utc(r["started_at"]), 0, 0, {}))
            point.by_key[(r["profile"], r["severity"], r["result"])] = r["count"]
            if r["result"] == "fail":
                point.failing += r["count"]
            elif r["result"] in ("unknown", "error"):
                point.unknown += r["count"]
        return list(points.values())

    async def totals(self, since: datetime) -> dict[str, list[TrendPoint]]:
        """Failing and unknown counts per scan of every site (the overview's trend lines), summed in SQL."""
        async with self._db("read the trend lines") as conn:
            rows = await conn.fetch(
                "SELECT site, scan_id, started_at, coalesce(sum(count) FILTER (WHERE result = 'fail'), 0) AS failing, "
                "coalesce(sum(count) FILTER (WHERE result IN ('unknown', 'error')), 0) AS unknown "
                "FROM scan_summaries WHERE started_at >= $1 GROUP BY site, scan_id, started_at "
                "ORDER BY site, started_at, scan_id", utc(since))
        out: dict[str, list[TrendPoint]] = {}
        for r in rows:
            out.setdefault(r["site"], []).append(TrendPoint(r["scan_id"], utc(r["started_at"]), int(r["failing"]),
                                                            int(r["unknown"]), {}))
        return out

    async def latest_scan_id(self, site: str, before: datetime | None = None) -> tuple[str, datetime] | None:
        async with self._db(f"find site {site!r}'s latest scan") as conn:
            row = await conn.fetchrow(
                "SELECT scan_id, started_at FROM scans WHERE site = $1 AND status = 'complete' "
                "AND ($2::timestamptz IS NULL OR started_at < $2) ORDER BY started_at DESC LIMIT 1",
                site, utc(before) if before else None)
        return (row["scan_id"], utc(row["started_at"])) if row else None

    async def dead_letters(self, site: str | None, limit: int = 20) -> list[dict[str, Any]]:
        async with self._db("read the dead letters") as conn:
            rows = await conn.fetch(
                "SELECT received_at, topic, reason, size FROM dead_letters WHERE ($1::text IS NULL OR site = $1) "
                "ORDER BY id DESC LIMIT $2", site, limit)
        return [dict(r) for r in rows]

    async def gaps(self, site: str) -> list[dict[str, Any]]:
        async with self._db(f"read site {site!r}'s gaps") as conn:
            rows = await conn.fetch(
                "SELECT scan_id, scanner_id, first_seen, requests, requested_at FROM scan_gaps "
                "WHERE site = $1 AND resolved_at IS NULL ORDER BY scan_id", site)
        return [dict(r) for r in rows]

    async def compare(self, site: str, day_a: datetime, day_b: datetime) -> Comparison:
        """The site's latest scan of each day (or before it), and which failures came and went between them."""
        before = await self.latest_scan_id(site, day_a + timedelta(days=1))
        after = await self.latest_scan_id(site, day_b + timedelta(days=1))
        out = Comparison(site, before, after)
        if before is None or after is None:
            return out
        query = ("SELECT uid, rule_id, device_id, result, severity, doc_json->>'device_name' AS device_name, "
                 "doc_json->>'title' AS title FROM findings WHERE scan_id = $1")
        async with self._db(f"compare site {site!r}'s scans") as conn:
            a = {r["uid"]: dict(r) for r in await conn.fetch(query, before[0])}
            b = {r["uid"]: dict(r) for r in await conn.fetch(query, after[0])}
        failing_a = {u for u, r in a.items() if r["result"] == "fail"}
        failing_b = {u for u, r in b.items() if r["result"] == "fail"}
        out.newly_failing = sorted((b[u] for u in failing_b - failing_a), key=lambda r: (r["rule_id"], r["device_id"]))
        out.fixed = sorted((a[u] for u in failing_a - failing_b), key=lambda r: (r["rule_id"], r["device_id"]))
        out.still_failing = len(failing_a & failing_b)
        out.unknown_before = sum(1 for r in a.values() if r["result"] in ("unknown", "error"))
        out.unknown_after = sum(1 for r in b.values() if r["result"] in ("unknown", "error"))
        return out


def _judge_offline(view: SiteView, now: datetime, offline_after: timedelta) -> None:
    """Offline: every agent said `offline` (or its Last Will did), or no scan within `offline_after`."""
    if view.agents and all(a.status == "offline" for a in view.agents):
        view.offline, view.offline_reason = True, "agent offline (status / Last Will)"
    elif view.started_at is None:
        view.offline, view.offline_reason = True, "no scan received yet"
    elif now - view.started_at > offline_after:
        view.offline, view.offline_reason = True, f"no scan for more than {offline_after}"
