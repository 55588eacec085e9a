"""Every due MQTT alert arrives at least once, whatever instant `camaudit scan` is killed at (docs/mqtt.md).

The scan runs as a child process against lab cameras and a real Mosquitto; CAMAUDIT_TEST_BARRIER stops it
at a named point, the test SIGKILLs it there (no timing luck), then runs the scan again. A subscriber
connected before the first scan counts: every due alert arrived, copies share their message_id, and the
history holds no half-written scan. For SQLite history and for PostgreSQL (a throw-away server, tests/pgserver.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from probes.barrier import BARRIERS
from tests.reports.mqtt._broker import MOSQUITTO
from tests.scanner import _faults
from tests.scanner.history.conftest import pg_schema

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.broker

BEFORE_COMMIT = {"after-discovery", "after-reading", "after-evaluation"}

def _check(outcome: _faults.Outcome) -> None:
    assert outcome.killed, f"the scan never reached barrier {outcome.barrier}"
    assert outcome.due, "the lab site has failing findings: something must be due"
    missing = outcome.due - set(outcome.delivered)
    assert not missing, f"{len(missing)} of {len(outcome.due)} due alerts never arrived"
    assert outcome.split_ids == 0, "copies of one alert carry different message ids"
    assert outcome.loadable and "running" not in outcome.statuses, outcome.statuses
    if outcome.barrier in BEFORE_COMMIT:  # the killed scan left its marker, shown as aborted
        assert outcome.statuses == ["aborted", "complete"]
    else:
        assert outcome.statuses == ["complete", "complete"]
    assert outcome.exit_code == 3  # the demo cameras fail rules: the re-run judged and reported normally


@pytest.fixture
def needs_mosquitto():
    if not Path(MOSQUITTO).exists():
        pytest.skip("mosquitto is not installed")


@pytest.mark.parametrize("barrier", BARRIERS)
async def test_killed_at_a_barrier_then_rerun_loses_no_alert_sqlite(barrier, tmp_path, needs_mosquitto):
    async with _faults.lab_site(tmp_path) as site:
        _check(await _faults.kill_and_rerun(barrier, tmp_path / "run", site, str(tmp_path / "history.sqlite")))


@pytest.mark.parametrize("barrier", ["after-evaluation", "after-history-commit", "between-outbox-rows",
                                     "mid-report", "mid-publish"])
async def test_watch_killed_at_a_barrier_then_rerun_loses_no_alert(barrier, tmp_path, needs_mosquitto):
    """`watch --once` runs the same cycle as a scheduled watch (marker, commit, queue, reports, delivery)."""
    async with _faults.lab_site(tmp_path) as site:
        _check(await _faults.kill_and_rerun(barrier, tmp_path / "run", site, str(tmp_path / "history.sqlite"),
                                            command="watch"))


@pytest.mark.parametrize("barrier", BARRIERS)
async def test_killed_at_a_barrier_then_rerun_loses_no_alert_postgres(barrier, tmp_path, needs_mosquitto):
    async with pg_schema() as url, _faults.lab_site(tmp_path) as site:
        _check(await _faults.kill_and_rerun(barrier, tmp_path / "run", site, url))

async def test_an_unwritable_report_neither_loses_nor_delays_the_alerts(tmp_path, needs_mosquitto):
    """Before: traceback, exit 1, the scan stored, its alerts never sent (the next run saw them persisting).

    The path passes the checks made before scanning (issue 13: a directory, a missing or unwritable parent
    are refused up front), but its temporary sibling's name is too long, so writing fails only at the end.
    """
    report = tmp_path / ("r" * 250 + ".html")
    async with _faults.lab_site(tmp_path) as site:
        broker = _faults.Mosquitto(tmp_path).start()
        try:
            async with _faults.Recorder(broker.port, "camaudit/#") as recorder:
                cmd = _faults.scan_command(site, tmp_path, str(tmp_path / "h.sqlite"), broker.port)
                cmd += ["--html", str(report)]
                code, err = await _faults.run_to_end(cmd, _faults.child_env(tmp_path, None), tmp_path)
                await recorder.wait_for(lambda ms: any(m.topic.endswith("/status") and m.payload == b"offline"
                                                       for m in ms))
                received = {m.json()["finding"]["uid"] for m in recorder.messages if "/finding/" in m.topic}
        finally:
            broker.stop()
    assert code == 1 and "Traceback" not in err
    assert "cannot write the HTML report to" in " ".join(err.split())
    assert str(report) in "".join(err.split())  # the terminal may fold the long name
    assert (tmp_path / "scan.json").exists()  # the other reports are written
    _statuses, _loadable, due = await _faults.history_state(str(tmp_path / "h.sqlite"))
    assert due and due <= received

def test_every_barrier_is_placed_in_the_code():
    sources = "\n".join(p.read_text() for d in ("probes", "profiles", "reports", "scanner")
                        for p in (ROOT / d).rglob("*.py") if p.name != "barrier.py")
    for name in BARRIERS:
        assert f'barrier("{name}")' in sources, name

async def test_a_broker_that_lost_its_retained_state_gets_the_initial_state_again(tmp_path, needs_mosquitto):
    """Per-destination memory: same broker, nothing new -> no alerts; broker rebuilt (retained state gone) ->
    the current failing/unknown findings again, marked initial_state, in that very run."""
    history = str(tmp_path / "h.sqlite")
    async with _faults.lab_site(tmp_path) as site:
        broker = _faults.Mosquitto(tmp_path).start()
        try:
            async with _faults.Recorder(broker.port, "camaudit/#") as recorder:
                cmd = _faults.scan_command(site, tmp_path, history, broker.port)
                runs = []
                for restart in (False, False, True):
                    if restart:
                        broker.stop()  # persistence off: the retained status and states are gone
                        broker = _faults.Mosquitto(tmp_path, port=broker.port).start()
                    before = len(recorder.messages)
                    code, err = await _faults.run_to_end(cmd, _faults.child_env(tmp_path, None), tmp_path)
                    assert code == 3, err
                    await recorder.wait_for(lambda ms, n=before: sum(
                        1 for m in ms[n:] if "/scan/" in m.topic and m.json().get("event") == "finished") >= 1)
                    runs.append([m.json() for m in recorder.messages[before:] if "/finding/" in m.topic])
        finally:
            broker.stop()
    _statuses, _loadable, due = await _faults.history_state(history)
    first, unchanged, rebuilt = runs
    for run in (first, rebuilt):  # each due alert exactly once, as initial state
        assert sorted(m["finding"]["uid"] for m in run) == sorted(due) and all(m["initial_state"] for m in run)
    assert unchanged == []
    assert "lost its retained state" in " ".join(err.split())
