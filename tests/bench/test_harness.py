"""The benchmark harness's own logic: what the floor renews must still authenticate, and figures survive the trip.

The floor client replays captured requests; if its renewed WS-UsernameToken or its
HTTP Digest answers were wrong, the lab would answer faults and the floor would look
faster than it is. So both are checked against the lab's own, independent verifiers.
No timing is asserted anywhere.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bench import audit, floor, peer_read, run_all  # bench/ is a namespace package under the repository root
from bench._common import Report, Row
from lab.auth import challenge, check_http_digest, check_username_token
from lab.model import Auth, User, UserLevel
from lab.soap import parse_request
from probes import clock
from probes.onvif._soap import UsernameToken, build_envelope

BENCH = Path(__file__).resolve().parents[2] / "bench"
PASSWORD = "bench-pass"
AUTH = Auth(users={"auditor": User(password=PASSWORD, level=UserLevel.ADMINISTRATOR)})


@pytest.mark.parametrize("offset_s", [0.0, -900.0, 600.0])
def test_renewed_username_token_is_accepted_by_a_skewed_camera(offset_s: float) -> None:
    sent_at = time.time() - 3600  # captured an hour ago: the old Created would be refused
    old_created = datetime.fromtimestamp(sent_at, UTC) + timedelta(seconds=offset_s)
    header = UsernameToken("auditor", PASSWORD).header(created=old_created)
    body = build_envelope("tds:GetUsers", security_header=header)
    camera_now = clock.now() + timedelta(seconds=offset_s)

    stale = parse_request(body).token
    assert stale is not None and not check_username_token(stale, AUTH, camera_now).ok

    renewed = floor.fresh_token(body, sent_at, PASSWORD)
    token = parse_request(renewed).token
    assert token is not None
    assert token.nonce != stale.nonce
    assert check_username_token(token, AUTH, camera_now).ok
    assert renewed.split(b"<s:Body>")[1] == body.split(b"<s:Body>")[1]  # the request itself is untouched


def test_digest_answer_is_accepted_by_the_lab() -> None:
    cam = floor.Camera("127.0.0.1:1")
    cam.challenge = floor._parse_challenge(challenge(AUTH.realm, "cam-key"))
    header = floor.digest_header(cam, "POST", "http://127.0.0.1:1/onvif/device_service", "auditor", PASSWORD)
    assert header is not None
    assert check_http_digest(header, "POST", AUTH, "cam-key", "/onvif/device_service").ok
    wrong = floor.digest_header(cam, "POST", "http://127.0.0.1:1/onvif/device_service", "auditor", "nope")
    assert wrong is not None and not check_http_digest(wrong, "POST", AUTH, "cam-key").ok


def test_peer_reads_operation_and_typed_parameters_from_a_captured_body() -> None:
    body = build_envelope("tds:GetServices", (("IncludeCapability", "false"),))
    namespace, operation, params = peer_read.operation_of(body) or ("", "", {})
    assert namespace == "http://www.onvif.org/ver10/device/wsdl"
    assert operation == "GetServices"
    assert params == {"IncludeCapability": False}
    assert peer_read.operation_of(b"<not xml") is None


def test_report_rows_round_trip_and_show_misses() -> None:
    report = Report(rows=[Row("audit 1000", "wall time", 47.5, "s", "≤ 20 s", False),
                          Row("mqtt", "rate", 3643.0, "msg/s", "≥ 2,000 msg/s", True)], notes=["a note"])
    again = Report.from_json(report.to_json())
    assert again == report
    table = again.markdown()
    assert "| audit 1000 | wall time | 47.5 s | ≤ 20 s | **missed** |" in table
    assert "| mqtt | rate | 3,643 msg/s | ≥ 2,000 msg/s | met |" in table
    assert table.endswith("- a note")


def test_report_html_output_becomes_rows() -> None:
    out = run_all._parse_report_html(
        "sample scan: 1000 cameras, 60,001 findings (built in 2.1 s)\n"
        "HTML render in Python: 1.33 s (3,873,567 characters); file size 3.87 MB (3,873,624 bytes)\n"
        "Chromium render (navigation start -> first frame after ready), median of 3: 1745 ms  [696, 1745, 1878]\n"
        "slowest filter until frame (median): 78.0 ms\n")
    by_metric = {r.metric: r for r in out.rows}
    render = by_metric["Chromium render: navigation to first frame after ready"]
    assert render.value == 1745.0 and render.met is False
    assert by_metric["filter applied until next frame (slowest filter)"].met is True
    assert by_metric["HTML file size"].value == 3.87
    garbled = run_all._parse_report_html("something else entirely")
    assert garbled.rows[0].value == "output not understood"


def _variant_run(variant: audit.Variant, *, wall: float, heard: int, busiest: float,
                 readers: list[float]) -> audit.VariantRun:
    fig = {"wall_s": wall, "discovery_s": 1.0, "facts_done_s": wall - 1.0, "cpu_s": busiest if not readers else 2.0,
           "cpu_workers_s": sum(readers), "cpu_readers_s": readers, "cpu_busiest_s": busiest,
           "cpu_readers_startup_s": [1.0 for _ in readers], "discovered": heard,
           "devices": heard, "devices_with_errors": 0, "facts": {"ok": 10}, "peak_rss_mb": 100.0}
    return audit.VariantRun(variant, fig, requests=35 * heard, lab_cpu_s=1.0, load="1.0 (1 min), 1.0 (5 min)")


def test_variants_are_compared_per_lab_and_a_variant_that_heard_fewer_cameras_never() -> None:
    assert audit.parse_variants("1:asyncio,2:uvloop,2:asyncio:0.2") == [
        audit.Variant(1, "asyncio"), audit.Variant(2, "uvloop"), audit.Variant(2, "asyncio", 0.2)]
    one, two = audit.Variant(1, "asyncio"), audit.Variant(2, "asyncio")
    slow_one, slow_two = audit.Variant(1, "asyncio", 0.2), audit.Variant(2, "asyncio", 0.2)
    report = Report()
    audit.report_variants("audit 100", 100, [
        _variant_run(one, wall=20.0, heard=100, busiest=10.0, readers=[]),
        _variant_run(two, wall=10.0, heard=100, busiest=6.0, readers=[5.0, 6.0]),
        _variant_run(slow_one, wall=40.0, heard=100, busiest=8.0, readers=[]),
        _variant_run(slow_two, wall=30.0, heard=77, busiest=4.0, readers=[3.0, 4.0]),
    ], report)
    rows = {r.metric: r for r in report.rows}
    two_wall = rows["workers 2, asyncio: wall time"].note
    assert "against workers 1, asyncio: speed-up 2.00x in wall time, 2.25x in the facts phase" in two_wall
    assert "busiest process's CPU 0.60x, total CPU 1.30x" in two_wall  # 6 s against 10; 13 s against 10
    assert rows["workers 2, asyncio: CPU time of the busiest process (critical path)"].value == 6.0
    split = rows["workers 2, asyncio: CPU time, all scanner processes"].note
    assert "reader processes 5.0 + 6.0 s (starting: 1.0 + 1.0 s)" in split
    assert "against" not in rows["workers 1, asyncio, lab replies after 200 ms: wall time"].note  # its own lab
    short = rows["workers 2, asyncio, lab replies after 200 ms: wall time"].note
    assert "heard 77 of 100 cameras: **NOT COMPARABLE**" in short and "against" not in short
    assert any("heard only 77 of 100" in note for note in report.notes)


@pytest.mark.slow
def test_audit_script_runs_with_reader_processes_and_both_loops(tmp_path: Path) -> None:
    """The audit benchmark runs end to end on a tiny fleet (scripts, not figures: nothing here is timed)."""
    import importlib.util
    import subprocess

    variants = ["1:asyncio", "2:asyncio", "2:asyncio:0.05"] + (
        ["1:uvloop"] if importlib.util.find_spec("uvloop") else [])
    out = tmp_path / "rows.json"
    done = subprocess.run([sys.executable, str(BENCH / "audit.py"), "--sizes", "4", "--no-slow", "--repeat", "1",
                           "--variants", ",".join(variants), "--compare-late", "--json-out", str(out)],
                          capture_output=True, text=True, timeout=600, env={**os.environ, "CAMAUDIT_BENCH_NICE": "0"})
    assert done.returncode == 0, done.stderr[-3000:]
    rows = {r.metric: r for r in Report.from_json(out.read_text(encoding="utf-8")).rows}
    assert rows["SOAP requests (lab count)"].value > 4 * 20  # every camera was really read
    assert rows["HTTP requests per camera (capture run)"].value > 20
    late = rows["camaudit / floor, reading only after discovery"]  # --compare-late: the audit without early reads
    assert late.value > 0 and "what early reads gain" in late.note
    assert "busy" in rows["camaudit CPU / floor wall (whole audit)"].note
    for variant in map(audit.parse_variants, variants):
        label = variant[0].label
        assert f"{label}: CPU time, all scanner processes" in rows
        assert "discovery heard 4 of 4 cameras" in rows[f"{label}: wall time"].note
    two = rows["workers 2, asyncio: CPU time, all scanner processes"]
    assert two.note.count(" + ") == 2  # the two reader processes reported their CPU, and how much was start-up
    assert "against workers 1, asyncio:" in rows["workers 2, asyncio: wall time"].note
    busiest = rows["workers 2, asyncio: CPU time of the busiest process (critical path)"]
    assert 0 < busiest.value <= two.value
