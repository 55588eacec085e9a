"""`camaudit lab serve | schema | check` (scanner/commands/lab.py)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

from lab import DEMO_FLEET, MISBEHAVING_FLEET
from scanner.cli import main
from tests.lab.soapclient import envelope


def test_check_ok_and_bad(tmp_path, capsys) -> None:
    assert main(["lab", "check", str(DEMO_FLEET), str(MISBEHAVING_FLEET)]) == 0
    out = capsys.readouterr().out
    assert "demo.yaml: ok (14 cameras, 0 misbehaving)" in out and "misbehaving.yaml: ok (23 cameras" in out
    bad = tmp_path / "bad.yaml"
    bad.write_text("cameras:\n  - name: x\n    address: 127.0.0.5\n    media: {profiles: [{token: P, vidoe: {}}]}\n")
    assert main(["lab", "check", str(bad)]) == 1
    err = capsys.readouterr().err
    assert f"{bad}:4" in err and "media.profiles[0].vidoe" in err


def test_schema_prints_json(capsys) -> None:
    assert main(["lab", "schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["title"] == "camaudit lab fleet file" and "Camera" in schema["$defs"]


def _serve(*argv: str) -> tuple[subprocess.Popen[str], str]:
    """`camaudit lab serve ARGV` in a subprocess, and what it printed until it said it is serving."""
    env = {**os.environ, "COLUMNS": "200"}
    proc = subprocess.Popen([sys.executable, "-m", "scanner", "lab", "serve", *argv],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    lines: list[str] = []
    deadline = time.monotonic() + 30
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if "serving" in line:
            break
    return proc, "".join(lines)


def test_serve_writes_the_lab_ca(tmp_path) -> None:
    from probes.onvif import CaBundle

    fleet = tmp_path / "tls.yaml"
    fleet.write_text("cameras:\n  - {name: cli-tls, address: 127.0.0.1, port: 8001, tls: {enabled: true, "
                     "self_signed: false}}\n")
    proc, text = _serve(str(fleet), "--port-override", "0", "--ca-out", str(tmp_path / "lab-ca.pem"))
    try:
        assert "lab CA certificate written to" in text, text
        pem = (tmp_path / "lab-ca.pem").read_bytes()
        assert b"PRIVATE" not in pem
        assert CaBundle.from_pem(pem, "lab-ca.pem").subjects == ("CN=camaudit lab CA,O=camaudit lab",)
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=15)
        assert proc.returncode == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_serve_runs_until_sigterm(tmp_path) -> None:
    fleet = tmp_path / "two.yaml"
    fleet.write_text("defaults: {auth: {users: {auditor: {password: pw, level: Administrator}}}}\n"
                     "cameras:\n  - {name: cli-a, address: 127.0.0.1, port: 8001}\n"
                     "  - {name: cli-b, address: 127.0.0.1, port: 8002}\n")
    proc, text = _serve(str(fleet), "--port-override", "0")
    try:
        assert "2 virtual cameras" in text, text
        xaddrs = [w for w in text.split() if w.startswith("http://127.0.0.1:")]
        assert len(xaddrs) == 2
        request = urllib.request.Request(xaddrs[0], data=envelope("tds", "GetSystemDateAndTime"), method="POST")
        with urllib.request.urlopen(request, timeout=10) as resp:
            assert resp.status == 200 and b"GetSystemDateAndTimeResponse" in resp.read()
        proc.send_signal(signal.SIGTERM)
        rest, _ = proc.communicate(timeout=15)
        assert proc.returncode == 0 and "stopped" in rest
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
