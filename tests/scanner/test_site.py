"""The site file: valid examples load, each kind of mistake names file, line and field."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from probes.errors import ConfigError
from scanner.site import CredentialsRef, load_site, parse_site, read_secret_file, site_json_schema

ROOT = Path(__file__).resolve().parents[2]

GOOD = """\
name: t
scope:
  targets: [192.0.2.0/24]
credentials:
  username: auditor
  password_env: CAMAUDIT_TEST_PW
cameras:
  - name: door
    match: {ip: 192.0.2.10}
    class: 2
    area: entrance
    purposes: [property_protection]
"""


def _error(text: str) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        parse_site(textwrap.dedent(text), "site.yaml")
    return info.value


def test_example_site_validates() -> None:
    site = load_site(ROOT / "examples" / "site.example.yaml").site
    assert site.name == "example-school"
    assert [c.name for c in site.cameras] == ["main-entrance", "car-park"]
    assert site.cameras[0].camera_class == 2
    assert site.cameras[0].match.uuid == "5f0a1c9e-6b1e-4a53-9a64-0a4c3b2d1e01"


def test_example_validates_against_published_schema() -> None:
    import json

    import jsonschema
    import yaml

    data = yaml.safe_load((ROOT / "examples" / "site.example.yaml").read_text())
    data = json.loads(json.dumps(data, default=str))  # as an editor sees it: dates are strings
    jsonschema.validate(data, site_json_schema())


def test_good_minimal_site() -> None:
    site = parse_site(GOOD)
    assert site.cameras[0].area == "entrance"


@pytest.mark.parametrize(
    ("text", "line", "field", "words"),
    [
        # unknown key (typo)
        (GOOD.replace("    area: entrance", "    area: entrance\n    retention_hourz: 3"), 12,
         "cameras.0.retention_hourz", "unknown key"),
        # wrong type
        (GOOD.replace("class: 2", "class: two"), 10, "cameras.0.class", "integer"),
        # class 5
        (GOOD.replace("class: 2", "class: 5"), 10, "cameras.0.class", "less than or equal to 4"),
        # bad CIDR
        (GOOD.replace("192.0.2.0/24]", "192.0.2.300/24]"), 3, "scope.targets", "not a CIDR"),
        # plaintext password
        (GOOD.replace("password_env: CAMAUDIT_TEST_PW", "password: hunter2"), 6, "credentials.password",
         "plaintext passwords are not allowed"),
        # unknown area vocabulary
        (GOOD.replace("area: entrance", "area: entrence"), 11, "cameras.0.area", "entrance"),
        # public network without allow_public
        (GOOD.replace("192.0.2.0/24", "8.8.8.0/24"), 3, "scope.targets", "globally routable"),
        # bad time zone
        ("timezone: Mars/Olympus\n" + GOOD, 1, "timezone", "IANA"),
    ],
    ids=["unknown-key", "wrong-type", "class-5", "bad-cidr", "plaintext-password", "bad-area", "public", "tz"],
)
def test_mistakes_are_located(text: str, line: int, field: str, words: str) -> None:
    err = _error(text)
    assert err.path == "site.yaml"
    assert err.line == line, str(err)
    assert err.field == field, str(err)
    assert words in str(err), str(err)
    assert "hunter2" not in str(err)


def test_duplicate_key_is_an_error() -> None:
    err = _error(GOOD.replace("    class: 2\n", "    class: 2\n    class: 3\n"))
    assert err.line == 11 and "duplicate key 'class'" in str(err)


def test_yaml_syntax_error_has_line() -> None:
    err = _error(GOOD.replace("  targets: [192.0.2.0/24]", "  targets: [192.0.2.0/24"))
    assert err.line is not None and "not valid YAML" in str(err)


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found") as info:
        load_site(tmp_path / "nope.yaml")
    assert str(tmp_path / "nope.yaml") in str(info.value)


def test_world_readable_credentials_file_refused(tmp_path: Path) -> None:
    secret = tmp_path / "pw"
    secret.write_text("s3cret\n")
    os.chmod(secret, 0o644)
    with pytest.raises(ConfigError, match="readable by others") as info:
        read_secret_file(secret)
    assert "s3cret" not in str(info.value)
    os.chmod(secret, 0o600)
    assert read_secret_file(secret) == "s3cret"


def test_credentials_resolve_from_env_and_never_print(monkeypatch: pytest.MonkeyPatch) -> None:
    ref = CredentialsRef(username="auditor", password_env="CAMAUDIT_TEST_PW")
    with pytest.raises(ConfigError, match="CAMAUDIT_TEST_PW is not set"):
        ref.resolve()
    monkeypatch.setenv("CAMAUDIT_TEST_PW", "topsecret")
    creds = ref.resolve()
    assert creds.password.get_secret_value() == "topsecret"
    assert "topsecret" not in repr(creds) and "topsecret" not in str(creds.model_dump())


def test_credentials_need_exactly_one_source() -> None:
    err = _error(GOOD.replace("  password_env: CAMAUDIT_TEST_PW", "  password_env: X\n  password_file: /x"))
    assert err.field == "credentials" and "exactly one" in str(err)


def test_duplicate_camera_names() -> None:
    text = GOOD + GOOD.split("cameras:\n", 1)[1]
    err = _error(text)
    assert "declared twice" in str(err)


def test_hours_ranges_validated() -> None:
    err = _error(GOOD + "opening_hours: {weekdays: ['8-17']}\n")
    assert err.field is not None and err.field.startswith("opening_hours") and "08:00-17:30" in str(err)


def test_every_problem_is_listed_in_file_order_with_suggestions() -> None:
    text = (GOOD.replace("scope:", "scop:")
                .replace("  password_env:", "  pasword_env:")
                .replace("class: 2", "class: 5")
                .replace("area: entrance", "area: entrence")
                + "    retention_hourz: 3\n")
    err = _error(text)
    lines = [(p.line, p.field, p.detail) for p in err.problems]
    assert lines == [
        (2, "scop", "unknown key; did you mean 'scope'?"),  # not also "scope: required field is missing"
        (6, "credentials.pasword_env", "unknown key; did you mean 'password_env'?"),
        (10, "cameras.0.class", "Input should be less than or equal to 4 (got 5)"),
        (11, "cameras.0.area", "not a known area (ids and synonyms: `camaudit profiles areas`); did you mean "
                               "'entrance'? (got 'entrence')"),
        (13, "cameras.0.retention_hourz", "unknown key; did you mean 'retention_hours'?"),
    ]
    assert (err.line, err.field) == (2, "scop")  # the first problem is the error's own location
    assert str(err).splitlines() == [p.located for p in err.problems]
    assert all(p.located.startswith(f"site.yaml:{p.line}: ") for p in err.problems)


def test_unknown_key_without_a_close_match_and_a_real_missing_key() -> None:
    err = _error(GOOD.replace("scope:\n  targets: [192.0.2.0/24]\n", "frobnicate: 1\n"))
    assert [(p.field, p.detail) for p in err.problems] == [
        ("scope", "required field is missing"),
        ("frobnicate", "unknown key (not part of the schema; check the spelling)"),
    ]


def test_suggestion_prefers_a_key_that_is_not_there_yet() -> None:
    err = _error(GOOD.replace("    class: 2\n", "    class: 2\n    clas: 2\n").replace("cameras:", "camera:"))
    assert [p.detail for p in err.problems][0] == "unknown key; did you mean 'cameras'?"


SETS = GOOD + """\
credential_sets:
  - name: nvr
    username: nvr-svc
    password_env: NVR_PW
    applies_to: {cameras: [door]}
  - name: hik
    username: audit
    password_credential: hik-pw
    applies_to: {manufacturers: [HIKVISION], addresses: [192.0.2.128/25]}
"""


def test_credential_sets_parse_with_selectors() -> None:
    site = parse_site(SETS, "site.yaml")
    assert [s.name for s in site.credential_sets] == ["nvr", "hik"]
    assert site.credential_sets[0].applies_to.cameras == ["door"]
    assert site.credential_sets[1].password_credential == "hik-pw"
    assert site.credentials is not None  # the old single form still loads next to the sets


@pytest.mark.parametrize(("tail", "line", "field", "words"), [
    # a set naming a camera nobody declared: located at the name
    ("    applies_to: {cameras: [door, gate]}\n", 3, "credential_sets.0.applies_to.cameras.1",
     "no camera named 'gate'"),
    ("    applies_to: {everything: true, addresses: [192.0.2.0/24]}\n", 3, "credential_sets.0.applies_to",
     "cannot be combined"),
    ("    applies_to: {}\n", 3, "credential_sets.0.applies_to", "name the devices"),
    ("    applies_to: {addresses: [not-a-net]}\n", 3, "credential_sets.0.applies_to.addresses", "CIDR"),
])
def test_credential_set_mistakes_are_located(tail: str, line: int, field: str, words: str) -> None:
    text = GOOD + "credential_sets:\n  - name: a\n    username: u\n    password_env: X\n" + tail
    error = _error(text)
    assert error.line == GOOD.count("\n") + 2 + line, str(error)
    assert error.field == field, str(error)
    assert words in str(error)


def test_credential_set_plaintext_password_refused() -> None:
    error = _error(GOOD + "credential_sets:\n  - name: a\n    username: u\n    password: hunter22\n"
                          "    applies_to: {everything: true}\n")
    assert "plaintext passwords are not allowed" in str(error)
    assert "hunter22" not in str(error)


def test_credential_set_names_unique() -> None:
    error = _error(GOOD + "credential_sets:\n"
                          "  - {name: a, username: u, password_env: X, applies_to: {everything: true}}\n"
                          "  - {name: a, username: v, password_env: Y, applies_to: {everything: true}}\n")
    assert "credential set name 'a' is used twice" in str(error)


def test_credential_plan_reads_each_reference(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from scanner.credentials import credential_plan

    site_path = tmp_path / "site.yaml"
    site_path.write_text(SETS)
    monkeypatch.setenv("CAMAUDIT_TEST_PW", "old-form-secret")
    monkeypatch.setenv("NVR_PW", "nvr-secret")
    monkeypatch.delenv("CREDENTIALS_DIRECTORY", raising=False)
    with pytest.raises(ConfigError) as info:
        credential_plan(load_site(site_path))
    assert "credential set 'hik'" in str(info.value) and "CREDENTIALS_DIRECTORY" in str(info.value)
    assert str(info.value).startswith(f"{site_path}:{SETS.splitlines().index('  - name: hik') + 1}:")
    creds = tmp_path / "creds"
    creds.mkdir()
    (creds / "hik-pw").write_text("hik-secret\n")
    (creds / "hik-pw").chmod(0o400)
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(creds))
    plan = credential_plan(load_site(site_path))
    assert [(s.name, s.username, s.password.get_secret_value()) for s in plan.sets] == [
        ("nvr", "nvr-svc", "nvr-secret"), ("hik", "audit", "hik-secret"), ("credentials", "auditor", "old-form-secret")]
    assert plan.sets[0].selector.ips == ("192.0.2.10",)  # the declared camera, by its match
    assert plan.max_failures == 3
    assert "secret" not in repr(plan)


def test_schema_describes_credential_sets() -> None:
    schema = site_json_schema()
    assert "credential_sets" in schema["properties"]
    ref = schema["$defs"]["CredentialSetRef"]
    assert {"name", "applies_to", "password_credential", "password_env", "password_file"} <= set(ref["properties"])
    assert "password" not in ref["properties"]


def test_cloud_none_on_the_site_and_services_on_a_camera() -> None:
    from scanner.site import site_inventory

    site = parse_site("cloud: none\n" + GOOD + "    cloud: [{provider: W, region: EU, in_eea: true, "
                                               "services: [hanwha-wisenet]}]\n")
    assert site.cloud == "none" and site.cameras[0].cloud is not None
    assert [c.services for c in site.cameras[0].cloud if not isinstance(c, str)] == [["hanwha-wisenet"]]
    inventory = site_inventory(site)
    assert inventory.cloud == "none"
    assert parse_site(GOOD + "    cloud: none\n").cameras[0].cloud == "none"
    assert parse_site(GOOD).cameras[0].cloud is None  # absent: not declared, never "none"


def test_cloud_mistakes_are_located_all_at_once() -> None:
    err = _error(GOOD + "    cloud: nope\n")
    assert (err.line, err.field) == (13, "cameras.0.cloud.none") and "did you mean 'none'" in str(err)
    yard = ("  - name: yard\n    match: {ip: 192.0.2.11}\n    area: entrance\n    purposes: [property_protection]\n"
            "    cloud: [{provider: W, region: EU, in_eea: true, services: [wisenet]}]\n")
    err = _error(GOOD + "    cloud:\n      - {provider: V, region: EU, in_eea: true, services: [hik-connect, "
                        "hikconnect]}\n" + yard)
    assert [(p.line, p.field) for p in err.problems] == [(14, "cameras.0.cloud.0.services.1"),
                                                        (19, "cameras.1.cloud.0.services.0")]
    assert "'hikconnect' is not a service of the egress endpoint catalogue (known: " in str(err)
    assert "hanwha-wisenet" in str(err)  # the known ids are listed
