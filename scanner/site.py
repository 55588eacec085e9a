"""The site file: what to scan, with which credentials and profiles, and what was declared.

Credentials are references only (an environment variable or an owner-only
file); a plaintext password in the site file is refused so that site files can
be shared and committed.
"""

from __future__ import annotations

import ipaddress
import os
import stat
import zoneinfo
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationInfo, field_validator, model_validator
from pydantic.json_schema import SkipJsonSchema

from probes.errors import ConfigError
from probes.scope import Scope, ScopeError, is_public
from profiles.inventory import Declaration, Hours, Inventory, Sector, Waiver
from profiles.yamlfile import load_yaml, parse_yaml, validate_located

_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True)

DEFAULT_PORTS = [80, 443, 554, 2020, 8000, 8080, 8443, 8899, 37777]


class ScopeConfig(BaseModel):
    """Where camaudit may send traffic."""

    model_config = _STRICT

    allow_public: bool = False  # first, so the targets validator can see it
    targets: list[str] = Field(default_factory=list, description="CIDR networks to discover and scan")
    hosts: list[str] = Field(default_factory=list, description="Single addresses (host or host:port)")
    exclude: list[str] = Field(default_factory=list)
    ports: list[int] = Field(default_factory=lambda: list(DEFAULT_PORTS))
    interfaces: list[str] = Field(default_factory=list, description="Interfaces for multicast/ARP (default: auto)")

    @field_validator("targets", "exclude")
    @classmethod
    def _cidrs(cls, value: list[str], info: ValidationInfo) -> list[str]:
        for item in value:
            try:
                net = ipaddress.ip_network(str(item), strict=False)
            except ValueError:
                raise ValueError(f"{item!r} is not a CIDR network like 192.0.2.0/24") from None
            if info.field_name == "targets" and is_public(net) and not info.data.get("allow_public"):
                raise ValueError(f"{item} contains globally routable addresses; set allow_public: true "
                                 "if you really own them")
        return value

    @field_validator("hosts")
    @classmethod
    def _hosts(cls, value: list[str]) -> list[str]:
        for item in value:
            host = str(item)
            if host.count(":") == 1:
                host, port = host.split(":")
                if not port.isdigit() or not 0 < int(port) < 65536:
                    raise ValueError(f"{item!r}: port must be 1-65535")
            try:
                ipaddress.ip_address(host)
            except ValueError:
                raise ValueError(f"{item!r} is not an IP address (optionally with :port)") from None
        return value

    @field_validator("ports")
    @classmethod
    def _ports(cls, value: list[int]) -> list[int]:
        for port in value:
            if not 0 < port < 65536:
                raise ValueError(f"port {port} is not in 1-65535")
        return value

    @model_validator(mode="after")
    def _public(self) -> ScopeConfig:
        self.to_scope()  # raises ScopeError for public networks without allow_public
        return self

    def to_scope(self) -> Scope:
        hosts = [h.rsplit(":", 1)[0] if h.count(":") == 1 else h for h in self.hosts]
        try:
            return Scope.parse([*self.targets, *hosts], allow_public=self.allow_public, exclude=self.exclude)
        except ScopeError as exc:
            raise ValueError(str(exc)) from None


class Credentials(BaseModel):
    """Resolved credentials. The password is a SecretStr: it never prints."""

    username: str
    password: SecretStr


class CredentialsRef(BaseModel):
    """Where to find the one credential set camaudit uses (no guessing, no lockouts)."""

    model_config = _STRICT

    username: str | None = None
    username_env: str | None = None
    password_env: str | None = None
    password_file: Path | None = None
    password: SkipJsonSchema[Any] = Field(default=None, exclude=True, repr=False)  # only to refuse it

    @field_validator("password", mode="before")
    @classmethod
    def _no_plaintext(cls, value: Any) -> None:
        if value is not None:
            raise ValueError("plaintext passwords are not allowed in the site file; use password_env "
                             "(an environment variable) or password_file (an owner-only file)")
        return None

    @model_validator(mode="after")
    def _one_source(self) -> CredentialsRef:
        if bool(self.password_env) == bool(self.password_file):
            raise ValueError("give exactly one of password_env or password_file")
        if not (self.username or self.username_env):
            raise ValueError("give username or username_env")
        return self

    def resolve(self, base_dir: Path | None = None) -> Credentials:
        """Read the referenced secret now; raises ConfigError naming the variable/file, never the value."""
        username = self.username or os.environ.get(self.username_env or "", "")
        if not username:
            raise ConfigError(f"environment variable {self.username_env} is not set", field="credentials.username_env")
        if self.password_env:
            password = os.environ.get(self.password_env)
            if password is None:
                raise ConfigError(f"environment variable {self.password_env} is not set",
                                  field="credentials.password_env")
        else:
            assert self.password_file is not None
            password = read_secret_file(self.password_file, base_dir)
        return Credentials(username=username, password=SecretStr(password))


def read_secret_file(path: Path, base_dir: Path | None = None) -> str:
    """Read a secret from a file that only its owner may read (mode 0600/0400)."""
    full = path if path.is_absolute() or base_dir is None else base_dir / path
    try:
        info = full.stat()
    except OSError:
        raise ConfigError("credentials file not found", path=str(full), field="credentials.password_file") from None
    if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(f"credentials file is readable by others (mode {stat.filemode(info.st_mode)}); "
                          f"run: chmod 600 {full}", path=str(full), field="credentials.password_file")
    return full.read_text(encoding="utf-8").strip()


class ScanSettings(BaseModel):
    """Tuning knobs; the defaults suit a few hundred cameras on a LAN."""

    model_config = _STRICT

    concurrency: int = Field(default=128, ge=1, le=2000, description="Devices read at once (x per_device_concurrency sockets)")
    per_device_concurrency: int = Field(default=4, ge=1, le=32)
    device_deadline_s: float = Field(default=30.0, gt=0, le=600)
    request_timeout_s: float = Field(default=5.0, gt=0, le=120)
    discovery_timeout_s: float = Field(default=2.0, gt=0, le=60, description="Seconds to listen for discovery answers (raise on WAN/VPN links)")
    max_reply_bytes: int = Field(default=2 * 1024 * 1024, ge=4096)


class Site(BaseModel):
    """A site file: one organisation's camera network, its declarations and its profiles."""

    model_config = _STRICT

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
                      description="Short id, used in MQTT topics and finding uids")
    title: str | None = None
    timezone: str = "UTC"
    jurisdiction: str | None = Field(default=None, description="Country code, e.g. CZ, GR, FR, NL, EU")
    sector: Sector | None = None
    opening_hours: Hours | None = None
    scope: ScopeConfig
    credentials: CredentialsRef | None = None
    profiles: list[str] = Field(default_factory=lambda: ["gdpr-baseline"])
    cameras: list[Declaration] = Field(default_factory=list)
    waivers: list[Waiver] = Field(default_factory=list)
    attestations: dict[str, bool] = Field(default_factory=dict,
                                          description="Site-wide attestations for manual rules, e.g. rights_procedures")
    scan: ScanSettings = Field(default_factory=ScanSettings)

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not an IANA time zone like Europe/Prague") from None
        return value

    @model_validator(mode="after")
    def _unique_names(self) -> Site:
        seen: set[str] = set()
        for cam in self.cameras:
            if cam.name in seen:
                raise ValueError(f"camera name {cam.name!r} is declared twice")
            seen.add(cam.name)
        return self

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class SiteFile(BaseModel):
    """A loaded site file and where it came from (for resolving relative paths)."""

    site: Site
    path: Path


def load_site(path: str | Path) -> SiteFile:
    """Load and validate a site file; errors name file, line and field."""
    p = Path(path)
    doc = load_yaml(p)
    site = validate_located(Site, doc)
    return SiteFile(site=site, path=p.resolve())


def parse_site(text: str, path: str = "<input>") -> Site:
    return validate_located(Site, parse_yaml(text, path))


def site_json_schema() -> dict[str, Any]:
    schema = Site.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "camaudit site file"
    return schema


def site_inventory(site: Site) -> Inventory:
    """The part of the site the evaluator sees."""
    return Inventory(site=site.name, timezone=site.timezone, jurisdiction=site.jurisdiction, sector=site.sector,
                     opening_hours=site.opening_hours, declarations=site.cameras, waivers=site.waivers,
                     attestations=site.attestations)
