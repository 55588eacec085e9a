"""`camaudit init --targets CIDR`: discover the cameras and write a starter site file.

Every camera found is declared by its identity (endpoint uuid, serial, MAC; the IP
only when nothing stabler is known). What only people know (class, area, purposes)
is written as placeholder values that validate, each marked `# TODO`, and listed in
the declaration's `placeholders:` field so that tools can tell a reviewed
declaration from a draft. The file is validated against the site model before it
is written.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from probes import clock
from probes import factvalues as fv
from probes.discovery import DiscoveredDevice, Signal, selectable_signals
from probes.errors import ConfigError
from probes.facts import DeviceFacts
from probes.factvalues import FactSpec
from reports.console import make_console, print_error
from scanner import exitcodes
from scanner.commands._common import option_error
from scanner.site import DEFAULT_PORTS, CredentialSetRef, ScopeConfig, load_site, parse_site

if TYPE_CHECKING:
    from probes.onvif.credentials import CredentialPlan

PLACEHOLDER_FIELDS = ("class", "area", "purposes")
_NAME_OK = re.compile(r"[^a-z0-9]+")
_SITE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "init", help="discover the cameras and write a starter site file",
        description="Discover the cameras in the given networks and write a site file that declares each one "
                    "by its identity, with TODO placeholders for what only you know (class, area, purposes).")
    parser.add_argument("--targets", nargs="+", metavar="CIDR", required=True, help="networks to discover")
    parser.add_argument("--host", action="append", default=[], metavar="IP:PORT",
                        help="a camera at a known address and port (repeatable)")
    parser.add_argument("--ports", nargs="+", type=int, metavar="PORT",
                        help=f"TCP ports to sweep (default {' '.join(map(str, DEFAULT_PORTS))})")
    parser.add_argument("--out", default="site.yaml", metavar="FILE", help="where to write (default site.yaml; "
                                                                           "- for stdout)")
    parser.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    parser.add_argument("--allow-empty", action="store_true",
                        help="write the file even when no camera is found (default: error, exit 2)")
    parser.add_argument("--name", help="site name (default: from the --out file name)")
    parser.add_argument("--user", help="ONVIF user, to read each camera's identity (serial, MAC, model)")
    parser.add_argument("--password-env", metavar="VAR", help="environment variable holding --user's password")
    parser.add_argument("--credentials-from", type=Path, metavar="SITE",
                        help="read the cameras with the credential sets of this site file; the new file keeps "
                             "the sets and names, next to each camera, the set it accepted")
    parser.add_argument("--no-read", action="store_true",
                        help="do not read the cameras over ONVIF (declare what discovery saw only)")
    parser.add_argument("--allow-public", action="store_true", help="allow globally routable targets")
    parser.add_argument("--interface", dest="interfaces", action="append", default=[], metavar="IF",
                        help="interface for multicast discovery and ARP (repeatable)")
    parser.add_argument("--signals", nargs="+", choices=[s.value for s in selectable_signals()],
                        help="discovery signals to use (default: all that apply)")
    parser.add_argument("--timeout", type=float, default=2.0, metavar="S", help="discovery timeout (default 2)")
    parser.set_defaults(handler=run)


# --------------------------------------------------------------------------- identity


@dataclass
class FoundCamera:
    """One discovered camera and (when read) its fact sheet."""

    device: DiscoveredDevice
    facts: DeviceFacts | None = None

    def _fact(self, key: FactSpec[str]) -> str | None:
        value = self.facts.value(key) if self.facts is not None else None
        return value or None

    @property
    def address(self) -> str:
        return self.device.addresses[0] if self.device.addresses else (self.facts.address if self.facts else "?")

    @property
    def port(self) -> int | None:
        ports = self.device.onvif_ports or self.device.open_ports
        return ports[0] if ports else (self.facts.port if self.facts else None)

    @property
    def uuid(self) -> str | None:
        value = self.device.endpoint_uuid or (self.facts.endpoint_uuid if self.facts else None)
        return value.lower().removeprefix("urn:uuid:") if value else None

    @property
    def serial(self) -> str | None:
        return self.device.serial or self._fact(fv.identity.SERIAL)

    @property
    def mac(self) -> str | None:
        mac = self.device.mac or (self.facts.mac if self.facts else None)
        if not mac and self.facts is not None:
            mac = next((iface.mac for iface in self.facts.value(fv.network.INTERFACES) or [] if iface.mac), None)
        if not mac:
            return None
        norm = mac.lower().replace("-", ":")
        return norm if re.fullmatch(r"([0-9a-f]{2}:){5}[0-9a-f]{2}", norm) else None

    @property
    def manufacturer(self) -> str | None:
        return self._fact(fv.identity.MANUFACTURER) or self.device.manufacturer

    @property
    def model(self) -> str | None:
        return self._fact(fv.identity.MODEL) or self.device.model

    @property
    def firmware(self) -> str | None:
        return self._fact(fv.identity.FIRMWARE)

    @property
    def credential_set(self) -> str | None:
        """Name of the site's credential set this camera accepted when read (never the secret)."""
        return self._fact(fv.auth.CREDENTIAL_SET)

    def base_name(self) -> str:
        for candidate in (self.device.name, self._fact(fv.identity.HOSTNAME)):
            slug = slugify(candidate)
            if slug:
                return slug
        model = slugify(self.model)
        octets = slugify(self.address)
        return f"{model}-{octets}" if model else f"camera-{octets}"


def slugify(text: str | None, limit: int = 48) -> str:
    return _NAME_OK.sub("-", (text or "").lower()).strip("-")[:limit].strip("-")


def comment_text(text: str, limit: int = 100) -> str:
    """A device-supplied string made safe for a YAML comment: one line, printable, short."""
    flat = "".join(ch if ch.isprintable() else " " for ch in text)
    flat = " ".join(flat.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def q(value: str) -> str:
    """A YAML scalar in double quotes (JSON strings are valid YAML, with every escape)."""
    return json.dumps(value, ensure_ascii=False)


# --------------------------------------------------------------------------- the file


def site_yaml(*, name: str, targets: Sequence[str], hosts: Sequence[str], ports: Sequence[int] | None,
              cameras: Sequence[FoundCamera], username: str | None = None, password_env: str | None = None,
              allow_public: bool = False, now: datetime | None = None,
              credential_sets: Sequence[CredentialSetRef] = ()) -> str:
    """The starter site file (validated by the caller with parse_site)."""
    when = (now or clock.now()).astimezone(UTC)
    lines = [
        f"# camaudit site file, written by `camaudit init` on {when:%Y-%m-%d %H:%M} UTC",
        f"# from a discovery of {comment_text(', '.join(targets), 200)}"
        + (f" and {len(hosts)} host(s)" if hosts else "") + f": {len(cameras)} camera(s) found.",
        "#",
        "# TODO before the first audit:",
        "#  - for every camera, set `class`, `area` and `purposes` (the values written below are",
        "#    placeholders, marked TODO) and then delete its `placeholders:` line;",
        "#  - declare what your profiles ask for: legal basis, retention, audio/PTZ justifications ...;",
        "#  - set the time zone, jurisdiction, sector and profiles of the site (`camaudit profiles`).",
        "# Validate:  camaudit schema --check <this file>     Schema:  camaudit schema",
        f"name: {q(name)}",
        "# title: \"...\"",
        "timezone: UTC                   # TODO: your IANA time zone, e.g. Europe/Prague",
        "# jurisdiction: CZ              # TODO: CZ, GR, FR, NL or EU",
        "# sector: office                # TODO: school, hotel, shop, hospital, office ...",
        "",
        "scope:",
        f"  targets: [{', '.join(q(t) for t in targets)}]",
    ]
    if hosts:
        lines.append(f"  hosts: [{', '.join(q(h) for h in hosts)}]")
    if ports:
        lines.append(f"  ports: [{', '.join(str(p) for p in ports)}]")
    if allow_public:
        lines.append("  allow_public: true")
    lines.append("")
    if username and password_env:
        lines += ["credentials:                    # by reference only: never a password here",
                  f"  username: {q(username)}", f"  password_env: {q(password_env)}"]
    else:
        lines += ["# credentials:                  # TODO: the account camaudit reads the cameras with",
                  "#   username: auditor",
                  "#   password_env: CAMAUDIT_PASSWORD   # or password_file: /etc/camaudit/password (chmod 600)"]
    taken: set[str] = set()
    named = [(cam, _unique(cam.base_name(), taken))
             for cam in sorted(cameras, key=lambda c: _address_key(c.address, c.port))]
    if credential_sets:
        from scanner.credentials import credential_sets_yaml  # lazy: it loads the ONVIF reader (aiohttp)

        accepted: dict[str, list[str]] = {}
        for cam, cam_name in named:
            if cam.credential_set:
                accepted.setdefault(cam.credential_set, []).append(cam_name)
        lines += ["", *credential_sets_yaml(credential_sets, accepted)]
    lines += ["", "profiles: [gdpr-baseline]       # TODO: add your jurisdiction's profile", ""]
    if not cameras:
        lines.append("cameras: []                     # no camera was found; declare them by hand")
        return "\n".join(lines) + "\n"
    lines.append("cameras:")
    for cam, cam_name in named:
        lines += _camera_block(cam, cam_name)
    return "\n".join(lines) + "\n"


def _address_key(address: str, port: int | None) -> tuple[int, object, int]:
    try:
        return (0, ipaddress.ip_address(address), port or 0)
    except ValueError:
        return (1, address, port or 0)


def _unique(base: str, taken: set[str]) -> str:
    name, n = base, 2
    while name in taken:
        name, n = f"{base}-{n}", n + 1
    taken.add(name)
    return name


def _camera_block(cam: FoundCamera, name: str) -> list[str]:
    seen = f"{cam.address}:{cam.port}" if cam.port else cam.address
    what = " ".join(x for x in (cam.manufacturer, cam.model) if x)
    about = f"  # {comment_text(seen)}"
    if what:
        about += f"  {comment_text(what)}"
    if cam.firmware:
        about += f", firmware {comment_text(cam.firmware, 40)}"
    signals = ", ".join(str(s) for s in cam.device.signals)
    if signals:
        about += f" (seen by {signals})"
    match = [(key, value) for key, value in (("uuid", cam.uuid), ("serial", cam.serial), ("mac", cam.mac))
             if value]
    block = [about, f"  - name: {q(name)}"]
    if cam.credential_set:
        block.append(f"    # credential set: {comment_text(cam.credential_set)} (accepted when read)")
    if match:
        block.append("    match:                       # matched by the first key; the others are checked")
        block += [f"      {key}: {q(value)}" for key, value in match]
        block.append(f"      # ip: {q(cam.address)}")
    else:
        block += ["    match:                       # TODO: only the address is known; a DHCP change breaks it",
                  f"      ip: {q(cam.address)}"]
    if cam.model:
        block.append(f"    expected_model: {q(cam.model)}")
    block += [
        f"    placeholders: [{', '.join(PLACEHOLDER_FIELDS)}]   # TODO: delete this line once reviewed",
        "    class: 1                     # TODO: declared class 1-4 (placeholder)",
        "    area: other                  # TODO: entrance, parking, corridor, reception ... (placeholder)",
        "    purposes: [other]            # TODO: property_protection, safety_of_persons ... (placeholder)",
    ]
    return block


# --------------------------------------------------------------------------- the command


def _split_host(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f"--host {text!r}: expected IP:PORT", field="--host")
    return host, int(port)


def _site_name(args: argparse.Namespace) -> str:
    name = args.name or (Path(args.out).stem if args.out != "-" else "site")
    name = name if _SITE_NAME.match(name) else slugify(name) or "site"
    if not _SITE_NAME.match(name):
        raise ConfigError(f"site name {name!r} may only contain letters, digits, _ . -", field="--name")
    return name


async def _read_identities(found: list[FoundCamera], username: str | None, password: str | None,
                           plan: CredentialPlan | None = None) -> None:
    from probes.onvif import OnvifReader

    readable = {c.device.key: c for c in found if c.device.xaddrs or c.device.onvif_ports}
    if not readable:
        return
    async with OnvifReader(username=username, password=password, credentials=plan,
                           device_deadline_s=20) as reader:
        async for sheet in reader.read_all([c.device for c in readable.values()]):
            cam = readable.get(sheet.device_id)
            if cam is not None:
                cam.facts = sheet


async def run(args: argparse.Namespace) -> int:
    from probes.discovery import discover
    from scanner.pipeline import is_camera_candidate

    console = make_console(stderr=True)
    out = None if args.out == "-" else Path(args.out)
    if out is not None and out.exists() and not args.force:
        raise ConfigError(f"{out} exists; use --force to overwrite it", field="--out")
    name = _site_name(args)
    password = None
    if args.user:
        if not args.password_env:
            raise ConfigError("--user needs --password-env VAR (passwords are never arguments)", field="--user")
        password = os.environ.get(args.password_env)
        if password is None:
            raise ConfigError(f"environment variable {args.password_env} is not set", field="--password-env")
    source, plan = None, None
    if args.credentials_from:
        if args.user:
            raise ConfigError("give --user or --credentials-from, not both", field="--credentials-from")
        from scanner.credentials import credential_plan

        source = load_site(args.credentials_from)
        plan = credential_plan(source)
    try:
        scope_config = ScopeConfig(targets=args.targets, hosts=args.host, allow_public=args.allow_public,
                                   **({"ports": args.ports} if args.ports else {}))
    except ValidationError as exc:
        raise option_error(exc) from None
    extra = [_split_host(h) for h in args.host]
    devices = await discover(scope_config.to_scope(), ports=scope_config.ports, interfaces=args.interfaces,
                             signals={Signal(s) for s in args.signals} if args.signals else None,
                             timeout=args.timeout, extra_targets=extra)
    found = [FoundCamera(d) for d in devices if is_camera_candidate(d)]
    if not found and not args.allow_empty:
        where = ", ".join([*args.targets, *args.host])
        console.print(f"[red]error:[/] no camera found in {where}: nothing written. Check the range, --ports "
                      f"and --host (--allow-empty writes a site file that declares no camera)", highlight=False)
        return exitcodes.INCOMPLETE
    if found and not args.no_read:
        await _read_identities(found, args.user, password, plan)
    text = site_yaml(name=name, targets=args.targets, hosts=args.host, ports=args.ports, cameras=found,
                     username=args.user, password_env=args.password_env, allow_public=args.allow_public,
                     credential_sets=source.site.credential_sets if source else ())
    site = parse_site(text, str(out or "<stdout>"))  # never write a file that does not validate
    if out is None:
        print(text, end="")
    else:
        _write_atomic(out, text)
    where = "stdout" if out is None else str(out)
    console.print(f"{len(site.cameras)} camera(s) declared in {where}; "
                  f"review every TODO (class, area, purposes), then: camaudit schema --check {where}",
                  highlight=False)
    if site.cameras:
        console.print(f"[yellow]draft: {len(site.cameras)} declaration{'s' if len(site.cameras) != 1 else ''} "
                      f"not yet reviewed[/] (scans report them as incomplete, exit 2, until the "
                      f"`placeholders:` lines are gone)", highlight=False)
    if not found:
        console.print("[yellow]no camera was found in scope: the file declares none[/]")
    if site.credentials is None and not site.credential_sets:  # a scan with it would be anonymous
        print_error(console, "no --user given: the site file has no credentials, so a scan with it reads "
                             "anonymously and most facts come back denied (unknown). Add --user NAME "
                             "--password-env VAR (or --credentials-from SITE), or a credentials: block to "
                             "the file.", "warning", "yellow")
    return exitcodes.OK


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
