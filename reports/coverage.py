"""Coverage of a scan: which devices were read, which declarations found, which rules stayed unknown and why.

The scanner computes it with what only it knows (every declared name, the named hosts,
the declarations that are still drafts); a document written before coverage existed
gets the same computation from what it recorded (declared names, findings), so every
report can say what a clean result does not cover.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from probes.readstatus import ReadStatus, derive_read
from profiles.findings import Finding, Result
from reports._index import device_name
from reports.model import Coverage, ScanResult, UncoveredDevice, UnknownCause

DECLARED_PREFIX = "declared:"  # device_id the evaluator gives a declared camera it did not find
_UNREAD_STATUSES = frozenset({"error", "denied", "not_probed", "unsupported"})


def unknown_cause(finding: Finding) -> UnknownCause:
    """Why an `unknown` finding could not be judged (from its evidence and message)."""
    if finding.needs_declaration:
        return UnknownCause.MISSING_DECLARATION
    if "placeholder" in finding.message:  # evaluator and checks name the placeholder fields
        return UnknownCause.PLACEHOLDER
    if any(e.status in _UNREAD_STATUSES for e in finding.evidence):
        return UnknownCause.UNREAD_FACT
    if any(e.key.startswith("declaration") and e.status == "missing" for e in finding.evidence):
        return UnknownCause.MISSING_DECLARATION
    return UnknownCause.OTHER


def _host_port(text: str) -> tuple[str, int | None]:
    if text.count(":") == 1:
        host, port = text.split(":")
        return host, int(port)
    return text, None


def compute_coverage(result: ScanResult, *, declared: Sequence[str] | None = None,
                     drafts: Sequence[str] | None = None, named: Sequence[str] | None = None) -> Coverage:
    """The coverage of `result`. Arguments the scanner knows; None: inferred from the document."""
    evaluated = result.meta.evaluated_at is not None
    findings = result.findings
    names_found = set(result.declared_names.values())
    missing_ids = sorted({f.device_id for f in findings if f.device_id.startswith(DECLARED_PREFIX)})
    if declared is None:
        declared = sorted(names_found | {i.removeprefix(DECLARED_PREFIX) for i in missing_ids})
    if drafts is None:
        drafts = sorted({f.device_name for f in findings
                         if f.result is Result.UNKNOWN and unknown_cause(f) is UnknownCause.PLACEHOLDER})
    if named is None:
        named = [s for s in result.meta.scope if "/" not in s and s.count(":") == 1]
    cov = Coverage(devices_found=len(result.devices), named_hosts=list(named), evaluated=evaluated,
                   declared=len(declared) if evaluated else 0, drafts=list(drafts) if evaluated else [])
    reads = {}
    not_read: Counter[ReadStatus] = Counter()
    for device in result.devices:
        read = device.read or derive_read(device)
        reads[device.device_id] = read
        if read.status is ReadStatus.FULL:
            cov.read_fully += 1
        elif read.status is ReadStatus.PARTIAL:
            cov.read_partly += 1
        else:
            not_read[read.status] += 1
    cov.not_read = dict(sorted(not_read.items()))
    named_keys = {_host_port(n) for n in named}
    named_hit: set[tuple[str, int | None]] = set()
    for device in result.devices:
        keys = {(device.address, device.port), (device.address, None)}
        is_named = bool(keys & named_keys)
        named_hit |= keys & named_keys
        read = reads[device.device_id]
        if read.status is ReadStatus.FULL:
            continue
        cov.uncovered.append(UncoveredDevice(
            device_id=device.device_id, name=device_name(result, device.device_id),
            address=device.address, status=read.status, reason=read.reason,
            failed_operations=read.failed_operations, named=is_named,
            declared=device.device_id in result.declared_names))
    if evaluated:
        cov.declared_found = len([n for n in declared if n in names_found])
        cov.declared_missing = [n for n in declared if n not in names_found]
        for name in cov.declared_missing:
            cov.uncovered.append(UncoveredDevice(device_id=DECLARED_PREFIX + name, name=name, declared=True,
                                                 reason="not found on the scanned networks"))
        counted = [f for f in findings if f.result is not Result.NOT_APPLICABLE]
        cov.rules_evaluated = len(counted)
        causes = Counter(unknown_cause(f) for f in findings if f.result is Result.UNKNOWN)
        cov.rules_unknown = {c: causes[c] for c in UnknownCause if causes[c]}
    cov.incomplete = _incomplete(result, cov, not_read, named_keys - named_hit, findings)
    return cov


def _incomplete(result: ScanResult, cov: Coverage, not_read: Counter[ReadStatus],
                named_missing: Iterable[tuple[str, int | None]], findings: Sequence[Finding]) -> list[str]:
    """One sentence per reason the scan does not cover its scope."""
    why: list[str] = []
    if cov.devices_found == 0:
        why.append("no camera found in scope: nothing was checked")
    refused = not_read.get(ReadStatus.CREDENTIALS_REFUSED, 0)
    if refused:
        why.append(f"credentials refused by {_n(refused, 'camera')}")
    other = {s: n for s, n in not_read.items() if s is not ReadStatus.CREDENTIALS_REFUSED}
    if other:
        parts = ", ".join(f"{s.label}: {n}" for s, n in other.items())
        why.append(f"{_n(sum(other.values()), 'camera')} not read ({parts})")
    named_not_read = [u.address for u in cov.uncovered if u.named and u.status is not None and not u.status.read]
    named_not_read += [f"{h}:{p}" if p else h for h, p in named_missing]
    if named_not_read:
        why.append(f"named host(s) not read: {', '.join(str(a) for a in named_not_read)}")
    if cov.declared_missing:
        shown = ", ".join(cov.declared_missing[:5]) + (" ..." if len(cov.declared_missing) > 5 else "")
        why.append(f"{_n(len(cov.declared_missing), 'declared camera')} not found: {shown}")
    if cov.draft_note:
        why.append(cov.draft_note)
    if result.meta.errors:
        why.append(f"scan errors: {'; '.join(result.meta.errors[:3])}")
    crashed = sum(1 for f in findings if f.result is Result.ERROR)
    if crashed:
        why.append(f"{_n(crashed, 'rule check')} crashed")
    return why


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' if count != 1 else ''}"


def coverage_of(result: ScanResult) -> Coverage:
    """The document's coverage, or one computed from it (a facts-only or hand-built result)."""
    return result.coverage if result.coverage is not None else compute_coverage(result)


def coverage_sentence(cov: Coverage) -> str:
    """One line for every output: devices found / read fully / partly / not read, declared, rules unknown."""
    parts = [f"{_n(cov.devices_found, 'camera')} found: {cov.read_fully} read fully, {cov.read_partly} partly"]
    not_read = sum(cov.not_read.values())
    if not_read:
        parts[0] += f", {not_read} not read (" + ", ".join(f"{s.label}: {n}" for s, n in cov.not_read.items()) + ")"
    else:
        parts[0] += ", 0 not read"
    if cov.evaluated:
        declared = f"declared {cov.declared}: {cov.declared_found} found"
        declared += f", {len(cov.declared_missing)} missing" if cov.declared_missing else ""
        parts.append(declared)
        unknown = sum(cov.rules_unknown.values())
        rules = f"rules {cov.rules_evaluated} evaluated, {unknown} unknown"
        if unknown:
            rules += " (" + ", ".join(f"{c.value.replace('_', ' ')}: {n}" for c, n in cov.rules_unknown.items()) + ")"
        parts.append(rules)
    return "; ".join(parts)


def verdict_sentence(result: ScanResult) -> str:
    """What the scan may claim: complete and clean, failing, or incomplete (and why)."""
    cov = coverage_of(result)
    failing = sum(1 for f in result.findings if f.result is Result.FAIL)
    head = f"{_n(failing, 'failing finding')}" if failing else "no failing findings"
    if cov.complete:
        return f"complete: {head}" if cov.evaluated or failing else f"complete: {head} (facts only, not evaluated)"
    return f"INCOMPLETE, {head}; not checked: " + "; ".join(cov.incomplete)
