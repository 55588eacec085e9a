"""The operation registry and the per-request context handlers read from."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from lab.model import Camera, Service
from lab.soap import SERVICE_INFO, SoapRequest

Handler = Callable[["Ctx", SoapRequest, Any], None]

OPERATIONS: dict[tuple[Service, str], Handler] = {}
CAPABILITIES: dict[Service, Callable[[Ctx, Any], Any]] = {}
ADMIN_OPERATIONS: set[tuple[Service, str]] = set()  # READ_SYSTEM_SECRET: Administrator only
_RESPONSE_PREFIX: dict[tuple[Service, str], str] = {}


@dataclass
class Ctx:
    """What a handler needs: the camera spec, where it listens, and the camera's clock."""

    cam: Camera
    host: str
    port: int
    real_now: datetime
    list_all_services: bool = False  # services_listed_but_dead

    @property
    def now(self) -> datetime:
        return self.real_now + timedelta(seconds=self.cam.clock.offset_seconds)

    def xaddr(self, service: Service) -> str:
        return f"http://{self.host}:{self.port}{SERVICE_INFO[service][1]}"

    @property
    def listed_services(self) -> list[Service]:
        offered = self.cam.offered_services
        if self.list_all_services:
            return offered + [s for s in Service if s not in offered]
        return offered

    def has(self, service: Service) -> bool:
        return service in self.cam.offered_services


def op(service: Service, name: str, *, admin: bool = False, response_prefix: str | None = None
       ) -> Callable[[Handler], Handler]:
    """Register a handler for service:name (response in the service namespace unless told)."""

    def deco(fn: Handler) -> Handler:
        OPERATIONS[(service, name)] = fn
        if admin:
            ADMIN_OPERATIONS.add((service, name))
        if response_prefix:
            _RESPONSE_PREFIX[(service, name)] = response_prefix
        return fn

    return deco


def capabilities(service: Service) -> Callable[[Callable[[Ctx, Any], Any]], Callable[[Ctx, Any], Any]]:
    """Register the builder of <prefix:Capabilities> for a service (also answers GetServiceCapabilities)."""

    def deco(fn: Callable[[Ctx, Any], Any]) -> Callable[[Ctx, Any], Any]:
        CAPABILITIES[service] = fn

        def handler(ctx: Ctx, req: SoapRequest, resp: Any) -> None:
            fn(ctx, resp)

        OPERATIONS[(service, "GetServiceCapabilities")] = handler
        return fn

    return deco


def response_prefix(service: Service, name: str) -> str:
    return _RESPONSE_PREFIX.get((service, name), SERVICE_INFO[service][0])


def iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")
