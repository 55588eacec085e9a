"""Terminal output: a progress display while scanning and a summary at the end.

Device strings are hostile: they may carry rich markup ("[bold]") or terminal
escape sequences. They are always wrapped in `Text` (never parsed as markup) after
`term_safe` has removed control and bidi-override characters.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from types import TracebackType
from typing import Self

from rich import box
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from probes import factvalues as fv
from probes.readstatus import ReadStatus
from profiles.findings import Finding, Result, Severity
from reports._index import device_index, device_name
from reports.coverage import coverage_of, coverage_sentence, verdict_sentence
from reports.drift import DriftSummary
from reports.model import Coverage, ScanResult

# C0/C1 controls, DEL, and bidi/zero-width formatting characters that can reorder or hide text.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2028\u2029\u2066-\u2069\ufeff]")

RESULT_STYLE = {
    Result.PASS: "green",
    Result.FAIL: "bold red",
    Result.UNKNOWN: "yellow",
    Result.NOT_APPLICABLE: "dim",
    Result.WAIVED: "cyan",
    Result.MANUAL: "magenta",
    Result.ERROR: "bold magenta",
}
SEVERITY_STYLE = {
    Severity.INFO: "dim",
    Severity.LOW: "blue",
    Severity.MEDIUM: "yellow",
    Severity.HIGH: "red",
    Severity.CRITICAL: "bold white on red",
}
_COUNT_COLUMNS = (
    Result.FAIL,
    Result.UNKNOWN,
    Result.WAIVED,
    Result.MANUAL,
    Result.ERROR,
    Result.PASS,
    Result.NOT_APPLICABLE,
)


# A pipe or file has no width: lines up to this long are never wrapped, so ids stay whole for grep and a
# table row stays one line; only free text longer than this wraps.
PIPE_WIDTH = 1000


def make_console(*, stderr: bool = False, quiet: bool = False) -> Console:
    """The CLI's console: a terminal's own width, or PIPE_WIDTH when output goes to a pipe or file.

    Colours follow rich's rules (none when piped; NO_COLOR, which `--no-color` sets, turns them off).
    """
    console = Console(stderr=stderr, quiet=quiet)
    if not is_tty(console):  # also when FORCE_COLOR makes rich treat the pipe as a terminal
        console.width = PIPE_WIDTH
    return console


def is_tty(console: Console) -> bool:
    """Whether the console writes to a real terminal (a person reading), not a pipe, file or CI log."""
    isatty = getattr(console.file, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # closed file
        return False


def print_error(console: Console, message: object, label: str = "error", style: str = "red") -> None:
    """`label: message` with the message printed literally: `[postgres]` or `^[a-z]*$` are not markup."""
    console.print(Text.assemble((f"{label}:", style), " ", str(message)))


def term_safe(value: object, limit: int = 200) -> str:
    """Text with control characters replaced by '?', cut to `limit` characters."""
    text = _UNSAFE.sub("?", "" if value is None else str(value))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def safe_text(value: object, style: str = "", limit: int = 200) -> Text:
    """A rich Text that prints `value` literally (no markup, no escapes)."""
    return Text(term_safe(value, limit), style=style)


DISCOVERING = "Discovering cameras"


class _CountColumn(MofNCompleteColumn):
    """`done/total` once the total is known; nothing while discovery still runs (never "0/?")."""

    def render(self, task):  # type: ignore[no-untyped-def]
        return Text("") if task.total is None else super().render(task)


class ScanProgress:
    """Progress of a scan over devices.

    `with ScanProgress(console) as p: p.discovered(n); p.advance(label, status)`.

    The first argument may be the console or the expected number of devices.
    """

    def __init__(
        self,
        console: Console | int | None = None,
        *,
        total: int | None = None,
        description: str = "Reading cameras",
        transient: bool = False,
    ) -> None:
        if isinstance(console, int):
            console, total = None, console
        self.console = console or Console(stderr=True)
        self.counts: Counter[str] = Counter()
        self._description = description
        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),  # pulses while the total is unknown (discovery), then fills
            _CountColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.fields[last]}", markup=False),
            console=self.console,
            transient=transient,
        )
        self._total = total
        self._task: TaskID | None = None

    def __enter__(self) -> Self:
        self._progress.start()
        label = self._description if self._total is not None else DISCOVERING
        self._task = self._progress.add_task(label, total=self._total, last="")
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._progress.stop()

    def _task_id(self) -> TaskID:
        if self._task is None:
            raise RuntimeError("use ScanProgress as a context manager (with ScanProgress(...) as progress)")
        return self._task

    def discovered(self, total: int) -> None:
        """Set the number of devices once discovery knows it; the label turns from discovering to reading."""
        self._progress.update(self._task_id(), total=total, description=self._description)

    set_total = discovered

    def advance(self, device_label: str, status: str = "ok") -> None:
        """One device done; `status` is tallied (ok, error, unreachable ...) and shown with its label."""
        self.counts[str(status)] += 1
        tally = " ".join(f"{k}:{v}" for k, v in sorted(self.counts.items()))
        self._progress.update(
            self._task_id(),
            advance=1,
            last=f"{term_safe(device_label, 40)} [{term_safe(status, 20)}]  {tally}",
        )


def _counts_row(findings: Iterable[Finding], columns: Sequence[Result] = _COUNT_COLUMNS, *,
                decl: bool = False) -> list[Text]:
    """Counts per result; with `decl`, unknowns that wait for a declaration get their own last column."""
    counts: Counter[Result] = Counter()
    waiting = 0
    for f in findings:
        if decl and f.needs_declaration:
            waiting += 1
        else:
            counts[f.result] += 1
    cells = [
        Text(str(counts[r]) if counts[r] else "·", style=RESULT_STYLE[r] if counts[r] else "dim")
        for r in columns
    ]
    if decl:
        cells.append(Text(str(waiting) if waiting else "·", style="yellow" if waiting else "dim"))
    return cells


_SHORT_HEADER = {"not_applicable": "n/a", "unknown": "unkn", "waived": "waiv", "manual": "man"}


def _count_table(title: str, *first: str, narrow: bool = False, whole: bool = False,
                 columns: Sequence[Result] = _COUNT_COLUMNS, decl: bool = False) -> Table:
    """Counts per result; on narrow terminals short headers and one-line, ellipsised names (`whole`: never cut)."""
    table = Table(title=title, title_justify="left", show_lines=False, header_style="bold",
                  box=box.SIMPLE_HEAD, pad_edge=False)
    for name in first:
        if name == "address":
            table.add_column(name, no_wrap=True, min_width=11)
        elif name == "read":
            table.add_column(name, no_wrap=True, overflow="ellipsis", max_width=12 if narrow else 20)
        else:
            table.add_column(name, overflow="ellipsis", no_wrap=True,
                             max_width=None if whole else 22 if narrow else 40)
    for r in columns:
        header = _SHORT_HEADER.get(str(r), str(r)) if narrow else str(r).replace("_", " ")
        table.add_column(header, justify="right", style=RESULT_STYLE[r], no_wrap=True, min_width=len(header))
    if decl:  # unknown, but only for want of a declaration: grouped so they do not drown the other unknowns
        header = "decl"  # explained by the line under the table (_undeclared_note)
        table.add_column(header, justify="right", style="yellow", no_wrap=True, min_width=len(header))
    return table


def _waiting_text(total: int) -> str:
    plural = "s" if total != 1 else ""
    return (f"{total} rule result{plural} need a declaration (column `decl`: unknown until the camera is "
            f"declared under `cameras:`; see GDPR-INV-1): ")


def _undeclared_note(result: ScanResult, waiting: dict[str, int], console: Console) -> None:
    """One line for the cameras whose rules wait for a declaration (their findings stay in JSON/CSV/OCSF)."""
    if not waiting:
        return
    names = [device_name(result, i) for i in waiting]
    shown = ", ".join(term_safe(n, 60) for n in names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    total = sum(waiting.values())
    console.print(Text.assemble(
        (f"{len(waiting)} undeclared camera{'s' if len(waiting) != 1 else ''}: ", "yellow"),
        (_waiting_text(total), ""),
        (shown, ""),
    ))


def render_changes(drift: DriftSummary | None, console: Console, *, limit: int = 15) -> None:
    """'Changes since last scan': new/vanished cameras, important fact changes, finding states (short)."""
    if drift is None:
        return
    if drift.first:
        console.print(Text("Changes since last scan: none to compare, this is the first recorded scan of the site.",
                           style="dim"))
        return
    head = Text("Changes since last scan", style="bold")
    when = f", {drift.previous_started_at:%Y-%m-%d %H:%M %Z}" if drift.previous_started_at else ""
    head.append(f" (scan {term_safe(drift.previous_scan_id)}{when})", style="dim")
    console.print(head)
    c = drift.findings
    console.print(Text(f"  cameras: +{len(drift.new_devices)} -{len(drift.vanished_devices)}; "
                       f"fact changes: {drift.fact_changes_total}; findings: {c.new} new, {c.changed} changed, "
                       f"{c.resolved} resolved, {c.persisting} persisting"))
    lines: list[Text] = []
    for d in drift.new_devices:
        lines.append(Text.assemble(("  + ", "red"), "new camera ", safe_text(d.name, limit=60),
                                   (f" ({term_safe(d.address, 45)})", "dim")))
    for d in drift.vanished_devices:
        lines.append(Text.assemble(("  - ", "green"), "vanished camera ", safe_text(d.name, limit=60),
                                   (f" ({term_safe(d.address, 45)})", "dim")))
    important = [f for f in drift.fact_changes if f.important]
    for f in important:
        lines.append(Text.assemble(("  ~ ", "yellow"), safe_text(f.device_name, "bold", 60), ": ",
                                   safe_text(f.sentence, limit=200)))
    for line in lines[:limit]:
        console.print(line)
    more = len(lines) - limit if len(lines) > limit else 0
    minor = drift.fact_changes_total - len(important)
    rest = [f"{more} more change{'s' if more != 1 else ''}"] if more else []
    if minor:
        rest.append(f"{minor} minor fact change{'s' if minor != 1 else ''}")
    if rest:
        console.print(Text(f"  … {' and '.join(rest)}: see `camaudit diff --all` or the HTML report", style="dim"))
    if drift.empty:
        console.print(Text("  No changes.", style="green"))


READ_STYLE = {
    ReadStatus.FULL: "green",
    ReadStatus.PARTIAL: "yellow",
    ReadStatus.CREDENTIALS_REFUSED: "bold red",
    ReadStatus.NOT_ONVIF: "red",
    ReadStatus.UNREACHABLE: "red",
    ReadStatus.DEADLINE: "red",
}


def render_coverage(result: ScanResult, console: Console, cov: Coverage | None = None, *, limit: int = 10) -> None:
    """Coverage: devices read / not read, declared found / missing, rules unknown by cause; the draft note."""
    cov = cov or coverage_of(result)
    style = "green" if cov.complete else "bold yellow"
    console.print(Text.assemble(("Coverage ", "bold"), ("complete" if cov.complete else "INCOMPLETE", style),
                                ("  ", ""), safe_text(coverage_sentence(cov), limit=600)))
    if cov.draft_note:
        console.print(Text(f"{cov.draft_note}: {term_safe(', '.join(cov.drafts), 300)} "
                           f"(rules that depend on placeholders are unknown)", style="bold yellow"))
    shown = cov.uncovered[:limit]
    for device in shown:
        what = device.status.label if device.status is not None else "declared, not found"
        if device.status is ReadStatus.PARTIAL and device.failed_operations:
            ops = device.failed_operations
            detail = ", ".join(ops[:6]) + (f" and {len(ops) - 6} more" if len(ops) > 6 else "")
        else:
            detail = device.reason or ""
        tags = " ".join(t for t, on in (("named", device.named), ("declared", device.declared)) if on)
        console.print(Text.assemble(
            ("  ", ""), (what, READ_STYLE.get(device.status, "red") if device.status else "red"), ("  ", ""),
            safe_text(device.name, "bold", 60),
            (f" ({term_safe(device.address, 45)})" if device.address else "", "dim"),
            (f" [{tags}]" if tags else "", "dim"), (": " if detail else "", ""), safe_text(detail, limit=300)))
    if len(cov.uncovered) > limit:
        console.print(Text(f"  … and {len(cov.uncovered) - limit} more not read fully: see the HTML or JSON report",
                           style="dim"))


def render_summary(result: ScanResult, console: Console, *, max_failures: int = 200) -> None:
    """Summary per camera, per profile and per severity; failing findings; changes since last scan; errors.

    Unknowns that only wait for a declaration (`Finding.needs_declaration`) are counted in their own
    `need decl.` column and named once per undeclared camera, so they do not drown the other results.
    """
    meta = result.meta
    console.print(
        Text.assemble(
            ("camaudit ", "bold"),
            (f"{meta.scanner_version}  ", "dim"),
            safe_text(meta.site_title or meta.site, "bold"),
            (f"  scan {term_safe(meta.scan_id)}  {meta.started_at:%Y-%m-%d %H:%M %Z}", "dim"),
        )
    )
    console.print(
        Text.assemble(
            ("scope ", "dim"),
            safe_text(", ".join(meta.scope) or "-"),
            ("  profiles ", "dim"),
            safe_text(", ".join(meta.profiles) or "-"),
        )
    )

    cov = coverage_of(result)
    render_coverage(result, console, cov)

    by_device: dict[str, list[Finding]] = {}
    for f in result.findings:
        by_device.setdefault(f.device_id, []).append(f)
    index = device_index(result)

    narrow = console.width < 120
    whole = not is_tty(console)  # piped: names and ids are never ellipsised (grep must find them)
    name_limit = 200 if whole else 60
    waiting = Counter(f.device_id for f in result.findings if f.needs_declaration)
    decl = bool(waiting)
    seen = {f.result for f in result.findings if not (decl and f.needs_declaration)}
    counted = [r for r in _COUNT_COLUMNS if r in seen or not narrow]  # narrow: hide all-zero columns
    columns = ("camera", "address", "read") if narrow else ("camera", "address", "read", "model")
    cams = _count_table(f"Cameras ({len(result.devices)})", *columns, narrow=narrow, whole=whole,
                        columns=counted, decl=decl)
    ids = [d.device_id for d in result.devices] + [i for i in by_device if i not in index]
    for device_id in ids:
        dev = index.get(device_id)
        name = device_name(result, device_id)
        model = (
            " ".join(x for x in (dev.value(fv.identity.MANUFACTURER), dev.value(fv.identity.MODEL)) if x)
            if dev
            else ""
        )
        read = dev.read if dev is not None else None
        cells = [safe_text(name, limit=name_limit), safe_text(dev.address if dev else "", limit=45),
                 Text(read.status.label if read else ("not found" if device_id.startswith("declared:") else "-"),
                      style=READ_STYLE[read.status] if read else "red")]
        if not narrow:
            cells.append(safe_text(model or "unknown", limit=50))
        cams.add_row(*cells, *_counts_row(by_device.get(device_id, []), counted, decl=decl))
    console.print(cams)
    _undeclared_note(result, waiting, console)

    profiles = _count_table("Profiles", "profile", narrow=narrow, whole=whole, columns=counted, decl=decl)
    by_profile: dict[str, list[Finding]] = {}
    for f in result.findings:
        by_profile.setdefault(f.profile, []).append(f)
    for profile in sorted(by_profile):
        profiles.add_row(safe_text(profile), *_counts_row(by_profile[profile], counted, decl=decl))
    console.print(profiles)

    failing = [f for f in result.findings if f.result is Result.FAIL]
    sev = Table(title="Failing findings by severity", title_justify="left", header_style="bold",
                box=box.SIMPLE_HEAD, pad_edge=False)
    for s in reversed(Severity):
        sev.add_column(str(s), justify="right", style=SEVERITY_STYLE[s])
    sev_counts = Counter(f.severity for f in failing)
    sev.add_row(*(str(sev_counts[s]) for s in reversed(Severity)))
    console.print(sev)

    if failing:
        failing.sort(key=lambda f: (-f.severity.rank, f.rule_id, f.device_name))
        table = Table(title=f"Failing findings ({len(failing)})", title_justify="left", header_style="bold",
                      box=box.SIMPLE_HEAD, pad_edge=False)
        table.add_column("sev" if narrow else "severity", no_wrap=True, max_width=8)
        table.add_column("rule", no_wrap=True)
        table.add_column("camera", overflow="ellipsis", no_wrap=True,
                         max_width=None if whole else 18 if narrow else 30)
        table.add_column("message", overflow="fold", ratio=1)
        for f in failing[:max_failures]:
            name = device_name(result, f.device_id, f.device_name)
            table.add_row(
                Text(str(f.severity), style=SEVERITY_STYLE[f.severity]),
                safe_text(f.rule_id),
                safe_text(name, limit=name_limit),
                safe_text(f.message, limit=400),
            )
        console.print(table)
        if len(failing) > max_failures:
            console.print(
                Text(
                    f"… and {len(failing) - max_failures} more failing findings; see the HTML or CSV report.",
                    style="dim",
                )
            )
    elif cov.complete:
        console.print(Text("No failing findings.", style="green"))
    else:
        console.print(Text("No failing findings, but this is not a clean result: coverage is incomplete.",
                           style="bold yellow"))

    render_changes(result.drift, console)

    errors = [("scan", e) for e in meta.errors]
    errors += [
        (device_name(result, d.device_id), e) for d in result.devices for e in d.errors
    ]
    errors += [
        (device_name(result, f.device_id, f.device_name), f"{f.rule_id}: {f.message}")
        for f in result.findings if f.result is Result.ERROR
    ]
    if errors:
        console.print(Text(f"Errors ({len(errors)})", style="bold red"))
        for where, what in errors[:max_failures]:
            console.print(Text.assemble("  ", safe_text(where, "red", 60), ": ", safe_text(what, limit=400)))
        if len(errors) > max_failures:
            console.print(Text(f"  … and {len(errors) - max_failures} more", style="dim"))
    console.print(Text.assemble(("Verdict ", "bold"),
                                safe_text(verdict_sentence(result), "green" if cov.complete else "bold yellow",
                                          limit=800)))
