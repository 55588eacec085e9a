"""The comparable part of a fact sheet: what a replayed capture must reproduce.

Status and value of every fact, and the reason of a fact that is not ok, with the address it was
read at replaced by `<device>`. Left out because they legitimately differ between the live read and a
replay: the clock skew (the replay answers with the captured time, later) and the endpoint URL
(the replay listens elsewhere) and the certificate (key material: the replay serves the captured
versions and key type, on an ephemeral port, with a certificate of its own).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from probes.facts import DeviceFacts
from probes.factvalues import plain

VOLATILE = frozenset({"clock.skew_seconds", "identity.endpoints", "tls.certificate", "tls.verification"})
NOT_CAPTURED: frozenset[str] = frozenset()  # facts an archive cannot reproduce yet


def fact_sheet(facts: DeviceFacts, *, ports: Mapping[int, int] | None = None) -> dict[str, Any]:
    """{key: {status, value[, reason]}}, JSON-ready and stable across replays: the device's own address
    (with any port) reads `<device>` in URLs of values and anywhere in reasons (a replay serves it elsewhere).

    `ports` maps a port the replay serves on to the captured port it stands for (`RunningReplay.ports`
    inverted): a `port`/`ports` value naming it reads the captured number (tls.versions, network.protocols).
    """
    host = urlsplit(facts.xaddr or "").hostname or facts.address
    address = r"\[?" + re.escape(host) + r"\]?(?::\d+)?(?![\w.])"
    in_urls = re.compile("(?<=//)" + address) if host else None  # values: URLs only (interfaces keep theirs)
    anywhere = re.compile(address) if host else None  # reasons: "127.0.30.1:8443 refused the connection"

    def anonymous(value: Any, own: re.Pattern[str] | None) -> Any:
        text = json.dumps(_captured_ports(plain(value), ports) if ports else plain(value))
        return json.loads(own.sub("<device>", text)) if own else json.loads(text)

    out: dict[str, Any] = {}
    for key, fact in sorted(facts.facts.items()):
        if key in VOLATILE or key in NOT_CAPTURED:
            continue
        entry: dict[str, Any] = {"status": fact.status.value, "value": anonymous(fact.value, in_urls)}
        if fact.reason and not fact.ok:
            entry["reason"] = anonymous(fact.reason, anywhere)
        out[key] = entry
    return out


def _captured_ports(value: Any, ports: Mapping[int, int]) -> Any:
    """`value` with every `port`/`ports` entry that is a served port replaced by the captured one."""
    if isinstance(value, list):
        return [_captured_ports(v, ports) for v in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key == "port" and isinstance(item, int):
            out[key] = ports.get(item, item)
        elif key == "ports" and isinstance(item, list):
            out[key] = [ports.get(p, p) if isinstance(p, int) else p for p in item]
        else:
            out[key] = _captured_ports(item, ports)
    return out
