"""From a ScanResult to the MQTT messages it produces (pure: no I/O).

Which findings are sent by default (without `--mqtt-all`): what a SIEM alerts on.
- change `new` (or no history at all): only when the result is fail, unknown or error;
  a new *passing* (or not_applicable, waived, manual) finding is not an alert and is not sent;
  an `unknown` that only waits for a declaration (`Finding.needs_declaration`) is not sent either:
  the undeclared camera's GDPR-INV-1 `fail` is the one alert, and the device's `state` message
  counts the rest (`needs_declaration`), so one new camera is one alert, not ~40;
- change `changed`: always (a fail turning into pass is good news the SIEM should see);
- change `resolved`: always (closes the alert);
- change `persisting`: never (the SIEM already has it).
Every device's retained `state` message and the scan's started/finished messages are always sent.

Every payload carries a `message_id` (in OCSF payloads `unmapped.camaudit.message_id`), a UUID
derived from what the message says, never random: for a finding, from (finding uid, transition,
the scan in which the transition was judged), where the transition is the change with the result
told before and the result now (`changed:fail->pass`); for a device state, from (device, scan);
for a scan event, from (scan, event). A message queued again after a crash therefore keeps its id,
and consumers deduplicate on `message_id`, never on the finding uid (that would drop a re-failure).

`initial` marks the messages of a destination's first contact (or after it lost its state): the
current failing and unknown findings sent as alerts with `initial_state: true`.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any

from profiles.findings import Change, Finding, Result
from reports._index import device_index, device_name
from reports.model import ScanMeta, ScanResult
from reports.mqtt.config import MqttConfig, MqttFormat
from reports.mqtt.outbox import OutboxMessage
from reports.mqtt.topics import Topics
from reports.textsafety import json_escape

SCAN_SCHEMA = "camaudit.mqtt.scan/1"
STATE_SCHEMA = "camaudit.mqtt.state/1"
FINDING_SCHEMA = "camaudit.mqtt.finding/1"
ALERTING_RESULTS = frozenset({Result.FAIL, Result.UNKNOWN, Result.ERROR})


class MessageKind(StrEnum):
    SCAN = "scan"
    FINDING = "finding"
    STATE = "state"


def effective_change(finding: Finding) -> Change:
    """A finding without history is new."""
    return finding.change or Change.NEW


def is_reported(finding: Finding, send_all: bool = False) -> bool:
    """Whether a finding goes out as a message (see the module docstring)."""
    if send_all:
        return True
    change = effective_change(finding)
    if change is Change.NEW:
        return finding.result in ALERTING_RESULTS and not finding.needs_declaration
    return change in (Change.CHANGED, Change.RESOLVED)


def _dumps(obj: Any) -> bytes:
    """Compact UTF-8 JSON, C1/bidi characters as \\u escapes (reports/textsafety.py); a lone surrogate
    (not encodable) falls back to \\u escapes, still valid JSON."""
    text = json_escape(json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=str))
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(obj, ensure_ascii=True, separators=(",", ":"), default=str).encode("ascii")


MESSAGE_ID_NAMESPACE = uuid.UUID("5b0f3c1e-6a2d-4c1b-9a57-0c61a7c0ffee")  # fixed forever: ids must not move


def message_id(*parts: str) -> str:
    """A stable UUID (v5) for what a message says; the same parts always give the same id."""
    name = "\x1f".join(parts).encode("utf-8", "backslashreplace").decode("utf-8")  # lone surrogates too
    return str(uuid.uuid5(MESSAGE_ID_NAMESPACE, name))


def transition(finding: Finding, before: str | None) -> str:
    """`<change>:<result told before, or none>-><result now>`.

    E.g. `new:none->fail`, `resolved:fail->not_applicable`."""
    return f"{effective_change(finding)}:{before or 'none'}->{finding.result}"


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _meta_fields(result: ScanResult, scanner_id: str) -> dict[str, Any]:
    m = result.meta
    return {"site": m.site, "scan_id": m.scan_id, "scanner_id": scanner_id}


def scan_started(meta: ScanMeta, config: MqttConfig, scanner_id: str) -> OutboxMessage:
    """`scan/<scan-id>` with event `started` (the scan document's meta is all it needs)."""
    m = meta
    mid = message_id("scan", m.scan_id, "started")
    payload = {"schema": SCAN_SCHEMA, "message_id": mid, "event": "started", "site": m.site, "scan_id": m.scan_id,
               "scanner_id": scanner_id,
               "site_title": m.site_title, "scanner_version": m.scanner_version, "started_at": _iso(m.started_at),
               "profiles": list(m.profiles), "previous_scan_id": m.previous_scan_id}
    return OutboxMessage(id=mid, kind=MessageKind.SCAN, topic=Topics(config.prefix, m.site).scan(m.scan_id),
                         payload=_dumps(payload), expiry=config.message_expiry,
                         user_properties=(("message_id", mid), ("event", "started")))


def scan_finished(result: ScanResult, config: MqttConfig, scanner_id: str, published: int) -> OutboxMessage:
    """`scan/<scan-id>` with event `finished` and counts (how many finding messages this scan sent)."""
    m = result.meta
    findings = result.findings
    counts = {
        "devices": len(result.devices),
        "findings": len(findings),
        "by_result": dict(Counter(str(f.result) for f in findings)),
        "by_change": dict(Counter(str(effective_change(f)) for f in findings)),
        "failing_by_severity": dict(Counter(str(f.severity) for f in findings if f.result is Result.FAIL)),
        "finding_messages": published,
        "scan_errors": len(m.errors),
        "needs_declaration": sum(1 for f in findings if f.needs_declaration),
    }
    mid = message_id("scan", m.scan_id, "finished")
    payload = {"schema": SCAN_SCHEMA, "message_id": mid, "event": "finished", **_meta_fields(result, scanner_id),
               "started_at": _iso(m.started_at), "finished_at": _iso(m.finished_at),
               "evaluated_at": _iso(m.evaluated_at), "counts": counts, "drift": _scan_drift(result),
               "coverage": _coverage(result)}
    return OutboxMessage(id=mid, kind=MessageKind.SCAN, topic=Topics(config.prefix, m.site).scan(m.scan_id),
                         payload=_dumps(payload), expiry=config.message_expiry,
                         user_properties=(("message_id", mid), ("event", "finished")))


DRIFT_DEVICE_LIMIT = 500  # devices listed per direction in the finished message's drift


def _scan_drift(result: ScanResult) -> dict[str, Any] | None:
    """The drift summary in brief: previous scan, new/vanished cameras, counts (None: not recorded)."""
    drift = result.drift
    if drift is None:
        return None

    def devices(items: list[Any]) -> list[dict[str, str]]:
        return [{"device_id": d.device_id, "name": d.name, "address": d.address} for d in items[:DRIFT_DEVICE_LIMIT]]

    return {"version": drift.version, "previous_scan_id": drift.previous_scan_id,
            "previous_started_at": _iso(drift.previous_started_at),
            "new_devices": devices(drift.new_devices), "vanished_devices": devices(drift.vanished_devices),
            "fact_changes": drift.fact_changes_total, "findings": drift.findings.model_dump()}


def device_drift(result: ScanResult) -> dict[str, dict[str, Any]]:
    """Per device: whether it is new and its fact-change sentences (from the scan's drift summary)."""
    drift = result.drift
    if drift is None:
        return {}
    out: dict[str, dict[str, Any]] = {}
    for d in drift.new_devices:
        out.setdefault(d.device_id, {"new_device": True, "fact_changes": []})
    for c in drift.fact_changes:
        entry = out.setdefault(c.device_id, {"new_device": False, "fact_changes": []})
        entry["fact_changes"].append({"key": c.key, "sentence": c.sentence, "before": c.before, "after": c.after})
    return out


def finding_message(finding: Finding, result: ScanResult, config: MqttConfig, scanner_id: str, *,
                    before: str | None = None, initial: bool = False) -> OutboxMessage:
    """`finding/<device>/<rule>`: OCSF Compliance Finding (default) or native JSON.

    `before` is the result the destination was told last (None: never told); `initial` marks
    the destination's initial state (see the module docstring).
    """
    step = transition(finding, before)
    mid = message_id("finding", finding.uid, step, result.meta.scan_id)
    change = str(effective_change(finding))
    if config.format is MqttFormat.OCSF:
        from reports.ocsf import finding_to_ocsf  # imported late: the OCSF mapping is the heavier module

        event = finding_to_ocsf(finding, result)
        extra = event.setdefault("unmapped", {}).setdefault("camaudit", {})
        extra.update(message_id=mid, transition=step, initial_state=initial)
        body: dict[str, Any] = event
    else:
        body = {"schema": FINDING_SCHEMA, "message_id": mid, **_meta_fields(result, scanner_id), "change": change,
                "transition": step, "initial_state": initial, "finding": finding.model_dump(mode="json")}
    props = (("message_id", mid), ("finding_uid", finding.uid), ("rule", finding.rule_id),
             ("severity", str(finding.severity)), ("result", str(finding.result)), ("change", change),
             ("initial_state", "true" if initial else "false"))
    topic = Topics(config.prefix, result.meta.site).finding(finding.device_id, finding.rule_id)
    return OutboxMessage(id=mid, kind=MessageKind.FINDING, topic=topic, payload=_dumps(body),
                         expiry=config.message_expiry, user_properties=props)


def _coverage(result: ScanResult) -> dict[str, Any]:
    """What the scan covered (reports.coverage): complete or not, why, and the counts behind it."""
    from reports.coverage import coverage_of, coverage_sentence

    cov = coverage_of(result)
    return {"complete": cov.complete, "incomplete": cov.incomplete, "summary": coverage_sentence(cov),
            "draft": cov.draft_note, "devices_found": cov.devices_found, "read_fully": cov.read_fully,
            "read_partly": cov.read_partly, "not_read": {str(k): v for k, v in cov.not_read.items()},
            "declared_missing": cov.declared_missing}


def _posture(results: Counter[str]) -> str:
    if results.get(Result.FAIL):
        return "failing"
    if results.get(Result.UNKNOWN) or results.get(Result.ERROR):
        return "unknown"
    if results:
        return "compliant"
    return "no_findings"


_NO_DRIFT: dict[str, Any] = {"new_device": False, "fact_changes": []}


def state_message(device_id: str, findings: list[Finding], result: ScanResult, config: MqttConfig,
                  scanner_id: str, drift: dict[str, dict[str, Any]] | None = None) -> OutboxMessage:
    """`state/<device>` (retained): the device's posture after this scan, and what changed on it.

    `drift` is `device_drift(result)` (pass it when sending many states; computed when omitted).
    The `drift` field is None when the scan was not recorded in the history (nothing to compare).
    """
    if drift is None:
        drift = device_drift(result)
    mid = message_id("state", device_id, result.meta.scan_id)
    results = Counter(str(f.result) for f in findings)
    failing = sorted((f for f in findings if f.result is Result.FAIL),
                     key=lambda f: (-f.severity.rank, f.rule_id))
    worst = failing[0].severity if failing else None
    dev = device_index(result).get(device_id)
    fallback = findings[0].device_name if findings else device_id
    payload = {
        "schema": STATE_SCHEMA, "message_id": mid, **_meta_fields(result, scanner_id),
        "device_id": device_id, "device_name": device_name(result, device_id, fallback),
        "address": dev.address if dev else None,
        "evaluated_at": _iso(result.meta.evaluated_at or result.meta.finished_at),
        "posture": _posture(results), "worst_severity": str(worst) if worst else None,
        "counts": dict(results),
        "failing": [{"rule_id": f.rule_id, "severity": str(f.severity), "finding_uid": f.uid} for f in failing],
        "unknown": sorted(f.rule_id for f in findings if f.result in (Result.UNKNOWN, Result.ERROR)),
        "device_errors": len(dev.errors) if dev else 0,
        "read_status": str(dev.read.status) if dev and dev.read else None,
        "needs_declaration": sum(1 for f in findings if f.needs_declaration),
        "drift": drift.get(device_id, _NO_DRIFT) if result.drift is not None else None,
    }
    props: tuple[tuple[str, str], ...] = (("message_id", mid), ("posture", str(payload["posture"])))
    if worst:
        props += (("severity", str(worst)),)
    return OutboxMessage(id=mid, kind=MessageKind.STATE, topic=Topics(config.prefix, result.meta.site).state(device_id),
                         payload=_dumps(payload), retain=True, user_properties=props)


def _by_device(result: ScanResult) -> dict[str, list[Finding]]:
    groups: dict[str, list[Finding]] = {d.device_id: [] for d in result.devices}
    for f in result.findings:
        groups.setdefault(f.device_id, []).append(f)
    return groups


def result_messages(result: ScanResult, config: MqttConfig, scanner_id: str, *,
                    include_started: bool = True, told: Mapping[str, str] | None = None,
                    initial: bool = False) -> list[OutboxMessage]:
    """All messages of one scan, in delivery order: started, findings, device states, finished.

    `told` maps finding uid -> the result the destination was told last (for the transition in
    each message id); `initial` marks the findings as the destination's initial state.
    """
    out: list[OutboxMessage] = []
    if include_started:
        out.append(scan_started(result.meta, config, scanner_id))
    told = told or {}
    chosen: Iterable[Finding] = (f for f in result.findings if is_reported(f, config.send_all))
    findings = [finding_message(f, result, config, scanner_id, before=told.get(f.uid), initial=initial)
                for f in chosen]
    out += findings
    drift = device_drift(result)
    out += [state_message(dev, fs, result, config, scanner_id, drift) for dev, fs in _by_device(result).items()]
    out.append(scan_finished(result, config, scanner_id, len(findings)))
    return out
