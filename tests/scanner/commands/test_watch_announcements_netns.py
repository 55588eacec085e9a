"""`camaudit watch` hears Hello and Bye between scans and scans early, in a throw-away network namespace.

    198.51.100.0/24 bridge: scanner (.50, runs the watch), cam1 (.11, declared), cam2 (.12, comes up later)

The schedule is six-hourly, so every scan after the first is one an announcement started: cam2's Hello
(a new device) and cam1's Bye (a declared camera leaving) each start a scan within the gap given.
"""

from __future__ import annotations

import contextlib
import queue
import signal
import subprocess
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest

from lab.responders import ResponderCamera
from tests.netns import Host, NetnsLab, netns_unavailable_reason
from tests.probes.discovery.test_netns import announcer, start_camera, wait_ready
from tests.support.children import python_env

pytestmark = [pytest.mark.netns, pytest.mark.slow]

SCANNED = " site=hello-bye "  # in the one line each scan ends with
LISTENING = "listening for Hello/Bye until the next scan on eth0"
READING = "listening for Hello/Bye while the scan reads on eth0"
Announcer = tuple[Host, list[ResponderCamera]]  # a namespace host and its WS-Discovery camera
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

    def until(self, *wanted: str) -> str:
        """The next line holding one of `wanted`."""
        while True:
            try:
                line = self._queue.get(timeout=WAIT)
            except queue.Empty:
                pytest.fail(f"no line with {wanted!r} within {WAIT:g}s; the watch said:\n" + "".join(self.all))
            if line is None:
                pytest.fail(f"the watch ended before saying {wanted!r}:\n" + "".join(self.all))
            self.all.append(line)
            if any(w in line for w in wanted):
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


def _watch(lab: NetnsLab, scanner: Host, site: Path, state: Path) -> subprocess.Popen[bytes]:
    """`camaudit -v watch` of `site` every 6 h (every later scan is an early one), early scans 1 s apart."""
    return lab.python(scanner, ["-m", "scanner", "-v", "watch", "--site", str(site), "--every", "6h",
                                "--jitter", "0", "--early-scan-gap", "1s", "--history", str(state / "history.sqlite")],
                      stderr=subprocess.PIPE, env=python_env(CAMAUDIT_STATE_DIR=str(state), COLUMNS="400"))


@contextlib.contextmanager
def hello_bye_lan(name: str) -> Iterator[tuple[NetnsLab, Host, Announcer, Announcer]]:
    """The bridge, the scanner host, and cam1 (declared by the site) and cam2 (not started: it comes up later)."""
    if reason := netns_unavailable_reason():
        pytest.skip(reason)
    with NetnsLab(name) as lab:
        seg = lab.segment("198.51.100.0/24")
        scanner: Host = lab.host("scan", seg, "198.51.100.50")
        yield (lab, scanner,
               announcer(lab, seg, "cam1", 1, "198.51.100.11", manufacturer="Axis", model="M3106"),
               announcer(lab, seg, "cam2", 2, "198.51.100.12", manufacturer="Uniview", model="IPC3614"))


def test_hello_and_bye_between_scans_start_an_early_scan(tmp_path: Path) -> None:
    with hello_bye_lan("wann") as (lab, scanner, (host1, cam1), (host2, cam2)):
        cam1_proc = start_camera(lab, host1, cam1)
        wait_ready(cam1_proc)
        state = tmp_path / "state"
        site = _site(tmp_path, cam1[0].endpoint_uuid)
        watch = _watch(lab, scanner, site, state)
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



def test_a_hello_while_a_scan_reads_starts_the_next_scan_early(tmp_path: Path) -> None:
    """A camera coming up after the scan's discovery, while it still reads (slowly answering cam1), is heard."""
    with hello_bye_lan("wanr") as (lab, scanner, (host1, cam1), (host2, cam2)):
        wait_ready(start_camera(lab, host1, cam1, "--reply-delay", "3"))  # its read lasts well over 10 s
        watch = _watch(lab, scanner, _site(tmp_path, cam1[0].endpoint_uuid), tmp_path / "state")
        lines = Lines(watch)
        try:
            lines.until(READING)  # the first scan's discovery is over (cam1 alone) and cam1 is being read
            wait_ready(start_camera(lab, host2, cam2))  # says Hello
            said = [lines.until(SCANNED, "scanning early")]
            while sum(SCANNED in line for line in said) < 2:
                said.append(lines.until(SCANNED, "scanning early"))
        finally:
            watch.send_signal(signal.SIGTERM)
            watch.wait(timeout=120)
        assert watch.returncode == 0, "".join(lines.all)
    scans = [line for line in said if SCANNED in line]
    assert "devices=1 " in scans[0] and "devices=2 " in scans[1]  # the early scan found cam2
    (early,) = [line for line in said if "scanning early" in line]
    assert "Hello from 198.51.100.12" in early
