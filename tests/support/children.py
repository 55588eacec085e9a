"""Python child processes that import what the tests import (our packages and the `tests.` helpers)."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def python_env(**extra: str) -> dict[str, str]:
    """The environment for `sys.executable -c CODE`: the repository root first on PYTHONPATH, plus `extra`."""
    inherited = os.environ.get("PYTHONPATH")
    path = str(ROOT) + (os.pathsep + inherited if inherited else "")
    return {**os.environ, "PYTHONPATH": path, **extra}


class Child:
    """A child process a test owns: `kill()` is SIGKILL, `stop()` SIGTERM and SIGKILL after `grace` seconds."""

    proc: subprocess.Popen[bytes] | None = None
    grace: float = 5.0

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(self.grace)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(self.grace)
            except subprocess.TimeoutExpired:
                self.kill()
