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
    jsonschema = pytest.importorskip("jsonschema")
    import json

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
        (GOOD.replace("    area: entrance", "    area: entrance\n    retention_hourz: 3"), 12, "cameras.0.retention_hourz",
         "unknown key"),
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
        (11, "cameras.0.area", "'entrence' is not allowed here; did you mean 'entrance'?"),
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
