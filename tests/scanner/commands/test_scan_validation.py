"""`camaudit scan` checks outputs, broker options and credential references before it sends one packet.

A lab camera is named with --host; each bad option must end the command with exit 1 and a one-line
error, and the camera must have received no request at all (the check came before discovery).
"""

from __future__ import annotations

import pytest

from scanner.cli import main

pytestmark = pytest.mark.slow


@pytest.fixture
def camera():
    """One demo camera on an ephemeral port, served from a thread so `main` can run its own event loop."""
    import asyncio
    import threading

    from lab import DEMO_FLEET, load_fleet, run_fleet

    fleet = load_fleet(DEMO_FLEET)
    fleet = fleet.model_copy(update={"cameras": [c for c in fleet.cameras if c.name == "hotel-lobby"]})
    ready, stop = threading.Event(), None
    holder: dict = {}

    async def serve() -> None:
        nonlocal stop
        stop = asyncio.Event()
        async with run_fleet(fleet, port_override=0) as running:
            holder["cam"] = running.cameras[0]
            ready.set()
            await stop.wait()

    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    assert ready.wait(30)
    yield holder["cam"]
    loop.call_soon_threadsafe(stop.set)
    thread.join(30)


def _scan(camera, tmp_path, *extra: str) -> list[str]:
    return ["scan", "--host", f"{camera.address}:{camera.port}", "--no-history", "--user", "auditor",
            "--password-env", "H13_LAB_PASSWORD", *extra]


@pytest.mark.parametrize(("case", "why"), [
    ("html-is-a-directory", "is a directory"),
    ("json-in-missing-directory", "does not exist"),
    ("csv-under-a-file", "is not a directory"),
    ("password-in-broker-url", "do not put the password in the broker URL"),
    ("missing-password-variable", "H13_LAB_PASSWORD is not set"),
])
def test_bad_option_stops_before_discovery(camera, tmp_path, capsys, monkeypatch, case, why) -> None:
    monkeypatch.setenv("H13_LAB_PASSWORD", "demo-pass")
    monkeypatch.setenv("CAMAUDIT_STATE_DIR", str(tmp_path / "state"))
    args = {
        "html-is-a-directory": ["--html", str(tmp_path)],
        "json-in-missing-directory": ["--json", str(tmp_path / "no-such-dir" / "scan.json")],
        "csv-under-a-file": ["--csv", str(tmp_path / "a-file" / "findings.csv")],
        "password-in-broker-url": ["--mqtt", "mqtt://camaudit:secret@127.0.0.1:1883"],
        "missing-password-variable": [],
    }[case]
    (tmp_path / "a-file").write_text("x")
    if case == "missing-password-variable":
        monkeypatch.delenv("H13_LAB_PASSWORD")
    assert main(_scan(camera, tmp_path, *args)) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert err.startswith("error: ") and why in err, err
    assert "Traceback" not in err and "secret" not in err
    assert camera.requests == []  # nothing was sent: the check came before discovery
    assert not (tmp_path / "no-such-dir").exists()  # and nothing was created


def test_good_options_do_reach_the_camera(camera, tmp_path, capsys, monkeypatch) -> None:
    """The control: the same command with valid options reads the camera (so the test above can fail)."""
    monkeypatch.setenv("H13_LAB_PASSWORD", "demo-pass")
    monkeypatch.setenv("CAMAUDIT_STATE_DIR", str(tmp_path / "state"))
    code = main(_scan(camera, tmp_path, "--json", str(tmp_path / "scan.json"), "-q"))
    assert code in (0, 3)  # undeclared in an ad-hoc scan: GDPR-INV-1 fails, coverage is complete
    assert camera.requests
