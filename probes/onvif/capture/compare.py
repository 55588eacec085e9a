"""The comparable part of a fact sheet: what a replayed capture must reproduce.

Status and value of every fact, and the reason of a fact that is not ok, with the address it was
read at replaced by `<device>`. Left out because they legitimately differ between the live read and a
replay: the clock skew (the replay answers with the captured time, later) and the endpoint URL
(the replay listens elsewhere) and the certificate (key material: the replay serves the captured
port, versions and key type with a certificate of its own).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from probes.facts import DeviceFacts

VOLATILE = frozenset({"clock.skew_seconds", "identity.endpoints", "tls.certificate"})
NOT_CAPTURED: frozenset[str] = frozenset()  # facts an archive cannot reproduce yet


def fact_sheet(facts: DeviceFacts) -> dict[str, Any]:
    """{key: {status, value[, reason]}}, JSON-ready and stable across replays."""
    where = urlsplit(facts.xaddr or "")
    netloc = where.netloc
    out: dict[str, Any] = {}
    for key, fact in sorted(facts.facts.items()):
        if key in VOLATILE or key in NOT_CAPTURED:
            continue
        entry: dict[str, Any] = {"status": fact.status.value,
                                 "value": json.loads(json.dumps(fact.value, default=str))}
        if fact.reason and not fact.ok:
            reason = fact.reason.replace(netloc, "<device>") if netloc else fact.reason
            if where.hostname:
                reason = reason.replace(where.hostname, "<device>")
            entry["reason"] = reason
        out[key] = entry
    return out
