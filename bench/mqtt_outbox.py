"""MQTT: findings per second with QoS 1 through the durable outbox to a local Mosquitto it starts itself.

The scan is the deterministic sample of tests/reports/factory.py (15 findings per camera,
`--mqtt-all` so every finding is a message, OCSF payloads). Phases, each timed apart:
build (finding -> OCSF JSON), enqueue (one SQLite transaction, fsync), drain (publish with
QoS 1, wait for every PUBACK, delete in batches). A `mosquitto_sub` (QoS 1) counts the
finding messages the broker delivered. Then the same scan end to end with `publish_result`.
Prints figures; asserts nothing.

    python bench/mqtt_outbox.py --messages 10000 [--window 32] [--json-out FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import Report, target_min

from reports.mqtt import MqttConfig, MqttPublisher, publish_result
from reports.mqtt.messages import result_messages
from reports.mqtt.outbox import Outbox
from tests.reports.factory import make_scan
from tests.reports.mqtt._broker import Mosquitto

TARGET = 2000.0  # msg/s


async def _drain_phase(config: MqttConfig, scan) -> dict[str, float]:
    t = time.perf_counter()
    messages = result_messages(scan, config, "bench")
    build_s = time.perf_counter() - t
    async with Outbox(config.outbox.with_name("enqueue-only.sqlite")) as box:  # the enqueue step alone
        t = time.perf_counter()
        await box.put(messages)
        enqueue_s = time.perf_counter() - t
    async with MqttPublisher(config, site=scan.meta.site, scanner_id="bench") as pub:
        await asyncio.wait_for(pub.connected.wait(), 30)
        t = time.perf_counter()
        left = await pub.send(messages, wait=600)  # store, publish, wait for every PUBACK
        await pub._flush()
        through_s = time.perf_counter() - t
        assert not left, f"{len(left)} messages not acknowledged"
        protocol = pub.protocol
    return {"messages": len(messages), "build_s": build_s, "enqueue_s": enqueue_s, "through_s": through_s,
            "protocol": str(protocol)}


async def run(n: int, window: int) -> Report:
    report = Report()
    with tempfile.TemporaryDirectory(prefix="camaudit-bench-mqtt-") as tmp:
        broker = Mosquitto(Path(tmp)).start()
        try:
            scan = make_scan(max(1, -(-n // 15)), findings_per_device=15, hostile=False)
            scan.findings = scan.findings[:n]
            config = MqttConfig(host="127.0.0.1", port=broker.port, outbox=Path(tmp) / "outbox.sqlite",
                                send_all=True, window=window, timeout=600)
            sub = None
            if shutil.which("mosquitto_sub"):
                sub = subprocess.Popen(  # noqa: ASYNC220 - started once, before anything is timed
                    ["mosquitto_sub", "-h", "127.0.0.1", "-p", str(broker.port), "-q", "1",
                     "-t", "camaudit/+/+/finding/#", "-C", str(n), "-W", "600"],
                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                await asyncio.sleep(0.3)  # let it subscribe
            phases = await _drain_phase(config, scan)
            received = None
            if sub is not None:
                try:
                    await asyncio.to_thread(sub.wait, 60)
                    received = n if sub.returncode == 0 else None
                except subprocess.TimeoutExpired:
                    sub.kill()
            m = phases["messages"]
            through = m / phases["through_s"]
            report.add("mqtt", f"through the outbox: enqueue + drain, QoS 1 ({m:,} messages)", through, "msg/s",
                       f">= {TARGET:,.0f} msg/s", target_min(through, TARGET))
            report.add("mqtt", "enqueue alone (one SQLite transaction, fsync)", phases["enqueue_s"], "s")
            report.add("mqtt", f"build {n:,} OCSF payloads", phases["build_s"], "s")
            report.add("mqtt", "finding messages counted by mosquitto_sub (QoS 1)",
                       received if received is not None else "n/a", note=f"of {n:,}")
            t = time.perf_counter()
            stats = await publish_result(scan, config)
            e2e = time.perf_counter() - t
            report.add("mqtt", "publish_result end to end (build + enqueue + drain + connect)",
                       stats.enqueued / e2e, "msg/s")
            report.notes.append(f"MQTT {phases['protocol']}, window {window}, {mosquitto_version()}")
        finally:
            broker.stop()
    return report


def mosquitto_version() -> str:
    from tests.reports.mqtt._broker import MOSQUITTO

    out = subprocess.run([MOSQUITTO, "-h"], capture_output=True, text=True, check=False).stdout
    return out.splitlines()[0] if out else "mosquitto"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000, help="number of findings (default 10000)")
    parser.add_argument("--window", type=int, default=32, help="publishes awaiting PUBACK at once")
    parser.add_argument("--json-out", help="also write the figures as JSON (for run_all.py)")
    args = parser.parse_args()
    report = asyncio.run(run(args.messages, args.window))
    report.emit(args.json_out)


if __name__ == "__main__":
    main()
