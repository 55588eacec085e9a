"""Three credential sets over a lab fleet of mixed accounts, through `camaudit scan` end to end.

Each camera must be read with the set its selector gives it, the lab (which records every request and the
username it carried) must see no more failed logins per camera than the cap, an undeclared device outside
every selector must never be offered a set, the accepted set is named in the facts, and no secret appears in
any output (console, JSON, HTML, JSONL, CSV, OCSF).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from lab import parse_fleet, run_fleet
from scanner.cli import build_parser
from scanner.commands import scan

pytestmark = pytest.mark.slow

SECRETS = {"nvr": "Nvr-Secret-7731", "hik": "Hik-Secret-4402", "axis": "Axis-Secret-9915",
           "locky": "Locky-Own-Secret-1188", "rogue": "Rogue-Secret-5521"}

FLEET = f"""
version: 1
defaults:
  auth: {{schemes: [ws-usernametoken, http-digest]}}
cameras:
  - name: nvr-cam-1                      # declared, read with the NVR's service account
    address: 127.0.10.71
    identity: {{endpoint_uuid: "urn:uuid:00000000-0000-4000-8000-000000000071", manufacturer: Bosch}}
    auth: {{users: {{nvr-svc: {{password: {SECRETS['nvr']}, level: Administrator}}}}}}
  - name: nvr-cam-2
    address: 127.0.10.72
    identity: {{endpoint_uuid: "urn:uuid:00000000-0000-4000-8000-000000000072", manufacturer: Bosch}}
    auth: {{users: {{nvr-svc: {{password: {SECRETS['nvr']}, level: Administrator}}}}}}
  - name: old-hik                        # Digest only; tells its maker without credentials
    address: 127.0.10.73
    identity: {{endpoint_uuid: "urn:uuid:00000000-0000-4000-8000-000000000073", manufacturer: HIKVISION}}
    auth:
      schemes: [http-digest]
      anonymous_operations: [GetDeviceInformation]
      users: {{hik-audit: {{password: {SECRETS['hik']}, level: Administrator}}}}
  - name: new-axis                       # in the Axis address range
    address: 127.0.10.82
    identity: {{endpoint_uuid: "urn:uuid:00000000-0000-4000-8000-000000000082", manufacturer: AXIS}}
    auth: {{schemes: [ws-usernametoken], users: {{axis-audit: {{password: {SECRETS['axis']}, level: Administrator}}}}}}
  - name: locky                          # matches all three sets, accepts none of them
    address: 127.0.10.81
    identity: {{endpoint_uuid: "urn:uuid:00000000-0000-4000-8000-000000000081", manufacturer: HIKVISION}}
    auth:
      anonymous_operations: [GetDeviceInformation]
      users: {{owner: {{password: {SECRETS['locky']}, level: Administrator}}}}
  - name: rogue                          # nobody declared it and no selector covers it
    address: 127.0.10.99
    identity: {{endpoint_uuid: "urn:uuid:00000000-0000-4000-8000-000000000099", manufacturer: Bosch}}
    auth: {{users: {{admin: {{password: {SECRETS['rogue']}, level: Administrator}}}}}}
"""


def _site(running) -> dict:
    cams = {c.name: c for c in running.cameras}
    declare = [{"name": name, "match": {"ip": cams[name].address}, "class": 2, "area": "entrance",
                "purposes": ["property_protection"]} for name in ("nvr-cam-1", "nvr-cam-2", "locky")]
    return {
        "name": "cred-lab", "timezone": "Europe/Prague",
        "scope": {"targets": ["127.0.10.0/24"], "ports": [80],
                  "hosts": [f"{c.address}:{c.port}" for c in running.cameras]},
        "credential_sets": [
            {"name": "nvr-managed", "username": "nvr-svc", "password_env": "LAB_NVR_PW",
             "applies_to": {"cameras": ["nvr-cam-1", "nvr-cam-2", "locky"]}},
            {"name": "old-hikvision", "username": "hik-audit", "password_file": "hik.pw",
             "applies_to": {"manufacturers": ["HIKVISION"]}},
            {"name": "axis-new", "username": "axis-audit", "password_credential": "axis-pw",
             "applies_to": {"addresses": ["127.0.10.80/29"]}},
        ],
        "cameras": declare,
    }


async def test_three_sets_each_camera_with_its_set_cap_respected_no_secret(tmp_path: Path, monkeypatch,
                                                                          capsys) -> None:
    monkeypatch.setenv("LAB_NVR_PW", SECRETS["nvr"])
    (tmp_path / "hik.pw").write_text(SECRETS["hik"] + "\n")
    (tmp_path / "hik.pw").chmod(0o600)
    creds_dir = tmp_path / "credentials"  # what systemd's LoadCredential= provides
    creds_dir.mkdir()
    (creds_dir / "axis-pw").write_text(SECRETS["axis"])
    (creds_dir / "axis-pw").chmod(0o400)
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(creds_dir))
    monkeypatch.setenv("CAMAUDIT_STATE_DIR", str(tmp_path / "state"))
    outputs = {fmt: tmp_path / f"out.{fmt}" for fmt in ("json", "html", "jsonl", "csv", "ocsf")}
    async with run_fleet(parse_fleet(FLEET), port_override=0) as running:
        site = tmp_path / "site.yaml"
        site.write_text(yaml.safe_dump(_site(running), sort_keys=False))
        argv = ["scan", "--site", str(site)]
        for fmt, path in outputs.items():
            argv += [f"--{fmt}", str(path)]
        await scan.run(build_parser().parse_args(argv))
        requests = {c.name: list(c.requests) for c in running.cameras}

    doc = json.loads(outputs["json"].read_text())
    by_address = {d["address"]: d for d in doc["devices"]}
    addr = {c.name: c.address for c in running.cameras}

    def fact(name: str, key: str) -> dict:
        return by_address[addr[name]]["facts"][key]

    expected = {"nvr-cam-1": ("nvr-managed", "nvr-svc"), "nvr-cam-2": ("nvr-managed", "nvr-svc"),
                "old-hik": ("old-hikvision", "hik-audit"), "new-axis": ("axis-new", "axis-audit")}
    for name, (set_name, user) in expected.items():
        assert fact(name, "auth.credential_set")["value"] == set_name, (name, fact(name, "auth.credential_set"))
        assert fact(name, "auth.credentials_accepted")["value"] is True
        authenticated = {r.username for r in requests[name] if r.authenticated}
        assert authenticated == {user}, (name, authenticated)
        # the most specific set applied first and was right: not one failed login
        assert not [r for r in requests[name] if r.failed_login], name

    # locky matches all three sets (declared name > address range > manufacturer) and accepts none:
    # the cap (3 failed logins per device, counted the way the camera counts them) is respected
    failed = [r for r in requests["locky"] if r.failed_login]
    assert 0 < len(failed) <= 3, [(r.operation, r.presented, r.scheme) for r in failed]
    assert [r.presented for r in failed][0] == "nvr-svc"  # the declared-camera set first
    locky_set = fact("locky", "auth.credential_set")
    assert locky_set["status"] == "ok" and locky_set["value"] is None
    assert "cap of 3 failed attempts" in locky_set["reason"] and "'old-hikvision'" in locky_set["reason"]

    # the rogue device is outside every selector: not one credential was ever presented to it
    assert not [r for r in requests["rogue"] if r.presented], "a credential set was offered to an undeclared device"
    assert fact("rogue", "auth.credential_set")["status"] == "not_probed"
    assert "no credential set of the site applies" in fact("rogue", "auth.credential_set")["reason"]

    printed = capsys.readouterr()
    texts = [printed.out, printed.err, *(p.read_text() for p in outputs.values())]
    for secret in SECRETS.values():
        for text in texts:
            assert secret not in text


async def test_init_names_the_accepted_set_next_to_each_camera(tmp_path: Path, monkeypatch) -> None:
    """`init --credentials-from` reads with the sets and keeps them, each listing the cameras that accepted it."""
    from scanner.commands import init
    from scanner.site import load_site

    monkeypatch.setenv("LAB_NVR_PW", SECRETS["nvr"])
    (tmp_path / "hik.pw").write_text(SECRETS["hik"])
    (tmp_path / "hik.pw").chmod(0o600)
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(tmp_path))
    (tmp_path / "axis-pw").write_text(SECRETS["axis"])
    (tmp_path / "axis-pw").chmod(0o400)
    out = tmp_path / "new-site.yaml"
    async with run_fleet(parse_fleet(FLEET), port_override=0) as running:
        old = tmp_path / "old-site.yaml"
        old.write_text(yaml.safe_dump(_site(running), sort_keys=False))
        argv = ["init", "--targets", "127.0.10.0/24", "--ports", "80", "--out", str(out), "--signals", "tcp",
                "--credentials-from", str(old)]
        for cam in running.cameras:
            argv += ["--host", f"{cam.address}:{cam.port}"]
        assert await init.run(build_parser().parse_args(argv)) == 0
        uuids = {c.name: c.spec.endpoint_uuid.removeprefix("urn:uuid:") for c in running.cameras}

    text = out.read_text()
    site = load_site(out).site
    new_name = {c.match.uuid: c.name for c in site.cameras}
    sets = {s.name: s for s in site.credential_sets}
    assert set(sets) == {"nvr-managed", "old-hikvision", "axis-new"}
    # declared-camera selectors now name the new file's cameras, those that accepted the set
    assert sorted(sets["nvr-managed"].applies_to.cameras) == sorted(
        new_name[uuids[n]] for n in ("nvr-cam-1", "nvr-cam-2"))
    assert sets["old-hikvision"].applies_to.manufacturers == ["HIKVISION"]
    assert sets["old-hikvision"].applies_to.cameras == [new_name[uuids["old-hik"]]]
    assert sets["axis-new"].password_credential == "axis-pw"
    block = text[text.index(f'- name: "{new_name[uuids["new-axis"]]}"'):]
    assert block.splitlines()[1].strip() == "# credential set: axis-new (accepted when read)"
    assert "credential set:" not in text[text.index(f'- name: "{new_name[uuids["rogue"]]}"'):].splitlines()[1]
    for secret in SECRETS.values():
        assert secret not in text
