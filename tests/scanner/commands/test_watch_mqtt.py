"""`camaudit watch --mqtt`: each scan publishes its changes (not the persisting findings) to a real Mosquitto."""

from __future__ import annotations

import asyncio
import textwrap
from pathlib import Path

import pytest

from scanner.cli import build_parser
from scanner.commands import watch
from tests.reports.mqtt._broker import MOSQUITTO, Mosquitto, Recorder
from tests.scanner import labscans

pytestmark = pytest.mark.broker

class TwoSlotClock:
    def __init__(self) -> None:
        self.t, self.waits = labscans.T0, 0

    def now(self):
        return self.t

    async def sleep_until(self, when, stop):
        await asyncio.sleep(0)
        self.waits += 1
        if stop.is_set() or self.waits > 2:
            return False
        self.t = max(self.t, when)
        return True

async def test_watch_publishes_changes_and_status(tmp_path, monkeypatch):
    if not Path(MOSQUITTO).exists():
        pytest.skip("mosquitto is not installed")
    monkeypatch.setenv("CAMAUDIT_STATE_DIR", str(tmp_path / "state"))
    site = tmp_path / "site.yaml"
    site.write_text(textwrap.dedent("""\
        name: lab-campus
        scope: {targets: [127.0.10.0/24]}
    """))
    fleets = [labscans.CAMERAS, labscans.fleet_after_changes()]
    scan_ids: list[str] = []

    async def scan(site_file, scan_id):
        scan_ids.append(scan_id)
        return labscans.scan(fleets[len(scan_ids) - 1], scan_id=scan_id, started=clock.t)

    clock = TwoSlotClock()
    broker = Mosquitto(tmp_path).start()
    try:
        async with Recorder(broker.port) as recorder:
            args = build_parser().parse_args([
                "watch", "--site", str(site), "--every", "6h", "--history", str(tmp_path / "h.sqlite"),
                "--mqtt", f"mqtt://127.0.0.1:{broker.port}", "--mqtt-format", "native",
                "--mqtt-outbox", str(tmp_path / "outbox.sqlite"), "--mqtt-client-id", "watch-test"])
            assert await watch.run(args, scan=scan, clock=clock) == 0
            assert len(scan_ids) == 2

            def finished(messages):
                return sum(1 for m in messages if "/scan/" in m.topic and m.json().get("event") == "finished") == 2

            await recorder.wait_for(finished)
            await recorder.wait_for(lambda ms: any(m.topic.endswith("/status") and m.payload == b"offline"
                                                   for m in ms))
        findings = [m.json() for m in recorder.messages if "/finding/" in m.topic]
        by_scan = {sid: sorted((f["change"], f["finding"]["rule_id"], f["finding"]["device_name"])
                               for f in findings if f["scan_id"] == sid) for sid in scan_ids}
        # first scan: every finding is new; only the failing ones are alerts
        assert by_scan[scan_ids[0]] == sorted([("new", "T-RET-1", "school-corridor"), ("new", "T-AUDIO-1", "car-park"),
                                               ("new", "T-RET-1", "car-park"), ("new", "T-USERS-1", "car-park")])
        # second scan: what changed, nothing persisting, the vanished camera's resolutions included
        assert by_scan[scan_ids[1]] == sorted([
            ("new", "T-AUDIO-1", "school-corridor"), ("new", "T-RET-1", "hotel-lobby"),
            ("changed", "T-USERS-1", "reception"), ("resolved", "T-RET-1", "school-corridor"),
            ("resolved", "T-AUDIO-1", "car-park"), ("resolved", "T-RET-1", "car-park"),
            ("resolved", "T-USERS-1", "car-park")])
        statuses = [m.payload for m in recorder.messages if m.topic.endswith("/status")]
        assert statuses[0] == b"online" and statuses[-1] == b"offline"
    finally:
        broker.stop()

