"""`camaudit watch --once` end to end: the real pipeline against the lab demo fleet, twice, with changes between.

Between the scans: audio turned on at school-corridor, retention raised at hotel-corridor
(72 h -> 30 d), hotel-lobby added (it was out of scope), bank-vault removed (now out of scope).
The finding states are derived, not listed: what changed must be exactly the findings that rely
on the changed facts, plus the added and removed cameras.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from profiles.findings import Change, Result
from scanner.cli import build_parser
from scanner.commands import watch
from scanner.drift import compare, is_synthetic
from scanner.history import ScanStatus, open_history

pytestmark = pytest.mark.slow


def _write_site(path: Path, site_doc: dict, cameras) -> None:
    doc = dict(site_doc)
    doc["scope"] = {"targets": ["127.0.10.0/24"], "ports": [80],  # nothing listens on :80; cameras via hosts
                    "hosts": [f"{c.address}:{c.port}" for c in cameras]}
    path.write_text(yaml.safe_dump(doc))


def _evidence_keys(finding) -> set[str]:
    return {e.key for e in finding.evidence}


async def test_two_scans_with_changes_between(tmp_path, monkeypatch):
    from lab import DEMO_FLEET, DEMO_SITE, load_fleet, run_fleet
    from lab.model import Audio, AudioSource

    monkeypatch.setenv("CAMAUDIT_DEMO_PASSWORD", "demo-pass")
    monkeypatch.setenv("CAMAUDIT_STATE_DIR", str(tmp_path / "state"))
    site_doc = yaml.safe_load(Path(DEMO_SITE).read_text())
    site, history = tmp_path / "site.yaml", tmp_path / "history.sqlite"
    args = build_parser().parse_args(["watch", "--once", "--site", str(site), "--history", str(history)])
    async with run_fleet(load_fleet(DEMO_FLEET), port_override=0) as running:
        _write_site(site, site_doc, [c for c in running.cameras if c.spec.name != "hotel-lobby"])
        assert await watch.run(args) == 4  # failing, and incomplete: lobby-old and the removed camera are not there
        corridor = running.camera("school-corridor").spec
        corridor.media.profiles[0].audio = Audio()
        corridor.media.audio_sources.append(AudioSource())
        running.camera("hotel-corridor").spec.recording.recordings[0].max_retention = "P30D"
        _write_site(site, site_doc, [c for c in running.cameras if c.spec.name != "bank-vault"])
        assert await watch.run(args) == 4  # failing, and incomplete: lobby-old and the removed camera are not there

    async with open_history(history) as store:
        second, first = await store.list_scans()
        assert second.status is first.status is ScanStatus.COMPLETE
        a, b = await store.load_scan(first.scan_id), await store.load_scan(second.scan_id)
    assert b.meta.previous_scan_id == a.meta.scan_id
    drift = compare(b, a)
    names = {d.device_id: b.declared_names.get(d.device_id) for d in b.devices}
    assert [d.name for d in drift.new_devices] == ["hotel-lobby"]
    assert [d.name for d in drift.vanished_devices] == ["bank-vault"]
    important = {(c.device_name, c.sentence) for c in drift.fact_changes if c.important}
    assert ("school-corridor", "audio turned on (profiles: Profile_1)") in important
    assert ("hotel-corridor", "retention raised from 72 h to 30 d") in important
    assert {c.device_name for c in drift.fact_changes} == {"school-corridor", "hotel-corridor"}

    before = {f.uid: f for f in a.findings}
    audio_keys = {"media.audio_in_profiles", "media.audio_encoders", "media.audio_sources"}
    for f in b.findings:
        name = names.get(f.device_id)
        if is_synthetic(f):
            continue
        if name == "hotel-lobby" or f.uid not in before:
            assert f.change is Change.NEW, (f.rule_id, f.device_id)
        elif f.result is before[f.uid].result and f.severity is before[f.uid].severity:
            assert f.change is Change.PERSISTING
        else:  # a real change: only where a fact changed, and only through the changed facts
            assert name in ("school-corridor", "hotel-corridor"), (f.rule_id, name)
            relies_on = audio_keys if name == "school-corridor" else {"recording.recordings"}
            assert _evidence_keys(f) & relies_on, (f.rule_id, _evidence_keys(f))
            assert f.change in (Change.NEW, Change.CHANGED, Change.RESOLVED)
    changed_rules = {(names.get(f.device_id), f.rule_id) for f in b.findings
                     if f.change is Change.NEW and f.uid in before}
    assert ("school-corridor", "CZ-AUDIO-1") in changed_rules and ("school-corridor", "GR-AUDIO-1") in changed_rules
    assert any(name == "hotel-corridor" for name, _ in changed_rules)
    # resolutions: exactly the failing findings of the vanished camera and those no longer reported
    resolved = {f.uid for f in b.findings if is_synthetic(f)}
    current = {f.uid for f in b.findings if not is_synthetic(f)}
    assert resolved == {u for u, f in before.items() if f.result is Result.FAIL and u not in current}
    bank_vault = next(d.device_id for d in a.devices if a.declared_names.get(d.device_id) == "bank-vault")
    assert any(f.device_id == bank_vault for f in b.findings if is_synthetic(f))
