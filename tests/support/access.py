"""Whether an unprivileged user can read part of the checkout: tests that run it as such a user need that."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

NOBODY = 65534


def readable_by(path: Path | str, uid: int = NOBODY) -> bool:
    """`path` is readable by `uid` (every directory above it searchable): a checkout in a private directory
    (`mktemp -d` makes it 0700) is not, and a test running the code as that user cannot import it."""
    if shutil.which("setpriv") is None:
        return False
    return subprocess.run(["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "test", "-r", str(path)],
                          check=False, timeout=30).returncode == 0
