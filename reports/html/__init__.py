"""The HTML report: one self-contained file that makes no network request of any kind.

Summary, charts (inline SVG) and scan metadata are rendered here with Jinja2
(autoescape on). The findings table and the camera sections are rendered in the
browser from a JSON data island (`<script type="application/json">`, with `<`,
`>`, `&` and U+2028/2029 escaped), so that 1,000 cameras x 60 findings stay a
fast page: strings are interned once and rows are arrays of small integers.
A Content-Security-Policy built from the SHA-256 hashes of the one inline style
and the one inline script forbids every other script, style and request.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any, NamedTuple

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from probes import factvalues as fv
from probes.facts import DeviceFacts, FactStatus
from probes.factvalues import plain
from probes.readstatus import DeviceRead, ReadStatus, derive_read
from profiles.findings import Change, EvidenceRef, Finding, Result, Severity
from reports._index import device_name
from reports.coverage import coverage_of, coverage_sentence, verdict_sentence
from reports.model import ScanResult

RESULTS = list(Result)
SEVERITIES = list(Severity)
CHANGES = [None, *Change]
FACT_STATUSES = list(FactStatus)
VALUE_LIMIT = 300  # characters of a fact value shown in the report
EXCERPT_LIMIT = 400
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def _finalize(value: Any) -> Any:
    """Every `{{ }}` value: control and bidi-override characters shown as U+FFFD (then autoescaped)."""
    if isinstance(value, Markup) or not isinstance(value, str):
        return value
    return _UNSAFE.sub("\ufffd", value)


_env = Environment(
    loader=PackageLoader("reports.html", "."),
    autoescape=select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
    finalize=_finalize,
)


def _asset(name: str) -> str:
    return files("reports.html").joinpath(name).read_text(encoding="utf-8")


def csp_hash(text: str) -> str:
    """The CSP source expression that allows exactly this inline script or style."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


_ISLAND_ESCAPES = (
    ("&", "\\u0026"),
    ("<", "\\u003c"),
    (">", "\\u003e"),
    ("\u2028", "\\u2028"),
    ("\u2029", "\\u2029"),
)
_ISLAND_BLOCK = 512  # list items encoded at a time


def json_island(data: Any) -> str:
    """JSON safe inside a <script type="application/json"> element (no way to close it or open a comment)."""
    return "".join(json_island_pieces(data))


def json_island_pieces(data: Any) -> Iterator[Markup]:
    """`json_island` in pieces, for the template to write one by one (a report's island is ~9 MB at 1,000 cameras).

    Together the same text as one `json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)`,
    escaped; encoded piece by piece, so neither the island nor `json.dumps`' list of every token (~30 MB for the
    300,000 integers of the finding rows) is ever whole in memory (bench/README.md "Round three").
    """
    for piece in _json_pieces(data):
        for raw, esc in _ISLAND_ESCAPES:
            piece = piece.replace(raw, esc)
        yield Markup(piece)  # escaped above: it cannot close its <script> element


def _compact_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def _json_pieces(value: Any) -> Iterator[str]:
    """Compact JSON of `value` in pieces: dicts with string keys member by member, long lists in blocks."""
    if type(value) is dict and all(type(key) is str for key in value):
        yield "{"
        for position, (key, item) in enumerate(value.items()):
            yield ("," if position else "") + _compact_json(key) + ":"
            yield from _json_pieces(item)
        yield "}"
    elif isinstance(value, _Spool):
        yield from value.pieces()
    elif type(value) is list and len(value) > _ISLAND_BLOCK:
        yield "["
        for start in range(0, len(value), _ISLAND_BLOCK):
            yield ("," if start else "") + _compact_json(value[start:start + _ISLAND_BLOCK])[1:-1]
        yield "]"
    else:
        yield _compact_json(value)


class _Interner:
    """A string table: each distinct text is stored once and referred to by index."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self._index: dict[str, int] = {}

    def __call__(self, text: str | None) -> int:
        if text is None or text == "":
            return -1
        idx = self._index.get(text)
        if idx is None:
            idx = self._index[text] = len(self.items)
            self.items.append(text)
        return idx


_VALUE_JSON = json.JSONEncoder(ensure_ascii=False, default=str)  # `json.dumps` builds one per call


def _short(value: Any, limit: int = VALUE_LIMIT) -> str:
    """A fact value as the report shows it: strings as they are, anything else as JSON, cut at `limit`."""
    if isinstance(value, str):
        text = value
    elif value is None:  # this and the next two: half of a fleet's values, not worth an encoder
        text = "null"
    elif type(value) is bool:
        text = "true" if value else "false"
    elif type(value) is list and not value:
        text = "[]"
    else:
        text = _VALUE_JSON.encode(plain(value))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _outcome(results: Counter[Result], read: DeviceRead | None = None) -> str:
    """A camera's overall state: failing, incomplete (not read, or unknown/error/manual left), or compliant."""
    if results[Result.FAIL]:
        return "failing"
    if results[Result.UNKNOWN] or results[Result.ERROR] or results[Result.MANUAL]:
        return "incomplete"
    if read is not None and not read.status.read:
        return "incomplete"  # nothing failed because nothing was read: never "compliant"
    return "compliant"


def _read_view(dev: DeviceFacts) -> dict[str, str]:
    """The camera card's read status: status, words, and the failed operations or the reason."""
    read = dev.read or derive_read(dev)
    ops = read.failed_operations
    detail = (", ".join(ops[:8]) + (f" and {len(ops) - 8} more" if len(ops) > 8 else "")
              if read.status is ReadStatus.PARTIAL else (read.reason or ""))
    return {"status": str(read.status), "label": read.status.label, "detail": detail}


@dataclass
class Segment:
    label: str
    value: int
    css: str
    x: float = 0.0
    width: float = 0.0


@dataclass
class Bar:
    label: str
    segments: list[Segment]
    total: int = 0
    note: str = ""


@dataclass
class Chart:
    title: str
    bars: list[Bar]
    legend: list[Segment] = field(default_factory=list)
    scale: int = 1

    def layout(self, width: float = 100.0) -> Chart:
        """Place segments: the longest bar spans `width` user units."""
        self.scale = max([b.total for b in self.bars] + [1])
        for bar in self.bars:
            x = 0.0
            for seg in bar.segments:
                seg.x = x
                seg.width = width * seg.value / self.scale
                x += seg.width
        return self


@dataclass
class _Tally:
    """Every count of the summary and the charts, from one pass over the findings (36,000 at 1,000 cameras;
    a pass per count cost ~0.3 s of a 1,000-camera audit: bench/README.md "Round seven")."""

    per_device: dict[str, Counter[Result]] = field(default_factory=dict)
    totals: Counter[Result] = field(default_factory=Counter)
    judged: Counter[Result] = field(default_factory=Counter)  # without the results waiting for a declaration
    waiting: Counter[str] = field(default_factory=Counter)  # results waiting for a declaration, per device
    by_profile: dict[str, Counter[Result]] = field(default_factory=dict)  # judged results per profile
    failing_sev: Counter[Severity] = field(default_factory=Counter)
    waived_sev: Counter[Severity] = field(default_factory=Counter)
    profiles: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, findings: Iterable[Finding]) -> _Tally:
        tally = cls()
        per_device, judged, waiting, by_profile = tally.per_device, tally.judged, tally.waiting, tally.by_profile
        profiles = tally.profiles
        for f in findings:
            result = f.result
            device = per_device.get(f.device_id)
            if device is None:
                device = per_device[f.device_id] = Counter()
            device[result] += 1
            if result is Result.UNKNOWN and f.needs_declaration:
                waiting[f.device_id] += 1
            else:
                judged[result] += 1
                profile = by_profile.get(f.profile)
                if profile is None:
                    profile = by_profile[f.profile] = Counter()
                profile[result] += 1
            if result is Result.FAIL:
                tally.failing_sev[f.severity] += 1
            elif result is Result.WAIVED:
                tally.waived_sev[f.severity] += 1
            profiles.add(f.profile)
        for counts in per_device.values():
            tally.totals.update(counts)
        return tally

    def outcome(self, dev: DeviceFacts) -> str:
        return _outcome(self.per_device.get(dev.device_id, _NO_RESULTS), dev.read)


_NO_RESULTS: Counter[Result] = Counter()


def _stacked(title: str, groups: dict[str, Counter[Any]], keys: list[Any], css: dict[Any, str],
             names: dict[Any, str]) -> Chart:
    bars = []
    for label, counts in groups.items():
        segs = [Segment(names[k], counts[k], css[k]) for k in keys if counts[k]]
        bars.append(Bar(label, segs, sum(counts[k] for k in keys)))
    legend = [Segment(names[k], 0, css[k]) for k in keys]
    return Chart(title, bars, legend).layout()


def _charts(result: ScanResult, tally: _Tally) -> list[Chart]:
    res_css = {r: f"r-{r}" for r in Result}
    res_names = {r: str(r).replace("_", " ") for r in Result}
    order = [
        Result.FAIL,
        Result.WAIVED,
        Result.ERROR,
        Result.UNKNOWN,
        Result.MANUAL,
        Result.PASS,
        Result.NOT_APPLICABLE,
    ]
    by_sev = {
        str(s): Counter({Result.FAIL: tally.failing_sev[s], Result.WAIVED: tally.waived_sev[s]})
        for s in reversed(Severity)
    }
    charts = [
        _stacked(
            "Failing and waived findings by severity",
            by_sev,
            [Result.FAIL, Result.WAIVED],
            res_css,
            res_names,
        )
    ]
    # results waiting for a declaration are counted apart: they say "declare the camera", not "could not judge"
    title = "Findings by profile" + (" (results waiting for a declaration left out)" if tally.waiting else "")
    charts.append(_stacked(title, dict(sorted(tally.by_profile.items())), order, res_css, res_names))

    outcome_css = {"failing": "o-failing", "incomplete": "o-incomplete", "compliant": "o-compliant"}
    outcome_names = {k: k for k in outcome_css}
    keys = list(outcome_css)
    by_class: dict[str, Counter[str]] = {}
    by_area: dict[str, Counter[str]] = {}
    for dev in result.devices:
        declared = result.declared.get(dev.device_id)
        outcome = tally.outcome(dev)
        cls = f"class {declared.camera_class}" if declared and declared.camera_class else "undeclared"
        area = str(declared.area).replace("_", " ") if declared and declared.area else "undeclared"
        by_class.setdefault(cls, Counter())[outcome] += 1
        by_area.setdefault(area, Counter())[outcome] += 1
    for title, groups in (("Cameras per declared class", by_class), ("Cameras per area type", by_area)):
        ordered = dict(sorted(groups.items(), key=lambda kv: (kv[0] == "undeclared", kv[0])))
        chart = _stacked(title, ordered, keys, outcome_css, outcome_names)
        for bar, counts in zip(chart.bars, ordered.values(), strict=True):
            total = sum(counts.values())
            bar.note = f"{round(100 * counts['compliant'] / total)}% compliant" if total else ""
        charts.append(chart)
    return charts


# The data island's packed arrays have named fields: the island carries the names (`rowFields`, `ruleFields`,
# `factFields`) and app.js looks every position up by them, so the two sides cannot drift apart
# (tests/reports/html/test_island_fields.py checks that app.js reads exactly these names).


class FindingRow(NamedTuple):
    """One finding, as integers: positions in `rules`, `devices`, `results`, `changes` and `text` (-1: none)."""

    rule: int
    device: int
    result: int
    change: int
    message: int
    evidence: int
    waiver: int
    evidence_keys: int  # the facts whose raw replies the camera section links, newline-separated


class RuleRow(NamedTuple):
    id: str
    profile: str
    title: str
    severity: int
    law: str
    law_title: str
    remediation: str
    check: str  # not shown; for readers of the data


class FactRow(NamedTuple):
    key: str
    status: int
    value: int  # position in `text`; -1 when the fact is not ok
    source: str
    reason: str
    operation: int
    excerpt: int
    sha256: str


ROW_FIELDS, RULE_FIELDS, FACT_FIELDS = FindingRow._fields, RuleRow._fields, FactRow._fields


def build_data(result: ScanResult) -> dict[str, Any]:
    """The data island: interned strings, devices with facts, rules, and findings as integer rows."""
    devices: list[dict[str, Any]] = []
    rows: list[int] = []
    text, rules, needs_decl = _island_parts(result, devices.append, rows.extend)
    return _island(text.items, devices, rules, rows, needs_decl)


def island_pieces(result: ScanResult, spool_dir: Path | None = None) -> Iterator[Markup]:
    """`json_island_pieces(build_data(result))`, without holding the devices and finding rows.

    Each device and each finding row is encoded as soon as it is built and spooled to an unnamed temporary
    file (in `spool_dir`: the report's directory, not a tmpfs), then read back in its place in the island,
    after the string table that must come first: only the string table and the rules stay in memory
    (issue 23). Same bytes as the island of `build_data` (tested).
    """
    with _Spool(spool_dir) as devices, _Spool(spool_dir) as rows:
        text, rules, needs_decl = _island_parts(result, devices.add, rows.extend)
        yield from json_island_pieces(_island(text.items, devices, rules, rows, needs_decl))


def _island(text: list[str], devices: Any, rules: list[RuleRow], rows: Any, needs_decl: list[int]) -> dict[str, Any]:
    return {
        "v": 2,
        "results": [str(r) for r in RESULTS],
        "severities": [str(s) for s in SEVERITIES],
        "changes": ["" if c is None else str(c) for c in CHANGES],
        "factStatuses": [str(s) for s in FACT_STATUSES],
        "text": text,
        "devices": devices,
        "rules": rules,
        "factFields": list(FACT_FIELDS),
        "ruleFields": list(RULE_FIELDS),
        "rowFields": list(ROW_FIELDS),
        "rows": rows,
        "needsDecl": needs_decl,
    }


class _Spool:
    """A JSON array written item by item to an unnamed temporary file, encoded back by `_json_pieces`."""

    _CHUNK = 1 << 16  # characters read back at a time

    def __init__(self, directory: Path | None) -> None:
        self._file = tempfile.TemporaryFile("w+", encoding="utf-8", newline="", dir=directory)  # noqa: SIM115 - closed by __exit__
        self._empty = True

    def __enter__(self) -> _Spool:
        return self

    def __exit__(self, *exc: object) -> None:
        self._file.close()

    def add(self, item: Any) -> None:
        self._file.write(("" if self._empty else ",") + _compact_json(item))
        self._empty = False

    def extend(self, numbers: tuple[int, ...]) -> None:
        """Integers, written as `json.dumps` writes them."""
        if numbers:
            self._file.write(("" if self._empty else ",") + ",".join(map(str, numbers)))
            self._empty = False

    def pieces(self) -> Iterator[str]:
        """The compact JSON array, in pieces."""
        yield "["
        self._file.seek(0)
        while chunk := self._file.read(self._CHUNK):
            yield chunk
        yield "]"


def _island_parts(result: ScanResult, add_device: Callable[[dict[str, Any]], None],
                  add_row: Callable[[FindingRow], None]) -> tuple[_Interner, list[RuleRow], list[int]]:
    """Every device and every finding row in the island's order, handed to the sinks as each is built.

    Returns the string table, the rules and the rows of unknowns that wait for a declaration (collapsed by
    default in the report), which are complete only at the end.
    """
    text = _Interner()
    dev_pos: dict[str, int] = {}
    for dev in result.devices:
        dev_pos[dev.device_id] = len(dev_pos)
        add_device(_device_view(result, dev, text))
    rules: list[RuleRow] = []
    rule_pos: dict[tuple[Any, ...], int] = {}
    needs_decl: list[int] = []
    sentences: dict[int, str] = {}  # by id: the evaluation pools its evidence refs, so rows share most of them

    def sentence(e: EvidenceRef) -> str:
        said = sentences.get(id(e))
        if said is None:
            said = sentences[id(e)] = evidence_sentence(e)
        return said

    for number, f in enumerate(result.findings):
        if f.needs_declaration:
            needs_decl.append(number)
        pos = dev_pos.get(f.device_id)
        if pos is None:  # site-level finding, or a device without a fact sheet
            pos = dev_pos[f.device_id] = len(dev_pos)
            add_device(_unread_view(f.device_id, f.device_name))
        ref = f.reference
        rkey = (f.rule_id, f.profile, f.title, f.severity, ref.source, ref.article, ref.title, f.remediation)
        rpos = rule_pos.get(rkey)
        if rpos is None:
            rpos = rule_pos[rkey] = len(rules)
            rules.append(RuleRow(
                id=f.rule_id,
                profile=f.profile,
                title=f.title,
                severity=SEVERITIES.index(f.severity),
                law=f"{ref.source} {ref.article}",
                law_title=ref.title or "",
                remediation=f.remediation,
                check=f.check,
            ))
        waiver = (
            (
                f"waived until {f.waiver.expires.isoformat()}{' (expired)' if f.waiver.expired else ''} by "
                f"{f.waiver.approver}: {f.waiver.justification}"
            )
            if f.waiver
            else None
        )
        evidence = " ".join(sentence(e) for e in f.evidence)
        add_row(FindingRow(
            rule=rpos,
            device=pos,
            result=RESULTS.index(f.result),
            change=CHANGES.index(f.change),
            message=text(f.message),
            evidence=text(evidence),
            waiver=text(waiver),
            evidence_keys=text("\n".join(e.key for e in f.evidence)),  # facts whose raw replies are linked
        ))
    return text, rules, needs_decl


_FACT_STATUS_POS = {status: position for position, status in enumerate(FACT_STATUSES)}


def _device_view(result: ScanResult, dev: DeviceFacts, text: _Interner) -> dict[str, Any]:
    """A camera with a fact sheet, its facts as rows."""
    declared = result.declared.get(dev.device_id)
    facts: list[FactRow] = []
    sheet = dev.facts
    for key in sorted(sheet):
        fact = sheet[key]
        ev = fact.evidence
        facts.append(FactRow(
            key=key,
            status=_FACT_STATUS_POS[fact.status],
            value=text(_short(fact.value)) if fact.ok else -1,
            source=fact.source,
            reason=fact.reason or "",
            operation=text(ev.operation if ev else None),
            excerpt=text(ev.excerpt[:EXCERPT_LIMIT] if ev else None),
            sha256=ev.sha256[:16] if ev and ev.sha256 else "",
        ))
    return {
        "id": dev.device_id,
        "name": device_name(result, dev.device_id),
        "declared": dev.device_id in result.declared_names,
        "address": dev.address,
        "port": dev.port,
        "mac": dev.mac or "",
        "manufacturer": _short(dev.value(fv.identity.MANUFACTURER) or "", 80),
        "model": _short(dev.value(fv.identity.MODEL) or "", 80),
        "firmware": _short(dev.value(fv.identity.FIRMWARE) or "", 80),
        "serial": _short(dev.value(fv.identity.SERIAL) or "", 80),
        "signals": dev.signals,
        "cls": declared.camera_class if declared else None,
        "area": str(declared.area) if declared and declared.area else "",
        "errors": dev.errors,
        "read": _read_view(dev),
        "facts": facts,
    }


def _unread_view(device_id: str, name: str) -> dict[str, Any]:
    """The site, or a camera that has findings but no fact sheet (declared, not found)."""
    return {
        "id": device_id,
        "name": name,
        "declared": False,
        "site": device_id == "site",
        "absent": device_id != "site",  # declared (or judged) but not found on the network
        "address": "",
        "port": None,
        "mac": "",
        "manufacturer": "",
        "model": "",
        "firmware": "",
        "serial": "",
        "signals": [],
        "cls": None,
        "area": "",
        "errors": [],
        "read": None if device_id == "site" else {"status": "not_found", "label": "declared, not found",
                                                  "detail": "not found on the scanned networks"},
        "facts": [],
    }


_EVIDENCE_STATUS = {
    "denied": "the camera refused to let it be read (access denied)",
    "unsupported": "the camera does not offer it",
    "error": "reading it failed",
    "not_probed": "it was not read",
}


def evidence_sentence(e: EvidenceRef) -> str:
    """What a check relied on, as a sentence a reader can follow; the raw reply is one click away in the report."""
    value = "" if e.value is None else _short(e.value, 120)
    via = f" ({e.source})" if e.source else ""
    if e.key.startswith("declaration."):
        name = e.key.removeprefix("declaration.").replace("_", " ")
        return f"Declared {name}: {value}." if e.status != "missing" and value else f"No {name} is declared."
    if e.status == "ok":
        return f"Read {e.key} = {value}{via}." if value else f"Read {e.key}{via}."
    if e.status in _EVIDENCE_STATUS:
        return f"{e.key}: {_EVIDENCE_STATUS[e.status]}{via}."
    return f"{e.key}: {e.status}" + (f" = {value}" if value else "") + "."


DRIFT_ROW_LIMIT = 200  # rows per list in 'since last scan' (new/vanished cameras, fact changes)


def _drift_view(result: ScanResult) -> dict[str, Any] | None:
    """New and vanished cameras and changed facts from the scan's drift summary (capped lists)."""
    drift = result.drift
    if drift is None:
        return None
    facts = sorted(drift.fact_changes, key=lambda c: (not c.important, c.device_name, c.key))
    return {
        "first": drift.first,
        "previous_started_at": drift.previous_started_at,
        "new_devices": drift.new_devices[:DRIFT_ROW_LIMIT],
        "new_more": max(0, len(drift.new_devices) - DRIFT_ROW_LIMIT),
        "n_new": len(drift.new_devices),
        "vanished_devices": drift.vanished_devices[:DRIFT_ROW_LIMIT],
        "vanished_more": max(0, len(drift.vanished_devices) - DRIFT_ROW_LIMIT),
        "n_vanished": len(drift.vanished_devices),
        "facts": facts[:DRIFT_ROW_LIMIT],
        "facts_more": max(0, drift.fact_changes_total - min(len(facts), DRIFT_ROW_LIMIT)),
        "n_facts": drift.fact_changes_total,
        "empty": drift.empty,
    }


def _change_view(result: ScanResult) -> dict[str, Any] | None:
    """Counts and the most important rows for 'since last scan', when the history diff marked changes."""
    marked = [f for f in result.findings if f.change is not None]
    if not marked and result.drift is None:
        return None
    first = bool(result.drift and result.drift.first)
    if first:  # nothing to compare with: every finding would read "new"
        marked = []
    counts = Counter(f.change for f in marked)
    notable = [
        f
        for f in marked
        if f.change in (Change.NEW, Change.CHANGED, Change.RESOLVED)
        and (f.result in (Result.FAIL, Result.ERROR) or f.change is Change.RESOLVED)
    ]
    notable.sort(
        key=lambda f: (list(Change).index(f.change or Change.PERSISTING), -f.severity.rank, f.rule_id)
    )
    return {
        "first": first,
        "counts": {str(c): counts[c] for c in Change},
        "rows": notable[:100],
        "more": max(0, len(notable) - 100),
        "previous": result.meta.previous_scan_id or (result.drift.previous_scan_id if result.drift else None),
        "drift": _drift_view(result),
    }


PRIORITY_LIMIT = 8  # failing rules in "what to do first"
_CAMERAS_NAMED = 4  # cameras named per rule before "and N more"


@dataclass
class Priority:
    """One failing rule across cameras: what is unlawful, where, how serious, and what to do."""

    rule_id: str
    title: str
    severity: Severity
    law: str
    law_title: str
    remedy: str
    cameras: list[str] = field(default_factory=list)

    @property
    def where(self) -> str:
        shown = ", ".join(self.cameras[:_CAMERAS_NAMED])
        more = len(self.cameras) - _CAMERAS_NAMED
        return shown + (f" and {more} more" if more > 0 else "")


def _priorities(result: ScanResult) -> list[Priority]:
    """Failing rules, most serious first, then the ones that fail on most cameras."""
    groups: dict[tuple[str, str], Priority] = {}
    named: dict[tuple[str, str], str] = {}  # a camera fails ~10 rules: its name is worked out once
    for f in result.findings:
        if f.result is not Result.FAIL:
            continue
        group = groups.get((f.rule_id, f.profile))
        if group is None:
            ref = f.reference
            group = groups[(f.rule_id, f.profile)] = Priority(
                f.rule_id, f.title, f.severity, f"{ref.source} {ref.article}".strip(), ref.title or "",
                f.remediation)
        name = named.get((f.device_id, f.device_name))
        if name is None:
            name = named[(f.device_id, f.device_name)] = device_name(result, f.device_id, f.device_name)
        if name not in group.cameras:
            group.cameras.append(name)
    return sorted(groups.values(), key=lambda g: (-g.severity.rank, -len(g.cameras), g.rule_id))


def _counts(tally: _Tally) -> dict[str, int]:
    """Finding counts that each mean one thing; unknowns that only wait for a declaration are apart."""
    return {**{str(r): tally.judged[r] for r in Result}, "waiting": sum(tally.waiting.values())}


def render_html(result: ScanResult) -> str:
    """The complete report as one HTML string."""
    return _env.get_template("report.html.j2").render(**_context(result))


def write_html(result: ScanResult, path: Path) -> None:
    """Write the self-contained HTML report, streamed: the page never exists twice in memory, and the
    island's devices and rows are spooled beside the report while the string table is built."""
    path = Path(path)
    with path.open("w", encoding="utf-8") as out:
        for chunk in _env.get_template("report.html.j2").generate(**_context(result, spool_dir=path.parent)):
            out.write(chunk)


def _context(result: ScanResult, spool_dir: Path | None = None) -> dict[str, object]:
    """Everything the template needs."""
    tally = _Tally.of(result.findings)
    outcomes = Counter(tally.outcome(d) for d in result.devices)
    coverage = coverage_of(result)
    css = _asset("style.css")
    js = _asset("app.js")
    csp = (
        f"default-src 'none'; style-src {csp_hash(css)}; script-src {csp_hash(js)}; img-src data:; "
        "base-uri 'none'; form-action 'none'"
    )
    errors = list(result.meta.errors)
    errors += [
        f"{device_name(result, d.device_id)}: {e}" for d in result.devices for e in d.errors
    ]
    priorities = _priorities(result)
    changes = _change_view(result)
    return {
        "result": result,
        "meta": result.meta,
        "csp": csp,
        "css": Markup(css),
        "js": Markup(js),
        "data": island_pieces(result, spool_dir),  # written piece by piece (memory)
        "charts": _charts(result, tally),
        "totals": {str(r): tally.totals[r] for r in Result},
        "outcomes": outcomes,
        "counts": _counts(tally),
        "priorities": priorities[:PRIORITY_LIMIT],
        "priorities_more": max(0, len(priorities) - PRIORITY_LIMIT),
        "failing_rules": len(priorities),
        "n_cameras": len(result.devices),
        "failing_sev": Counter({str(s): n for s, n in tally.failing_sev.items()}),
        "errors": errors,
        "crashed": tally.totals[Result.ERROR],
        "changes": changes,
        "track_changes": bool(changes and not changes["first"]),
        "coverage": coverage,
        "coverage_sentence": coverage_sentence(coverage),
        "verdict": verdict_sentence(result),
        "read_labels": {str(s): s.label for s in ReadStatus},
        "undeclared": {"cameras": len(tally.waiting), "findings": sum(tally.waiting.values())},
        "results": [str(r) for r in Result],
        "severities": [str(s) for s in reversed(Severity)],
        "severity_counts": {str(s): n for s in reversed(Severity) if (n := tally.failing_sev[s])},
        "profiles": sorted(tally.profiles),
    }


__all__ = ["FACT_FIELDS", "ROW_FIELDS", "RULE_FIELDS", "build_data", "csp_hash", "island_pieces", "json_island",
           "json_island_pieces", "render_html", "write_html"]
