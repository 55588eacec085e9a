"""dev/_apt.sh: `dev/test` waits, bounded, while another apt/dpkg holds the lock, and fails fast otherwise.

apt-get is replaced by a script on PATH that answers like apt-get does while the lock is held (the real
lock belongs to the machine; holding it would stall other people's package installs).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOCKED = ("E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 4242 (unattended-upgr)\\n"
          "E: Unable to acquire the dpkg frontend lock (/var/lib/dpkg/lock-frontend), is another process using it?")


def _fake_apt(bin_dir: Path, locked_calls: int, other_error: str = "") -> Path:
    """apt-get that reports the lock `locked_calls` times, then succeeds (or fails with `other_error`)."""
    calls = bin_dir / "calls"
    script = bin_dir / "apt-get"
    script.write_text(f"""#!/bin/sh
echo "$*" >> {calls}
n=$(wc -l < {calls})
if [ "$n" -le {locked_calls} ]; then printf '{LOCKED}\\n' >&2; exit 100; fi
if [ -n "{other_error}" ]; then echo "{other_error}" >&2; exit 100; fi
echo "Reading package lists..."
""", encoding="utf-8")
    script.chmod(0o755)
    return calls


def _apt_get(bin_dir: Path, wait: int, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "CAMAUDIT_APT_LOCK_WAIT": str(wait), "CAMAUDIT_APT_LOCK_POLL": "0.2"}
    return subprocess.run(["bash", "-c", f'set -euo pipefail; source "{ROOT}/dev/_apt.sh"; apt_get "$@"', "x", *args],
                          capture_output=True, text=True, env=env, timeout=60, check=False)


def test_waits_while_the_lock_is_held_then_runs(tmp_path: Path) -> None:
    calls = _fake_apt(tmp_path, locked_calls=3)
    done = _apt_get(tmp_path, 60, "install", "-y", "mosquitto")
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("holds the lock; waiting up to 60s") == 1
    lines = calls.read_text().splitlines()
    assert len(lines) == 4 and all("install -y mosquitto" in line for line in lines)
    assert all("DPkg::Lock::Timeout=" in line for line in lines)  # apt itself also waits for the dpkg lock


def test_gives_up_after_the_bound(tmp_path: Path) -> None:
    calls = _fake_apt(tmp_path, locked_calls=10_000)
    done = _apt_get(tmp_path, 1, "update")
    assert done.returncode == 1
    assert "gave up waiting for the package manager lock after 1s" in done.stderr
    assert "Could not get lock" in done.stderr  # apt's own words are shown
    assert len(calls.read_text().splitlines()) >= 2


def test_other_errors_fail_at_once(tmp_path: Path) -> None:
    calls = _fake_apt(tmp_path, locked_calls=0, other_error="E: Unable to locate package chromium")
    done = _apt_get(tmp_path, 60, "install", "chromium")
    assert done.returncode == 1
    assert "Unable to locate package chromium" in done.stderr and "waiting" not in done.stderr
    assert len(calls.read_text().splitlines()) == 1
