"""The vendor cloud / P2P endpoint catalogue (data/endpoints.yaml): which service a name or port belongs to.

Matching is by DNS suffix on label boundaries (`p2p.reolink.com` is Reolink, `notreolink.com` is not) and,
for services whose port is their signature, by protocol/port. Every entry carries its sources; a
destination no entry names stays "unclassified", which is still reported as traffic out of the site.
"""

from __future__ import annotations

import functools
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from probes.egress.models import ServiceKind

DATA = Path(__file__).parent / "data" / "endpoints.yaml"


class Service(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    name: str
    vendor: str
    kind: ServiceKind
    domains: list[str] = Field(default_factory=list)
    ports: list[str] = Field(default_factory=list)  # "udp/32100"
    sources: list[str] = Field(min_length=1)

    @field_validator("domains")
    @classmethod
    def _lower(cls, value: list[str]) -> list[str]:
        return [d.lower().strip(".") for d in value]

    @field_validator("ports")
    @classmethod
    def _port(cls, value: list[str]) -> list[str]:
        for item in value:
            proto, _, number = item.partition("/")
            if proto not in ("tcp", "udp") or not number.isdigit() or not 0 < int(number) < 65536:
                raise ValueError(f"port {item!r}: write protocol/number, e.g. udp/32100")
        return value


class Catalogue(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int
    services: list[Service]

    @functools.cached_property
    def _by_domain(self) -> dict[str, Service]:
        return {d: s for s in self.services for d in s.domains}

    @functools.cached_property
    def _by_port(self) -> dict[str, Service]:
        return {p: s for s in self.services for p in s.ports}

    def by_name(self, name: str) -> Service | None:
        """The service whose domain `name` is or ends with (label boundary), longest suffix first."""
        labels = name.lower().strip(".").split(".")
        for i in range(len(labels) - 1):
            found = self._by_domain.get(".".join(labels[i:]))
            if found is not None:
                return found
        return None

    def by_port(self, protocol: str, port: int | None) -> Service | None:
        return self._by_port.get(f"{protocol}/{port}") if port is not None else None


@functools.cache
def load_catalogue(path: Path = DATA) -> Catalogue:
    """The shipped catalogue (or another file with the same shape)."""
    return Catalogue.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
