"""The operation registry and the per-request context handlers read from."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from lab.model import Camera, Service
from lab.soap import SERVICE_INFO, SoapRequest, invalid_arg

T = TypeVar("T")

Handler = Callable[["Ctx", SoapRequest, Any], None]

OPERATIONS: dict[tuple[Service, str], Handler] = {}
CAPABILITIES: dict[Service, Callable[[Ctx, Any], Any]] = {}
ADMIN_OPERATIONS: set[tuple[Service, str]] = set()  # READ_SYSTEM_SECRET: Administrator only
_RESPONSE_PREFIX: dict[tuple[Service, str], str] = {}


def by_token(items: Iterable[T], token: str | None, *, fault: str, what: str,
             key: Callable[[T], str | None] = lambda item: getattr(item, "token", None)) -> T:
    """The item whose `key` is `token`, else the InvalidArgVal fault a camera answers (`ter:<fault>`, "no <what>")."""
    for item in items:
        if key(item) == token:
            return item
    raise invalid_arg(fault, f"no {what} {token!r}")


@dataclass
class Ctx:
    """What a handler needs: the camera spec, where it listens, and the camera's clock."""

    cam: Camera
    host: str
    port: int
    real_now: datetime
    list_all_services: bool = False  # services_listed_but_dead
    tls_port: int | None = None  # the HTTPS listener, when tls.enabled
    schemes: tuple[str, ...] = ("http",)  # advertised URL schemes, http first (tls.advertise)
    xaddr_host: str | None = None  # xaddrs_nat / xaddrs_loopback: the host the camera believes it has
    xaddr_port: int | None = None  # ... and its port as seen from inside (NAT)
    rtsp_port: int | None = None  # the lab RTSP listener, when rtsp.enabled

    @property
    def now(self) -> datetime:
        return self.real_now + timedelta(seconds=self.cam.clock.offset_seconds)

    def base_url(self, scheme: str | None = None) -> str:
        """scheme://host:port of the camera (https on the TLS port when that is what it advertises)."""
        scheme = scheme or self.schemes[-1]
        port = self.xaddr_port or (self.tls_port if scheme == "https" else self.port)
        return f"{scheme}://{self.xaddr_host or self.host}:{port}"

    def xaddr(self, service: Service, scheme: str | None = None) -> str:
        """The service URL; without `scheme` the preferred advertised one (https when advertised)."""
        return f"{self.base_url(scheme)}{SERVICE_INFO[service][1]}"

    @property
    def listed_services(self) -> list[Service]:
        """What tds:GetServices names (services_listed, else the served ones)."""
        offered = self.cam.offered_services if self.cam.services_listed is None else self.cam.services_listed
        if self.list_all_services:
            return offered + [s for s in Service if s not in offered]
        return offered

    @property
    def capability_services(self) -> list[Service]:
        """What tds:GetCapabilities names (capabilities_listed, else the served ones)."""
        if self.cam.capabilities_listed is not None:
            return list(self.cam.capabilities_listed)
        return self.listed_services if self.cam.services_listed is None else self.cam.offered_services

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
