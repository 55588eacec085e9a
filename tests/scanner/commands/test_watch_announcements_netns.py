"""`camaudit watch` hears Hello and Bye between scans and scans early, in a throw-away network namespace.

    198.51.100.0/24 bridge: scanner (.50, runs the watch), cam1 (.11, declared), cam2 (.12, comes up later)

The schedule is six-hourly, so every scan after the first is one an announcement started: cam2's Hello
(a new device) and cam1's Bye (a declared camera leaving) each start a scan within the gap given.
"""

from __future__ import annotations

import queue
import signal
import subprocess
import textwrap
import threading
from pathlib import Path
from typing import IO

import pytest

from tests.netns import Host, NetnsLab, netns_unavailable_reason
from tests.probes.discovery.test_netns import announcer, start_camera, wait_ready
from tests.support.children import python_env

pytestmark = [pytest.mark.netns, pytest.mark.slow]

SCANNED = " site=hello-bye "  # in the one line each scan ends with
LISTENING = "listening for Hello/Bye until the next scan on eth0"
WAIT = 180.0  # s for one announcement's scan: generous, the machine is loaded


class Lines:
    """The watch's stderr, line by line, read on a thread so a wait can time out."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        self.all: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        assert proc.stderr is not None
        threading.Thread(target=self._read, args=(proc.stderr,), daemon=True).start()

    def _read(self, stream: IO[bytes]) -> None:
        for line in stream:
            self._queue.put(line.decode(errors="replace"))
        self._queue.put(None)

    def until(self, wanted: str) -> str:
        while True:
            try:
                line = self._queue.get(timeout=WAIT)
            except queue.Empty:
                pytest.fail(f"no line with {wanted!r} within {WAIT:g}s; the watch said:\n" + "".join(self.all))
            if line is None:
                pytest.fail(f"the watch ended before saying {wanted!r}:\n" + "".join(self.all))
            self.all.append(line)
            if wanted in line:
                return line


def _site(tmp_path: Path, cam1_uuid: str) -> Path:
    path = tmp_path / "site.yaml"
    path.write_text(textwrap.dedent(f"""\
        name: hello-bye
        scope:
          targets: [198.51.100.0/24]
          ports: [8000]
        profiles: [gdpr-baseline]
        cameras:
          - name: entrance
            match: {{uuid: "urn:uuid:{cam1_uuid}"}}
            area: entrance
            purposes: [property_protection]
    """))
    return path


def test_hello_and_bye_between_scans_start_an_early_scan(tmp_path: Path) -> None:
    if reason := netns_unavailable_reason():
        pytest.skip(reason)
    with NetnsLab("wann") as lab:
        seg = lab.segment("198.51.100.0/24")
        scanner: Host = lab.host("scan", seg, "198.51.100.50")
        host1, cam1 = announcer(lab, seg, "cam1", 1, "198.51.100.11", manufacturer="Axis", model="M3106")
        host2, cam2 = announcer(lab, seg, "cam2", 2, "198.51.100.12", manufacturer="Uniview", model="IPC3614")
        cam1_proc = start_camera(lab, host1, cam1)
        wait_ready(cam1_proc)
        state = tmp_path / "state"
        site = _site(tmp_path, cam1[0].endpoint_uuid)
        watch = lab.python(scanner, ["-m", "scanner", "-v", "watch", "--site", str(site), "--every", "6h",
                                     "--jitter", "0", "--early-scan-gap", "1s",
                                     "--history", str(state / "history.sqlite")],
                           stderr=subprocess.PIPE, env=python_env(CAMAUDIT_STATE_DIR=str(state), COLUMNS="400"))
        lines = Lines(watch)
        try:
            assert "Hello/Bye start early scans (at most every 1.0s)" in lines.until("watching hello-bye")
            assert "devices=1 " in lines.until(SCANNED)  # the first scan, at start: cam1
            lines.until(LISTENING)  # -v: the listener is open again (a Hello before it would go unheard)

            wait_ready(start_camera(lab, host2, cam2))  # says Hello
            assert "Hello from 198.51.100.12" in lines.until("scanning early: ")
            assert "devices=2 " in lines.until(SCANNED)
            lines.until(LISTENING)

            cam1_proc.terminate()  # says Bye
            cam1_proc.wait(timeout=60)
            early = lines.until("scanning early: ")
            assert f"Bye from 198.51.100.11 (uuid {cam1[0].endpoint_uuid})" in early
            lines.until(SCANNED)
        finally:
            watch.send_signal(signal.SIGTERM)
            watch.wait(timeout=120)
        assert watch.returncode == 0, "".join(lines.all)

