"""Inline SVG trend lines (failing and unknown findings per scan): no script, no request, allowed by the CSP."""

from __future__ import annotations

from markupsafe import Markup, escape

from scanner.dashboard.queries import TrendPoint


def _polyline(values: list[int], width: int, height: int, top: int, css: str) -> str:
    if not values:
        return ""
    peak = max(top, 1)
    step = width / max(len(values) - 1, 1)
    points = " ".join(f"{i * step:.1f},{height - 2 - (v / peak) * (height - 4):.1f}" for i, v in enumerate(values))
    return f'<polyline class="{css}" fill="none" stroke-width="1.5" points="{points}"/>'


def sparkline(points: list[TrendPoint], width: int = 160, height: int = 28) -> Markup:
    if not points:
        return Markup("—")
    top = max(max(p.failing for p in points), max(p.unknown for p in points))
    body = (_polyline([p.unknown for p in points], width, height, top, "unknown")
            + _polyline([p.failing for p in points], width, height, top, "fail"))
    label = escape(f"{points[-1].failing} failing, {points[-1].unknown} unknown in the latest of {len(points)} scans")
    return Markup(f'<svg class="spark" width="{width}" height="{height}" role="img" aria-label="{label}">'
                  f"<title>{label}</title>{body}</svg>")


def trend_chart(points: list[TrendPoint], width: int = 720, height: int = 180) -> Markup:
    if not points:
        return Markup("<p>No scan in this period.</p>")
    top = max(max(p.failing for p in points), max(p.unknown for p in points), 1)
    plot_h = height - 20
    body = (_polyline([p.unknown for p in points], width, plot_h, top, "unknown")
            + _polyline([p.failing for p in points], width, plot_h, top, "fail"))
    first, last = points[0].started_at, points[-1].started_at
    labels = (f'<text x="0" y="{height - 4}">{first:%Y-%m-%d}</text>'
              f'<text x="{width}" y="{height - 4}" text-anchor="end">{last:%Y-%m-%d}</text>'
              f'<text x="{width}" y="10" text-anchor="end">max {top}</text>')
    label = escape(f"failing (red) and unknown (amber) findings in {len(points)} scans")
    return Markup(f'<svg class="trend" width="{width}" height="{height}" role="img" aria-label="{label}">'
                  f"<title>{label}</title>{body}{labels}</svg>")
