"""Console output: hostile device strings print literally, never as markup or terminal escapes."""

from __future__ import annotations

import io

from rich.console import Console

from reports.console import ScanProgress, render_summary, term_safe


def _render(scan, **kw) -> str:
    buf = io.StringIO()
    render_summary(scan, Console(file=buf, force_terminal=True, width=220, color_system="truecolor"), **kw)
    return buf.getvalue()


def test_hostile_names_print_literally(scan):
    out = _render(scan)
    assert "<script>alert(1)</script>" in out
    assert "[bold red]x[/bold red]" in out  # markup shown, not interpreted
    assert "?[31mred?[0m?" in out  # the camera's own escape sequence and bell were defused
    assert "\x07" not in out and "\x1b[31mred" not in out
    assert "\u2028" not in out


def test_summary_sections_and_counts(scan):
    out = _render(scan)
    plain = Console(file=io.StringIO(), width=220)
    assert "Cameras (6)" in out and "Profiles" in out and "Failing findings by severity" in out
    fails = [f for f in scan.findings if f.result == "fail"]
    assert f"Failing findings ({len(fails)})" in out
    for err in scan.meta.errors:
        assert err in out
    assert plain  # keeps the plain console import honest
    few = _render(scan, max_failures=2)
    assert f"and {len(fails) - 2} more failing findings" in few


def test_term_safe():
    assert term_safe("a\x1b[2Jb\u202ec") == "a?[2Jb?c"
    assert term_safe("x" * 50, limit=10) == "x" * 9 + "…"


def test_progress_counts_devices():
    buf = io.StringIO()
    with ScanProgress(Console(file=buf, force_terminal=True, width=160)) as progress:
        progress.discovered(3)
        progress.advance("cam2", "error")
        progress.advance("[bold]cam\x1b[31m", "ok")  # shown last, so it is in the final frame
    assert progress.counts == {"ok": 1, "error": 1}
    out = buf.getvalue()
    assert "[bold]cam?[31m" in out and "2/3" in out


def test_progress_says_discovering_until_the_total_is_known():
    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, width=160, color_system=None)
    with ScanProgress(console) as progress:
        progress._progress.refresh()  # a frame while discovery runs
        during = buf.getvalue()
        progress.discovered(2)
        progress.advance("cam1", "ok")
    assert "Discovering cameras" in during
    assert "0/?" not in during and "/?" not in buf.getvalue()
    final = buf.getvalue()[len(during):]
    assert "Reading cameras" in final and "1/2" in final
