"""The site file: what to scan, with which credentials and profiles, and what was declared.

Credentials are references only (an environment variable, an owner-only file or
a systemd credential); a plaintext password in the site file is refused so that
site files can be shared and committed. `credential_sets:` names several sets,
each with a selector (declared cameras, manufacturers, address ranges or
everything); `scanner/credentials.py` turns them into the reader's plan.
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

from probes.egress.endpoints import load_catalogue
from probes.errors import ConfigError
from probes.scope import Scope, ScopeError, is_public
from profiles.inventory import CloudField, DateRange, Declaration, Hours, Inventory, Recorder, SectorField, Waiver
from profiles.yamlfile import LocatedYaml, load_yaml, parse_yaml, validate_located

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
    """Where to find a username and password: by reference only (no guessing, no lockouts)."""

    model_config = _STRICT

    username: str | None = None
    username_env: str | None = None
    password_env: str | None = Field(default=None, description="Environment variable holding the password")
    password_file: Path | None = Field(default=None, description="Owner-only file (mode 0600/0400) holding it")
    password_credential: str | None = Field(
        default=None, pattern=r"^[A-Za-z0-9_.@-]+$",
        description="systemd credential name (LoadCredential=), read from $CREDENTIALS_DIRECTORY")
    password: SkipJsonSchema[Any] = Field(default=None, exclude=True, repr=False)  # only to refuse it

    @field_validator("password", mode="before")
    @classmethod
    def _no_plaintext(cls, value: Any) -> None:
        if value is not None:
            raise ValueError("plaintext passwords are not allowed in the site file; use password_env "
                             "(an environment variable), password_file (an owner-only file) or "
                             "password_credential (a systemd credential)")
        return None

    @model_validator(mode="after")
    def _one_source(self) -> CredentialsRef:
        if sum(bool(x) for x in (self.password_env, self.password_file, self.password_credential)) != 1:
            raise ValueError("give exactly one of password_env, password_file or password_credential")
        if not (self.username or self.username_env):
            raise ValueError("give username or username_env")
        return self

    def resolve(self, base_dir: Path | None = None, *, field: str = "credentials") -> Credentials:
        """Read the referenced secret now; raises ConfigError naming the variable/file, never the value."""
        username = self.username or os.environ.get(self.username_env or "", "")
        if not username:
            raise ConfigError(f"environment variable {self.username_env} is not set", field=f"{field}.username_env")
        if self.password_env:
            password = os.environ.get(self.password_env)
            if password is None:
                raise ConfigError(f"environment variable {self.password_env} is not set",
                                  field=f"{field}.password_env")
        elif self.password_credential:
            directory = os.environ.get("CREDENTIALS_DIRECTORY")
            if not directory:
                raise ConfigError("$CREDENTIALS_DIRECTORY is not set: password_credential needs systemd's "
                                  f"LoadCredential={self.password_credential}:/path/to/secret in the unit",
                                  field=f"{field}.password_credential")
            password = read_secret_file(Path(directory) / self.password_credential, None,
                                        field=f"{field}.password_credential")
        else:
            assert self.password_file is not None
            password = read_secret_file(self.password_file, base_dir, field=f"{field}.password_file")
        return Credentials(username=username, password=SecretStr(password))


class CredentialSelectorRef(BaseModel):
    """Which devices a credential set is offered to; a device matches if any given criterion matches."""

    model_config = _STRICT

    cameras: list[str] = Field(default_factory=list, description="Names of cameras declared under `cameras:`")
    manufacturers: list[str] = Field(default_factory=list,
                                     description="Manufacturer as the device or its discovery reply names it")
    addresses: list[str] = Field(default_factory=list, description="IP addresses or CIDR networks")
    everything: bool = Field(default=False, description="Every device in scope, including undeclared ones")

    @field_validator("addresses")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for item in value:
            try:
                ipaddress.ip_network(str(item), strict=False)
            except ValueError:
                raise ValueError(f"{item!r} is not an IP address or CIDR network like 192.0.2.0/24") from None
        return value

    @model_validator(mode="after")
    def _something(self) -> CredentialSelectorRef:
        if self.everything and (self.cameras or self.manufacturers or self.addresses):
            raise ValueError("`everything: true` cannot be combined with cameras, manufacturers or addresses")
        if not (self.everything or self.cameras or self.manufacturers or self.addresses):
            raise ValueError("name the devices: cameras, manufacturers, addresses, or everything: true")
        return self


class CredentialSetRef(CredentialsRef):
    """One named credential set and the devices it applies to (it is never tried on any other device)."""

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
                      description="Shown in read status and reports (the secret never is)")
    applies_to: CredentialSelectorRef


def read_secret_file(path: Path, base_dir: Path | None = None, *, field: str = "credentials.password_file") -> str:
    """Read a secret from a file that only its owner may read (mode 0600/0400)."""
    full = path if path.is_absolute() or base_dir is None else base_dir / path
    try:
        info = full.stat()
    except OSError:
        raise ConfigError("credentials file not found", path=str(full), field=field) from None
    if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(f"credentials file is readable by others (mode {stat.filemode(info.st_mode)}); "
                          f"run: chmod 600 {full}", path=str(full), field=field)
    return full.read_text(encoding="utf-8").strip()


class ScanSettings(BaseModel):
    """Tuning knobs; the defaults suit a few hundred cameras on a LAN."""

    model_config = _STRICT

    concurrency: int = Field(default=128, ge=1, le=2000,
                             description="Devices read at once (x per_device_concurrency sockets)")
    per_device_concurrency: int = Field(default=4, ge=1, le=32)
    device_deadline_s: float = Field(default=30.0, gt=0, le=600)
    request_timeout_s: float = Field(default=5.0, gt=0, le=120)
    discovery_timeout_s: float = Field(default=2.0, gt=0, le=60,
                                       description="Seconds to listen for discovery answers (raise on WAN/VPN links)")
    max_reply_bytes: int = Field(default=2 * 1024 * 1024, ge=4096)
    max_auth_failures_per_device: int = Field(
        default=3, ge=1, le=5,
        description="Failed logins one device may cost per scan over all credential sets (lockout safety)")
    ca_bundle: Path | None = Field(default=None, description=(
        "PEM file of the CA certificates this site's camera certificates are issued by (relative to the site "
        "file). Given: each HTTPS port read gets one extra, verifying handshake (tls.verification, "
        "GDPR-SEC-3); reads never depend on it. `--ca-bundle` overrides it"))


class Site(BaseModel):
    """A site file: one organisation's camera network, its declarations and its profiles."""

    model_config = _STRICT

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
                      description="Short id, used in MQTT topics and finding uids")
    title: str | None = None
    timezone: str = "UTC"
    jurisdiction: str | None = Field(default=None, description="Country code, e.g. CZ, GR, FR, NL, EU")
    sector: SectorField | None = None
    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$", description=(
        "Country (and optional subdivision, e.g. DE-BY) whose public holidays count as closed days and "
        "non-working days; defaults to `jurisdiction` when that is a country code"))
    opening_hours: Hours | None = None
    school_breaks: list[DateRange] = Field(default_factory=list, description=(
        "School breaks (the school is closed all day), which public-holiday calendars do not know"))
    scope: ScopeConfig
    credentials: CredentialsRef | None = Field(default=None, description="One set for every device (old form)")
    credential_sets: list[CredentialSetRef] = Field(
        default_factory=list, description="Named sets, each offered only to the devices its `applies_to` names")
    profiles: list[str] = Field(default_factory=lambda: ["gdpr-baseline"])
    cameras: list[Declaration] = Field(default_factory=list)
    recorders: list[Recorder] = Field(
        default_factory=list, description="NVRs (read over ONVIF) and VMSs (declared retention) and the cameras "
                                          "they record")
    waivers: list[Waiver] = Field(default_factory=list)
    attestations: dict[str, bool] = Field(default_factory=dict,
                                          description="Site-wide attestations for manual rules, e.g. rights_procedures")
    cloud: CloudField | None = Field(default=None, description=(
        "Default `cloud:` for cameras without their own (and for cameras not declared): `none` (no cloud, P2P or "
        "remote service) or the services every camera uses"))
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
        recorders: set[str] = set()
        for recorder in self.recorders:
            if recorder.name in recorders:
                raise ValueError(f"recorder name {recorder.name!r} is used twice")
            recorders.add(recorder.name)
        names: set[str] = set()
        for cred in self.credential_sets:
            if cred.name in names:
                raise ValueError(f"credential set name {cred.name!r} is used twice")
            names.add(cred.name)
        return self

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class SiteFile(BaseModel):
    """A loaded site file and where it came from (for resolving relative paths)."""

    site: Site
    path: Path
    credential_lines: list[int | None] = Field(default_factory=list)  # line of each credential set (errors)


def load_site(path: str | Path) -> SiteFile:
    """Load and validate a site file; errors name file, line and field."""
    p = Path(path)
    doc = load_yaml(p)
    site = validate_located(Site, doc)
    _check_references(site, doc)
    lines = [doc.line_of(("credential_sets", i)) for i in range(len(site.credential_sets))]
    return SiteFile(site=site, path=p.resolve(), credential_lines=lines)


def parse_site(text: str, path: str = "<input>") -> Site:
    doc = parse_yaml(text, path)
    site = validate_located(Site, doc)
    _check_references(site, doc)
    return site


def _check_references(site: Site, doc: LocatedYaml) -> None:
    """Names that must refer to something declared elsewhere in the file (all problems, each located)."""
    declared = {cam.name for cam in site.cameras}
    problems: list[ConfigError] = []
    for i, cred in enumerate(site.credential_sets):
        for j, name in enumerate(cred.applies_to.cameras):
            if name not in declared:
                loc = ("credential_sets", i, "applies_to", "cameras", j)
                problems.append(ConfigError(f"no camera named {name!r} is declared under `cameras:`",
                                            path=doc.path, line=doc.line_of(loc), field=".".join(map(str, loc))))
    for i, recorder in enumerate(site.recorders):
        for j, name in enumerate(recorder.records):
            if name not in declared:
                loc = ("recorders", i, "records", j)  # type: ignore[assignment]  # locations differ in depth
                problems.append(ConfigError(f"recorder {recorder.name!r} records {name!r}, but no camera of that "
                                            f"name is declared under `cameras:`", path=doc.path,
                                            line=doc.line_of(loc), field=".".join(map(str, loc))))
    problems += _unknown_cloud_services(site, doc)
    if problems:
        first, *more = problems
        raise ConfigError(first.detail, path=first.path, line=first.line, field=first.field, more=more)


def _unknown_cloud_services(site: Site, doc: LocatedYaml) -> list[ConfigError]:
    """`services:` under `cloud:` must name entries of the egress endpoint catalogue (each problem located)."""
    known = {service.id for service in load_catalogue().services}
    declared: list[tuple[tuple[str | int, ...], CloudField | None]] = [(("cloud",), site.cloud)]
    declared += [(("cameras", i, "cloud"), cam.cloud) for i, cam in enumerate(site.cameras)]
    problems = []
    for where, clouds in declared:
        for i, cloud in enumerate(clouds if isinstance(clouds, list) else []):
            for j, service in enumerate(cloud.services):
                if service not in known:
                    loc = (*where, i, "services", j)
                    problems.append(ConfigError(
                        f"{service!r} is not a service of the egress endpoint catalogue (known: "
                        f"{', '.join(sorted(known))})", path=doc.path, line=doc.line_of(loc),
                        field=".".join(map(str, loc))))
    return problems


def site_json_schema() -> dict[str, Any]:
    schema = Site.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "camaudit site file"
    return schema


def site_inventory(site: Site) -> Inventory:
    """The part of the site the evaluator sees."""
    return Inventory(site=site.name, timezone=site.timezone, jurisdiction=site.jurisdiction, sector=site.sector,
                     country=site.country, opening_hours=site.opening_hours, school_breaks=site.school_breaks,
                     declarations=site.cameras, waivers=site.waivers, attestations=site.attestations,
                     recorders=site.recorders, cloud=site.cloud)
