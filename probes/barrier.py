"""Named crash points for fault-injection tests: `CAMAUDIT_TEST_BARRIER=<name>` stops the process there.

Why: the delivery guarantee ("every due alert at least once") must hold when the scanner is
killed at any instant. A test sets the variable, waits for the announcement line on stderr
(`camaudit-barrier <name> <pid>`), and kills the process with SIGKILL, deterministically,
instead of hoping a timer lands at the right moment. The wait blocks the whole process
(event loop and threads alike), so nothing moves on until the kill. Unset, a barrier costs
one dictionary lookup. Names are listed in `BARRIERS` (tests check they are all reachable).
"""

from __future__ import annotations

import os
import sys
import time

ENV = "CAMAUDIT_TEST_BARRIER"

BARRIERS = (
    "after-discovery",  # scanner.pipeline: devices found, nothing read
    "after-reading",  # scanner.pipeline: facts read, not evaluated
    "after-evaluation",  # scanner.pipeline: findings judged, nothing stored
    "after-history-commit",  # scanner.emit: the scan is in the history, nothing queued for MQTT
    "between-outbox-rows",  # reports.mqtt.outbox: first row of a batch written, transaction still open
    "mid-report",  # reports.emit: a report's temporary file written, not yet renamed into place
    "mid-publish",  # reports.mqtt.publisher: the broker acknowledged the first finding message of a run
)


def barrier(name: str) -> None:
    """Announce `name` and wait forever when the test asked to stop here; otherwise return at once."""
    if os.environ.get(ENV) != name:
        return
    sys.stderr.write(f"camaudit-barrier {name} {os.getpid()}\n")
    sys.stderr.flush()
    while True:  # the test kills us here
        time.sleep(3600)
