"""The site's credential references resolved into the reader's plan (secrets read here, at scan start).

Declared camera names become the identifiers their `match:` gives (uuid, MAC, serial, IP), because the
reader must choose sets before it has read anything that the evaluator's matching would use.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from probes.errors import ConfigError
from probes.onvif.credentials import CredentialPlan, CredentialSelector, CredentialSet
from scanner.site import CredentialSelectorRef, CredentialSetRef, Site, SiteFile

OLD_FORM_NAME = "credentials"  # the name the single `credentials:` set is shown under


def _selector(ref: CredentialSelectorRef, site: Site) -> CredentialSelector:
    declared = {cam.name: cam.match for cam in site.cameras}
    matches = [declared[name] for name in ref.cameras if name in declared]
    return CredentialSelector(
        everything=ref.everything,
        addresses=tuple(ref.addresses),
        manufacturers=tuple(ref.manufacturers),
        endpoint_uuids=tuple(m.uuid for m in matches if m.uuid),
        macs=tuple(m.mac for m in matches if m.mac),
        serials=tuple(m.serial for m in matches if m.serial),
        ips=tuple(m.ip for m in matches if m.ip),
    )


def credential_plan(site_file: SiteFile) -> CredentialPlan:
    """Every credential set of the site with its secret read; ConfigError (file, line, field) when one cannot be."""
    site = site_file.site
    base = site_file.path.parent
    sets: list[CredentialSet] = []
    for index, ref in enumerate(site.credential_sets):
        field = f"credential_sets.{index}"
        try:
            creds = ref.resolve(base, field=field)
        except ConfigError as exc:
            line = site_file.credential_lines[index] if index < len(site_file.credential_lines) else None
            raise ConfigError(f"credential set {ref.name!r}: {exc.detail}", path=str(site_file.path), line=line,
                              field=exc.field) from None
        sets.append(CredentialSet(ref.name, creds.username, creds.password, _selector(ref.applies_to, site)))
    if site.credentials is not None:  # the old form: one set for every device, tried after the named ones
        creds = site.credentials.resolve(base)
        sets.append(CredentialSet(OLD_FORM_NAME, creds.username, creds.password, CredentialSelector(everything=True)))
    return CredentialPlan(sets, max_failures=site.scan.max_auth_failures_per_device)


def credential_sets_yaml(sets: Sequence[CredentialSetRef], accepted: Mapping[str, Sequence[str]]) -> list[str]:
    """`credential_sets:` lines for `camaudit init`: the same references, each set's `cameras:` rewritten to the
    names of the cameras that accepted it. A set left with no device to apply to is written commented out."""
    lines = ["credential_sets:                # by reference only; each set is offered only to `applies_to`"]
    for ref in sets:
        cameras = list(accepted.get(ref.name, []))
        selector = {"cameras": cameras, "manufacturers": ref.applies_to.manufacturers,
                    "addresses": ref.applies_to.addresses}
        parts = [f"{key}: [{', '.join(_q(v) for v in values)}]" for key, values in selector.items() if values]
        if ref.applies_to.everything:
            parts = ["everything: true"]
        block = [f"  - name: {_q(ref.name)}"]
        block += [f"    {key}: {_q(str(value))}" for key, value in (
            ("username", ref.username), ("username_env", ref.username_env), ("password_env", ref.password_env),
            ("password_file", ref.password_file), ("password_credential", ref.password_credential)) if value]
        if parts:
            lines += [*block, f"    applies_to: {{{', '.join(parts)}}}"]
        else:
            lines += ["  # TODO: no camera found accepted this set; name the devices it applies to", *(
                "#" + line[1:] for line in block), "#   applies_to: {cameras: []}"]
    return lines


def _q(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # JSON strings are valid YAML, with every escape
