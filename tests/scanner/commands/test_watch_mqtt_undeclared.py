"""An undeclared camera is one MQTT alert (GDPR-INV-1), not ~40: a real lab scan into a real Mosquitto.

`watch --once` audits the lab's demo fleet (which has one camera missing from the site file) and
publishes to a Mosquitto this test starts on a free port. The scan document keeps every finding of
that camera; the SIEM gets its GDPR-INV-1 failure and a retained state that counts the rest.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import unquote

import pytest
import yaml

from profiles.findings import Result
from reports.model import ScanResult
from scanner.cli import build_parser
from scanner.commands import watch
from tests.reports.mqtt._broker import MOSQUITTO, Mosquitto, Recorder

pytestmark = [pytest.mark.broker, pytest.mark.slow]

async def test_undeclared_camera_is_one_alert_with_a_counted_state(tmp_path, monkeypatch):
    if not Path(MOSQUITTO).exists():
        pytest.skip("mosquitto is not installed")
    from lab import DEMO_FLEET, DEMO_SITE, load_fleet, run_fleet

    monkeypatch.setenv("CAMAUDIT_DEMO_PASSWORD", "demo-pass")
    monkeypatch.setenv("CAMAUDIT_STATE_DIR", str(tmp_path / "state"))
    site_doc = yaml.safe_load(Path(DEMO_SITE).read_text())
    site = tmp_path / "site.yaml"
    broker = Mosquitto(tmp_path).start()
    try:
        async with Recorder(broker.port) as recorder, \
                run_fleet(load_fleet(DEMO_FLEET), port_override=0) as running:
            site_doc["scope"] = {"targets": ["127.0.10.0/24"], "ports": [80],
                                 "hosts": [f"{c.address}:{c.port}" for c in running.cameras]}
            site.write_text(yaml.safe_dump(site_doc))
            args = build_parser().parse_args([
                "watch", "--once", "--site", str(site), "--history", str(tmp_path / "h.sqlite"),
                "--json", str(tmp_path / "scan.json"),
                "--mqtt", f"mqtt://127.0.0.1:{broker.port}", "--mqtt-format", "native",
                "--mqtt-outbox", str(tmp_path / "outbox.sqlite"), "--mqtt-client-id", "undeclared-test"])
            assert await watch.run(args) == 4  # failing findings; incomplete: lobby-old is not there
            await recorder.wait_for(lambda ms: any("/scan/" in m.topic and m.json().get("event") == "finished"
                                                   for m in ms))
    finally:
        broker.stop()

    scan = ScanResult.load(tmp_path / "scan.json")
    waiting = [f for f in scan.findings if f.needs_declaration]
    (rogue,) = {f.device_id for f in waiting}
    assert rogue not in scan.declared_names and len(waiting) >= 20  # the JSON keeps them all
    mine = [f for f in scan.findings if f.device_id == rogue]
    alerts = sorted(f.rule_id for f in mine if f.result in (Result.FAIL, Result.UNKNOWN, Result.ERROR)
                    and not f.needs_declaration)
    assert "GDPR-INV-1" in alerts

    def level(topic: str, n: int) -> str:
        return unquote(topic.split("/")[n])

    findings = [m.json() for m in recorder.messages if level(m.topic, 3) == "finding"]
    sent_for_rogue = sorted(f["finding"]["rule_id"] for f in findings if f["finding"]["device_id"] == rogue)
    assert sent_for_rogue == alerts  # GDPR-INV-1 (and any fact-based alert), none of the waiting ones
    assert len(sent_for_rogue) < 5
    # every other camera's alerts still go out: the fold is for the undeclared camera only
    expected = sum(1 for f in scan.findings if f.result in (Result.FAIL, Result.UNKNOWN, Result.ERROR)
                   and not f.needs_declaration)
    assert len(findings) == expected
    state = next(m for m in recorder.messages if level(m.topic, 3) == "state" and level(m.topic, 4) == rogue)
    body = state.json()
    assert body["posture"] == "failing" and body["needs_declaration"] == len(waiting)
    assert body["counts"]["unknown"] == len(waiting)  # counted honestly, never as compliant
    assert body["drift"] == {"new_device": False, "fact_changes": []}  # first recorded scan: nothing new
    finished = next(m.json() for m in recorder.messages if level(m.topic, 3) == "scan"
                    and m.json().get("event") == "finished")
    assert finished["counts"]["needs_declaration"] == len(waiting)
    assert finished["counts"]["finding_messages"] == expected
    assert finished["drift"]["previous_scan_id"] is None
    assert json.loads(json.dumps(body))  # plain JSON
