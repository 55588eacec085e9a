"""Size, render time and filter time of the HTML report for a large fleet, in headless Chromium (no network).

    python bench/report_html.py [--cameras 1000] [--findings 60] [--runs 3] [--keep out.html]

The scan is the deterministic sample of tests/reports/factory.py. Render time is
measured in the page: from navigation start to the first frame painted after the
report's script marked the page ready (`data-ready`), median of fresh loads.
Filter time is `camauditReport.filter(...)` (synchronous: filter, sort, render the
first page) until the next frame, for several typical filters.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from reports.emit import write_reports
from reports.html import render_html
from tests.reports.cdp import Chromium
from tests.reports.factory import make_scan

_OBSERVE = """
window.__bench = {};
new MutationObserver(function (_, obs) {
  if (document.documentElement && document.documentElement.getAttribute('data-ready') === '1') {
    obs.disconnect();
    __bench.ready = performance.now();
    requestAnimationFrame(function () {
      setTimeout(function () { __bench.painted = performance.now(); }, 0);
    });
  }
}).observe(document, {attributes: true, subtree: true, attributeFilter: ['data-ready']});
"""

FILTERS = [
    {"result": "fail"},
    {"result": "", "severity": "critical"},
    {"severity": "", "q": "cam-0500"},
    {"q": "retention"},
    {"q": "", "profile": "gdpr-baseline", "result": "unknown"},
    {"profile": "", "result": "", "camera": "999"},
    {"camera": ""},
]


def _filter_js(values: dict) -> str:
    return f"""new Promise(function (resolve) {{
  var t0 = performance.now();
  var js = window.camauditReport.filter({json.dumps(values)});
  var n = window.camauditReport.count();
  requestAnimationFrame(function () {{
    setTimeout(function () {{ resolve([js, performance.now() - t0, n]); }}, 0);
  }});
}})"""


async def measure(path: Path, runs: int) -> dict:
    renders, filters = [], []
    async with Chromium() as browser:
        for run in range(runs):
            page = await browser.new_page()
            await page.send("Page.addScriptToEvaluateOnNewDocument", {"source": _OBSERVE})
            wall = await page.goto(path.as_uri(), timeout=120)
            await page.wait_for("window.__bench && window.__bench.painted !== undefined", timeout=120)
            bench = await page.evaluate("window.__bench")
            init = await page.evaluate("camauditReport.timings.initMs")
            renders.append(
                {"painted": bench["painted"], "ready": bench["ready"], "script": init, "load_wall": wall}
            )
            if run == runs - 1:
                for _ in range(3):  # three rounds; the median damps scheduling noise on a busy machine
                    for values in FILTERS:
                        js, frame, count = await page.evaluate(_filter_js(values), await_promise=True)
                        filters.append((values, js, frame, count))
                errors = page.log.errors()
                others = [u for u in page.log.requests if u != path.as_uri() and not u.startswith("data:")]
                if errors or others:
                    print(f"WARNING: console errors {errors[:3]} / foreign requests {others[:3]}")
            await page.send("Page.close")
    return {"renders": renders, "filters": filters}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cameras", type=int, default=1000)
    parser.add_argument("--findings", type=int, default=60, help="findings per camera")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="also keep the generated report here")
    args = parser.parse_args()

    t0 = time.perf_counter()
    scan = make_scan(args.cameras, findings_per_device=args.findings)
    t1 = time.perf_counter()
    html = render_html(scan)
    t2 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="camaudit-bench-report-") as tmp:
        path = Path(args.keep or Path(tmp) / "report.html").resolve()
        write_reports(scan, html=path)
        size = path.stat().st_size
        figs = asyncio.run(measure(path, args.runs))
    renders = figs["renders"]
    print(f"sample scan: {args.cameras} cameras, {len(scan.findings):,} findings (built in {t1 - t0:.1f} s)")
    print(
        f"HTML render in Python: {t2 - t1:.2f} s ({len(html):,} characters); "
        f"file size {size / 1e6:.2f} MB ({size:,} bytes)"
    )
    painted = [r["painted"] for r in renders]
    print(
        f"Chromium render (navigation start -> first frame after ready), median of {len(painted)}: "
        f"{statistics.median(painted):.0f} ms  [{', '.join(f'{p:.0f}' for p in painted)}]"
    )
    print(
        f"  of which the report script (parse data, build table page and camera list): "
        f"{statistics.median(r['script'] for r in renders):.0f} ms; load event wall "
        f"{statistics.median(r['load_wall'] for r in renders) * 1000:.0f} ms"
    )
    print("filter, median of 3 rounds (JS / until next frame / rows):")
    medians = []
    for i, values in enumerate(FILTERS):
        runs = figs["filters"][i :: len(FILTERS)]
        js, frame = statistics.median(r[1] for r in runs), statistics.median(r[2] for r in runs)
        medians.append(frame)
        print(f"  {json.dumps(values):58s} {js:6.1f} ms  {frame:6.1f} ms  {runs[0][3]:>7,}")
    print(f"slowest filter until frame (median): {max(medians):.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
