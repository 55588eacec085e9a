"""The fact sheet of one device while it is being read: every fact set once, the rest marked at the end."""

from __future__ import annotations

from typing import Any

from probes.facts import FACT_CATALOGUE, Evidence, Fact, FactStatus
from probes.onvif.services._current import check_produces

OTHER_PROBES = ("rtsp", "egress")  # probes/rtsp and probes/egress set their own facts after the ONVIF read
NOT_ONVIF = frozenset({"identity.mac_vendor", "identity.endpoints", "network.open_ports", "network.segment"}
                      | {k for k, spec in FACT_CATALOGUE.items()
                         if k.split(".")[0] in OTHER_PROBES or spec.source.split(":")[0] in OTHER_PROBES})
ONVIF_FACTS: tuple[str, ...] = tuple(k for k in FACT_CATALOGUE if k not in NOT_ONVIF)
"""Every catalogue key the ONVIF reader sets on every device (other keys come from discovery)."""


class Sheet:
    """The facts of one device while they are being read."""

    def __init__(self) -> None:
        self.facts: dict[str, Fact] = {}
        self.started: set[str] = set()
        self.errors: list[str] = []

    def start(self, *keys: str) -> None:
        self.started.update(keys)

    def ok(self, key: str, value: Any, source: str, ev: Evidence | None = None, reason: str | None = None) -> None:
        self._set(key, Fact(status=FactStatus.OK, value=value, source=source, evidence=ev, reason=reason))

    def fail(self, key: str, status: FactStatus, source: str, reason: str, ev: Evidence | None = None) -> None:
        self._set(key, Fact.failed(status, source, reason, ev))

    def _set(self, key: str, fact: Fact) -> None:
        if key not in FACT_CATALOGUE:
            raise KeyError(f"fact {key!r} is not in FACT_CATALOGUE")
        check_produces(key)
        self.facts.setdefault(key, fact)  # first writer wins: a fact is set once

    def finish(self, reason_started: str, reason_other: str) -> None:
        """Mark every ONVIF fact not read: error if it was being read, not_probed if never asked."""
        for key in ONVIF_FACTS:
            if key in self.facts:
                continue
            if key in self.started:
                self.fail(key, FactStatus.ERROR, FACT_CATALOGUE[key].source, reason_started)
            else:
                self.fail(key, FactStatus.NOT_PROBED, FACT_CATALOGUE[key].source, reason_other)
