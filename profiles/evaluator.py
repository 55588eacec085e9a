"""The evaluator: runs every rule of the selected profiles on every device and declaration.

The engine, not the checks, stamps a finding with device, rule, profile,
severity, reference, remediation, a stable uid and the evaluation time; it
applies `applies_to` filters, manual attestations and waivers, and turns a
check that raises into an `error` finding instead of crashing the scan.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from probes.facts import DeviceFacts
from probes.records import interned, key_sharing_dict, shared_fields_set
from profiles.checks import REGISTRY, CheckContext, CheckOutcome, NoParams, run_check
from profiles.findings import NO_DECLARATION, EvidenceRef, Finding, Result, WaiverRef, finding_uid
from profiles.inventory import Declaration, Inventory, Waiver
from profiles.matching import DeviceKeys, MatchResult, match_devices, selector_strength
from profiles.model import Profile, Rule
from profiles.naming import display_name

SITE_DEVICE_ID = "site"
_NO_PARAMS = NoParams()


@dataclass(slots=True)
class Evaluation:
    """The outcome of evaluating a scan: findings plus how devices were matched to declarations."""

    findings: list[Finding]
    matches: dict[str, str]  # device_id -> declared camera name
    at: datetime
    ambiguities: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)

    def by_result(self, result: Result) -> list[Finding]:
        return [f for f in self.findings if f.result is result]

    @property
    def failing(self) -> list[Finding]:
        return self.by_result(Result.FAIL)


def effective_rules(profiles: Sequence[Profile]) -> tuple[list[Rule], list[str]]:
    """One rule per id across all profiles: an override by a descendant profile wins over its ancestor's rule;
    two unrelated definitions are a conflict (the first profile listed wins, with a warning)."""
    chosen: dict[str, Rule] = {}
    warnings: list[str] = []
    for profile in profiles:
        for rule in profile.rules:
            current = chosen.get(rule.id)
            if current is None:
                chosen[rule.id] = rule
            elif current == rule or rule.profile in current.lineage:
                continue
            elif current.profile in rule.lineage:
                chosen[rule.id] = rule
            else:
                warnings.append(f"rule {rule.id} is defined differently by {current.profile} and {rule.profile}; "
                                f"using {current.profile}'s definition")
    return list(chosen.values()), warnings


_FINDING_FIELDS = frozenset(Finding.model_fields)
_ALL_FIELDS_SET = shared_fields_set(set(_FINDING_FIELDS))  # every field given: assignments add nothing to it


def fast_finding(**values: object) -> Finding:
    """Build a Finding from already-validated parts without re-validating (the engine's hot path).

    Equivalent to `Finding(**values)` for values of the right types (a test checks it); every field must be
    given. Validation costs ~40% of an evaluation of 1,000 cameras, and every part here is already typed.
    """
    if len(values) != len(_FINDING_FIELDS) or not _FINDING_FIELDS.issuperset(values):
        raise TypeError(f"fast_finding needs exactly the Finding fields, got {sorted(values)}")
    return _unchecked_finding(values)


def _unchecked_finding(values: dict[str, object]) -> Finding:
    """A Finding around `values`; its fields-set, and on CPython its dict's keys, are shared by every finding
    (probes/records.py: memory)."""
    finding = Finding.__new__(Finding)
    values["message"] = interned(values["message"])  # type: ignore[arg-type]
    key_sharing_dict(finding, values)
    object.__setattr__(finding, "__pydantic_fields_set__", _ALL_FIELDS_SET)
    object.__setattr__(finding, "__pydantic_extra__", None)
    object.__setattr__(finding, "__pydantic_private__", None)
    return finding


def _local_date(at: datetime, tz: str):  # type: ignore[no-untyped-def]
    return at.astimezone(zoneinfo.ZoneInfo(tz)).date()


class _Engine:
    def __init__(self, devices: Sequence[DeviceFacts], inventory: Inventory, rules: list[Rule],
                 at: datetime) -> None:
        self.devices, self.inventory, self.rules, self.at = devices, inventory, rules, at
        self.today = _local_date(at, inventory.timezone)
        self.match: MatchResult = match_devices(devices, inventory.declarations)
        self.decls: dict[str, Declaration] = {d.name: d for d in inventory.declarations}
        self.findings: list[Finding] = []
        self.keys: dict[str, DeviceKeys] = {}
        self.fleet_cache: dict[object, object] = {}  # for fleet-level checks (e.g. segments of every device)

    # ---- running rules -----------------------------------------------------------------------------------------

    def run(self) -> None:
        device_rules = [r for r in self.rules if not (r.manual and r.manual.scope == "site")]
        site_rules = [r for r in self.rules if r.manual and r.manual.scope == "site"]
        for device in self.devices:
            name = self.match.matches.get(device.device_id)
            decl = self.decls.get(name) if name else None
            note = self.match.device_notes.get(device.device_id)
            cache: dict[str, EvidenceRef] = {}
            for rule in device_rules:
                self._one(rule, device, decl, note, cache)
        for name in self.match.unmatched:
            decl = self.decls[name]
            note = self.match.declaration_notes.get(name)
            for rule in device_rules:
                if rule.check and REGISTRY[rule.check].on_missing:
                    self._one(rule, None, decl, note, {})
        for rule in site_rules:
            self._site_manual(rule)

    def _one(self, rule: Rule, device: DeviceFacts | None, decl: Declaration | None, note: str | None,
             cache: dict[str, EvidenceRef]) -> None:
        if rule.applies_to is not None:
            if decl is None:
                if device is not None:
                    self._emit(rule, device, None, CheckOutcome(
                        Result.UNKNOWN, f"{note or 'the camera is not declared'}: cannot tell whether this "
                                        f"sector/area rule applies (declare it; see GDPR-INV-1)", (NO_DECLARATION,)))
                return
            guessed = rule.applies_to.placeholder_fields(decl)
            if guessed:
                self._emit(rule, device, decl, CheckOutcome(
                    Result.UNKNOWN, f"declaration field(s) {', '.join(guessed)} of {decl.name!r} are still "
                                    f"placeholders: review them to know whether this rule applies"))
                return
            why_not = rule.applies_to.excludes(decl, self.inventory.sector)
            undeclared = rule.applies_to.undeclared_fields(decl) if why_not is None else []
            if undeclared:
                self._emit(rule, device, decl, CheckOutcome(
                    Result.UNKNOWN, f"declaration field(s) {', '.join(undeclared)} of {decl.name!r} are not "
                                    f"declared: add them to know whether this rule applies"))
                return
            if why_not:
                self._emit(rule, device, decl, CheckOutcome(Result.NOT_APPLICABLE, f"does not apply: {why_not}"))
                return
        if rule.manual is not None:
            self._emit(rule, device, decl, self._attested(rule, decl, note))
            return
        assert rule.check is not None
        ctx: CheckContext[Any] = CheckContext(device=device, declaration=decl, inventory=self.inventory,
                                         devices=self.devices, at=self.at, params=rule.params or _NO_PARAMS,
                                         matches=self.match.matches, note=note, evidence_cache=cache,
                                         fleet_cache=self.fleet_cache)
        outcome = run_check(REGISTRY[rule.check], ctx)
        self._emit(rule, device, decl, outcome)

    def _attested(self, rule: Rule, decl: Declaration | None, note: str | None) -> CheckOutcome:
        assert rule.manual is not None
        key = rule.manual.attestation
        if decl is None:
            return CheckOutcome(Result.UNKNOWN, f"{note or 'the camera is not declared'}: nobody can attest "
                                                f"{key!r} for it", (NO_DECLARATION,))
        if key in Declaration.model_fields and key != "attestations":
            value = getattr(decl, key)
            where = f"declaration.{key}"
        elif key in decl.attestations:
            value, where = decl.attestations[key], f"declaration.attestations.{key}"
        else:
            value, where = self.inventory.attestations.get(key), f"site.attestations.{key}"
        return self._attestation_outcome(rule, value, where)

    @staticmethod
    def _attestation_outcome(rule: Rule, value: object, where: str) -> CheckOutcome:
        evidence = (EvidenceRef(key=where, status="declared" if value not in (None, "") else
                                                "missing", value=value, source="site file"),)
        if value is None or value == "" or value == [] or value == {}:
            return CheckOutcome(Result.MANUAL, f"cannot be checked over the network; verify it and attest it "
                                               f"with `{where.split('.', 1)[1]}`", evidence)
        if value is False:
            return CheckOutcome(Result.FAIL, f"attested as not done (`{where}: false`)", evidence)
        return CheckOutcome(Result.PASS, f"attested: {where} = {value}", evidence)

    def _site_manual(self, rule: Rule) -> None:
        assert rule.manual is not None
        key = rule.manual.attestation
        outcome = self._attestation_outcome(rule, self.inventory.attestations.get(key), f"site.attestations.{key}")
        self._emit(rule, None, None, outcome, device_id=SITE_DEVICE_ID, device_name=self.inventory.site)

    # ---- stamping ----------------------------------------------------------------------------------------------

    def _emit(self, rule: Rule, device: DeviceFacts | None, decl: Declaration | None, outcome: CheckOutcome,
              device_id: str | None = None, device_name: str | None = None) -> None:
        if device_id is None:
            device_id = device.device_id if device is not None else f"declared:{decl.name if decl else '?'}"
        if device_name is None:
            device_name = display_name(device_id, declared=decl.name if decl is not None else None, device=device)
        result, message, waiver_ref = outcome.result, outcome.message, None
        if result is Result.FAIL:
            waiver = self._waiver_for(rule.id, device, decl)
            if waiver is not None:
                expired = self.today > waiver.expires
                waiver_ref = WaiverRef(justification=waiver.justification, approver=waiver.approver,
                                       expires=waiver.expires, expired=expired)
                if expired:
                    message += f" (waiver by {waiver.approver} expired on {waiver.expires.isoformat()})"
                else:
                    result = Result.WAIVED
                    message += f" (waived until {waiver.expires.isoformat()} by {waiver.approver})"
        self.findings.append(_unchecked_finding({  # every Finding field, already typed (see fast_finding)
            "uid": finding_uid(self.inventory.site, device_id, rule.id), "rule_id": rule.id,
            "check": rule.check_name, "profile": rule.profile,
            "profile_version": rule.profile_version or None, "device_id": device_id, "device_name": device_name,
            "result": result, "severity": rule.severity, "title": rule.title, "message": message,
            "evidence": list(outcome.evidence), "reference": rule.reference, "remediation": rule.remediation,
            "waiver": waiver_ref, "evaluated_at": self.at, "change": None}))

    def _waiver_for(self, rule_id: str, device: DeviceFacts | None, decl: Declaration | None) -> Waiver | None:
        """The best waiver for this rule and device: a valid one before an expired one."""
        found: list[Waiver] = []
        for waiver in self.inventory.waivers:
            if waiver.rule != rule_id:
                continue
            sel = waiver.devices
            if sel is None:
                found.append(waiver)
                continue
            if sel.name is not None:
                if decl is not None and decl.name == sel.name:
                    found.append(waiver)
                continue
            if device is not None:
                keys = self.keys.get(device.device_id)
                if keys is None:
                    keys = self.keys[device.device_id] = DeviceKeys.of(device)
                if selector_strength(sel, keys):
                    found.append(waiver)
            elif decl is not None and sel == decl.match:
                found.append(waiver)
        if not found:
            return None
        valid = [w for w in found if w.expires >= self.today]
        return max(valid or found, key=lambda w: w.expires)


def evaluate(devices: Sequence[DeviceFacts], inventory: Inventory, profiles: Sequence[Profile], *,
             at: datetime) -> Evaluation:
    """Judge every device (and every declared-but-missing camera) against the rules of `profiles` at `at`.

    A naive `at` is taken as local time in the site's time zone.
    """
    if at.tzinfo is None:
        at = at.replace(tzinfo=zoneinfo.ZoneInfo(inventory.timezone))
    rules, warnings = effective_rules(profiles)
    engine = _Engine(devices, inventory, rules, at)
    engine.run()
    return Evaluation(findings=engine.findings, matches=dict(engine.match.matches), at=at,
                      ambiguities=engine.match.ambiguities, warnings=warnings, rules=rules)
