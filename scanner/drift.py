"""Drift: what changed between two scans of the same site.

Pure functions over two scan documents, so that the watch loop, `camaudit diff`
and tests share one definition of "changed". A finding keeps its identity across
scans through its uid (site, device, rule); its state against the previous scan:

- ``new``: first seen (no previous finding with this uid), or failing now and not before;
- ``resolved``: failing before and now passing / not applicable; or the device vanished, or
  the scan no longer reports the finding: a *synthetic* finding is added for those so the
  SIEM hears the resolution;
- ``changed``: any other change of result or severity (e.g. fail -> unknown, fail -> waived);
- ``persisting``: same result and severity.

Fact changes are compared per fact key on (status, value); evidence and volatile keys
(clock skew, the span of stored data) are ignored. Keys that matter to people get a
sentence ("audio turned on", "retention raised from 7 d to 30 d").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from probes import factvalues as fv
from probes.facts import DeviceFacts, Fact, FactStatus
from probes.factvalues import plain
from probes.factvalues.media import Resolution
from probes.factvalues.privacy import PrivacyMask
from probes.factvalues.recording import Recording
from probes.factvalues.users import User
from profiles.findings import Change, EvidenceRef, Finding, Result
from profiles.naming import display_name
from reports.drift import Drift, DriftDevice, DriftFactChange, FindingDelta
from reports.model import ScanResult
from scanner._gc import paused_gc

VOLATILE_KEYS = frozenset({"clock.skew_seconds", "recording.summary"})  # change on every scan
RESOLVED_MARKER = "drift.resolved"  # evidence key of synthetic resolved findings
_NOT_FAILING_ANYMORE = frozenset({Result.PASS, Result.NOT_APPLICABLE})


class FactState(BaseModel):
    """One side of a fact change while it is compared (the model shows it as `fact_display` text)."""

    status: FactStatus
    value: Any = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is FactStatus.OK


# --------------------------------------------------------------------------- findings


def is_synthetic(finding: Finding) -> bool:
    """A resolved finding added by `annotate` (not produced by a check)."""
    return finding.change is Change.RESOLVED and any(e.key == RESOLVED_MARKER for e in finding.evidence)


def finding_change(before: Finding | None, after: Finding) -> Change:
    """The state of `after` given the same-uid finding of the previous scan (None: first seen)."""
    if before is None:
        return Change.NEW
    if before.result is after.result and before.severity is after.severity:
        return Change.PERSISTING
    if after.result is Result.FAIL and before.result is not Result.FAIL:
        return Change.NEW
    if before.result is Result.FAIL and after.result in _NOT_FAILING_ANYMORE:
        return Change.RESOLVED
    return Change.CHANGED


def _real_findings(scan: ScanResult) -> dict[str, Finding]:
    return {f.uid: f for f in scan.findings if not is_synthetic(f)}


class _Index:
    """Device names and ids of one scan, looked up in O(1) (scans hold thousands of devices)."""

    def __init__(self, scan: ScanResult | None) -> None:
        self.scan = scan
        self.ids = {d.device_id for d in scan.devices} if scan else set()
        self._labels = {d.device_id: d for d in scan.devices} if scan else {}

    def name(self, device_id: str, fallback: str | None = None) -> str:
        declared = self.scan.declared_names.get(device_id) if self.scan is not None else None
        return display_name(device_id, declared=declared, device=self._labels.get(device_id), fallback=fallback)


def _vanished(device_id: str, current: _Index, previous: _Index) -> bool:
    """A real device of the previous scan that this scan did not see (not "site" or a declaration)."""
    return device_id in previous.ids and device_id not in current.ids


def _resolution(old: Finding, current: ScanResult, vanished: bool) -> Finding:
    """A synthetic resolved finding for a failing finding that has no successor."""
    why = "the device was not seen in this scan" if vanished else "this scan no longer reports it"
    at = current.meta.evaluated_at or current.meta.finished_at or current.meta.started_at
    return old.model_copy(update={
        "result": Result.NOT_APPLICABLE,
        "message": f"Resolved: {why} (was failing: {old.message})",
        "evidence": [EvidenceRef(key=RESOLVED_MARKER, status="vanished" if vanished else "not_reported",
                                 value=old.result.value)],
        "waiver": None,
        "evaluated_at": at,
        "change": Change.RESOLVED,
    })


def annotate(current: ScanResult, previous: ScanResult | None) -> ScanResult:
    """A copy of `current` with `Finding.change` set, resolved findings added and previous_scan_id set.

    `previous` is the last complete scan of the same site (None for the first scan:
    every finding is new).
    """
    before = _real_findings(previous) if previous is not None else {}
    findings: list[Finding] = []
    for finding in current.findings:
        if is_synthetic(finding):
            continue  # re-annotating: recompute from scratch
        findings.append(finding.model_copy(update={"change": finding_change(before.get(finding.uid), finding)}))
    seen = {f.uid for f in findings}
    now, then = _Index(current), _Index(previous)
    for uid, old in before.items():
        if uid not in seen and old.result is Result.FAIL:
            findings.append(_resolution(old, current, _vanished(old.device_id, now, then)))
    meta = current.meta.model_copy(update={"previous_scan_id": previous.meta.scan_id if previous else None})
    return current.model_copy(update={"meta": meta, "findings": findings})


def _delta(uid: str, before: Finding | None, after: Finding | None, change: Change,
           current: _Index, previous: _Index) -> FindingDelta:
    ref = after or before
    assert ref is not None
    name = (current if after is not None else previous).name(ref.device_id, ref.device_name)
    return FindingDelta.model_construct(  # trusted values from validated findings: no re-validation
        uid=uid, rule_id=ref.rule_id, device_id=ref.device_id, device_name=name or ref.device_name,
        title=ref.title, change=change,
        before_result=before.result if before else None,
        after_result=after.result if after else None,
        before_severity=before.severity.value if before else None,
        after_severity=after.severity.value if after else None,
        message=after.message if after is not None else _gone_message(ref, current, previous),
    )


def _gone_message(old: Finding, current: _Index, previous: _Index) -> str:
    why = "device vanished" if _vanished(old.device_id, current, previous) else "no longer reported"
    return f"{why}; was failing: {old.message}"


# --------------------------------------------------------------------------- facts


def _max_retention(recordings: list[Recording] | None) -> float | None:
    """Largest retention in seconds over all recordings; inf for unlimited (0); None when there is none."""
    values = [float("inf") if rec.unlimited else float(rec.max_retention_seconds) for rec in recordings or []]
    return max(values) if values else None


def _human_seconds(seconds: float | None) -> str:
    if seconds is None:
        return "not set"
    if seconds == float("inf"):
        return "unlimited"
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):  # days from a week up: limits read "72 h"
        if seconds >= (7 * size if unit == "d" else size):
            amount = seconds / size
            return f"{amount:g} {unit}" if amount == int(amount) else f"{amount:.1f} {unit}"
    return f"{seconds:g} s"




def _sum_audio(old: Any, new: Any) -> str:
    old_set, new_set = set(old or []), set(new or [])
    if new_set and not old_set:
        return f"audio turned on (profiles: {', '.join(sorted(new_set))})"
    if old_set and not new_set:
        return "audio turned off"
    return f"audio profiles changed: {', '.join(sorted(old_set)) or '-'} -> {', '.join(sorted(new_set)) or '-'}"


def _sum_retention(old: Any, new: Any) -> str:
    a, b = _max_retention(old), _max_retention(new)
    if a == b:
        return "recordings changed (retention unchanged: " + _human_seconds(b) + ")"
    if a is not None and b is not None:
        word = "raised" if b > a else "lowered"
        return f"retention {word} from {_human_seconds(a)} to {_human_seconds(b)}"
    return f"retention changed from {_human_seconds(a)} to {_human_seconds(b)}"


def _sum_users(old: list[User] | None, new: list[User] | None) -> str:
    def levels(users: list[User] | None) -> dict[str, str]:
        return {u.username: u.level for u in users or []}

    a, b = levels(old), levels(new)
    parts = [f"new user {name!r} ({b[name]})" for name in sorted(b.keys() - a.keys())]
    parts += [f"user {name!r} removed" for name in sorted(a.keys() - b.keys())]
    parts += [f"user {name!r} level {a[name]} -> {b[name]}" for name in sorted(a.keys() & b.keys())
              if a[name] != b[name]]
    return "; ".join(parts) or "users changed"


def _sum_list(label: str, name: Callable[[Any], str | None] = str) -> Callable[[Any, Any], str]:
    """Changes of a list fact, its items named by `name` (strings name themselves)."""
    def summarise(old: Any, new: Any) -> str:
        a, b = {str(name(i)) for i in old or []}, {str(name(i)) for i in new or []}
        if b and not a:
            return f"{label} enabled: {', '.join(sorted(b))}"
        if a and not b:
            return f"{label} removed"
        parts = [f"+{x}" for x in sorted(b - a)] + [f"-{x}" for x in sorted(a - b)]
        return f"{label} changed: {' '.join(parts)}" if parts else f"{label} changed"
    return summarise


def _sum_optional(label: str) -> Callable[[Any, Any], str]:
    def summarise(old: Any, new: Any) -> str:
        if new and not old:
            return f"{label} enabled"
        if old and not new:
            return f"{label} disabled"
        return f"{label} changed"
    return summarise


def _sum_value(label: str) -> Callable[[Any, Any], str]:
    def summarise(old: Any, new: Any) -> str:
        return f"{label} changed from {_short(old)} to {_short(new)}"
    return summarise


def _sum_bool(label: str) -> Callable[[Any, Any], str]:
    def summarise(old: Any, new: Any) -> str:
        return f"{label} turned {'on' if new else 'off'}"
    return summarise


def _sum_ports(old: Any, new: Any) -> str:
    a, b = set(old or []), set(new or [])
    parts = []
    if b - a:
        parts.append("opened " + ", ".join(map(str, sorted(b - a))))
    if a - b:
        parts.append("closed " + ", ".join(map(str, sorted(a - b))))
    return "TCP ports " + "; ".join(parts) if parts else "open ports changed"


def _sum_resolution(old: Resolution | None, new: Resolution | None) -> str:
    def text(value: Resolution | None) -> str:
        return f"{value.width}x{value.height}" if value is not None else _short(value)
    return f"resolution changed from {text(old)} to {text(new)}"


def _sum_masks(old: list[PrivacyMask] | None, new: list[PrivacyMask] | None) -> str:
    def enabled(masks: list[PrivacyMask] | None) -> int:
        return sum(1 for m in masks or [] if m.enabled)
    return f"privacy masks enabled: {enabled(old)} -> {enabled(new)}"


_SUMMARIES: dict[str, Callable[[Any, Any], str]] = {
    "media.audio_in_profiles": _sum_audio,
    "recording.recordings": _sum_retention,
    "identity.firmware": _sum_value("firmware"),
    "identity.model": _sum_value("model"),
    "users": _sum_users,
    "cloud.uplinks": _sum_list("cloud uplink", lambda up: up.remote_address),
    "cloud.event_brokers": _sum_list("event broker", lambda broker: broker.address),
    "cloud.dynamic_dns": _sum_optional("dynamic DNS"),
    "cloud.remote_user": _sum_optional("remote user"),
    "storage.targets": _sum_list("storage target", lambda target: target.uri),
    "auth.anonymous_operations": _sum_list("operations without credentials"),
    "auth.schemes": _sum_list("authentication schemes"),
    "analytics.biometric": _sum_list("biometric analytics"),
    "ptz.auto_tracking": _sum_bool("PTZ auto-tracking"),
    "ptz.tours": _sum_list("PTZ tours", lambda tour: tour.name),
    "recording.active": _sum_bool("recording"),
    "network.open_ports": _sum_ports,
    "network.discovery_mode": _sum_value("discovery mode"),
    "network.zero_configuration": _sum_optional("zero-configuration"),
    "media.max_resolution": _sum_resolution,
    "media.osd_datetime": _sum_bool("date/time overlay"),
    "privacy.masks": _sum_masks,
    "thermal.radiometry": _sum_bool("radiometry"),
    "clock.source": _sum_value("clock source"),
}


def _short(value: Any, limit: int = 60) -> str:
    text = repr(plain(value)) if not isinstance(value, str) else value
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _state(fact: Fact | None) -> FactState | None:
    return None if fact is None else FactState(status=fact.status, value=fact.value, reason=fact.reason)


def fact_display(key: str, state: FactState | None) -> str | None:
    """A short text for one side of a fact change ("72 h", "Profile_1", "(denied)"); None: not read."""
    if state is None:
        return None
    if not state.ok:
        return f"({state.status.value})"
    if key == "recording.recordings":
        return "retention " + _human_seconds(_max_retention(state.value))
    if key == "media.audio_in_profiles":
        return ", ".join(map(str, state.value or [])) or "no audio"
    if key == "users" and isinstance(state.value, list):
        return ", ".join(sorted(u.username for u in state.value if isinstance(u, User))) or "none"
    return _short(state.value)


def fact_summary(key: str, before: FactState | None, after: FactState | None) -> str:
    """One sentence about a fact change (readable for the important keys, generic for others)."""
    if before is not None and after is not None and before.ok and after.ok:
        return _SUMMARIES.get(key, _sum_value(key))(before.value, after.value)
    if after is None or after.status is FactStatus.NOT_PROBED:
        return f"{key} no longer read"
    if after.status is not FactStatus.OK:
        return f"{key} could not be read ({after.status.value}: {after.reason or 'no reason given'})"
    if before is None or before.status is FactStatus.NOT_PROBED:
        return f"{key} now read: {_short(after.value)}"
    return f"{key} readable again ({before.status.value} before): {_short(after.value)}"


def device_fact_changes(before: DeviceFacts, after: DeviceFacts, name: str) -> list[DriftFactChange]:
    """Per fact key: what changed in status or value (volatile keys ignored)."""
    changes: list[DriftFactChange] = []
    for key in sorted(before.facts.keys() | after.facts.keys()):
        if key in VOLATILE_KEYS:
            continue
        old, new = before.facts.get(key), after.facts.get(key)
        if old is not None and new is not None and old.status is new.status and old.value == new.value:
            continue
        a, b = _state(old), _state(new)
        changes.append(DriftFactChange(device_id=after.device_id, device_name=name, key=key,
                                       before=fact_display(key, a), after=fact_display(key, b),
                                       sentence=fact_summary(key, a, b), important=key in _SUMMARIES))
    return changes


def _ref(scan: _Index, device: DeviceFacts) -> DriftDevice:
    return DriftDevice(device_id=device.device_id, name=scan.name(device.device_id),
                     address=device.address, model=device.value(fv.identity.MODEL),
                     firmware=device.value(fv.identity.FIRMWARE))


# --------------------------------------------------------------------------- the whole diff


def compare(current: ScanResult, previous: ScanResult | None) -> Drift:
    """What changed from `previous` to `current` (both plain or annotated scans; order matters)."""
    drift = Drift(site=current.meta.site, scan_id=current.meta.scan_id,
                  previous_scan_id=previous.meta.scan_id if previous else None,
                  started_at=current.meta.started_at,
                  previous_started_at=previous.meta.started_at if previous else None)
    now, then = _Index(current), _Index(previous)
    old_devices = {d.device_id: d for d in previous.devices} if previous else {}
    new_devices = {d.device_id: d for d in current.devices}
    for device_id, device in new_devices.items():
        old = old_devices.get(device_id)
        if old is None:
            if previous is not None:
                drift.new_devices.append(_ref(now, device))
            continue
        drift.fact_changes.extend(device_fact_changes(old, device, now.name(device_id)))
    for device_id, device in old_devices.items():
        if device_id not in new_devices:
            drift.vanished_devices.append(_ref(then, device))

    before = _real_findings(previous) if previous is not None else {}
    after = _real_findings(current)
    for uid, finding in after.items():
        old_f = before.get(uid)
        drift.findings.append(_delta(uid, old_f, finding, finding_change(old_f, finding), now, then))
    for uid, old_f in before.items():
        if uid not in after and old_f.result is Result.FAIL:
            drift.findings.append(_delta(uid, old_f, None, Change.RESOLVED, now, then))
    return drift


def diff_scans(current: ScanResult, previous: ScanResult | None) -> tuple[ScanResult, Drift]:
    """Annotate `current` against `previous` and describe the drift: the one call the pipeline needs."""
    with paused_gc():
        drift = compare(current, previous)
        annotated = annotate(current, previous)
        annotated.drift = drift.summary()
        return annotated, drift
