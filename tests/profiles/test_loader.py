"""Profile loading: shipped profiles, user files, extends/override, and precise errors (file, line, field)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from probes.errors import ConfigError
from profiles import load_profiles, profile_json_schema, shipped_ids
from profiles.checks import REGISTRY
from profiles.findings import Severity

SHIPPED = ["cz-uoou-2024", "edps-thermal-2020", "fr-cnil-2020", "gdpr-baseline", "gr-hdpa-1-2011", "nl-ap-frt"]

CHILD = """\
id: my-site
title: My site rules
source: internal policy
jurisdiction: CZ
version: "1"
extends: [cz-uoou-2024]
rules:
  - id: CZ-RET-1
    params: {limit_hours: 48}
    severity: high
  - id: MY-AUDIO-1
    check: audio_justified
    params: {require_approval: true}
    severity: critical
    title: No sound anywhere without approval
    reference: {source: internal, article: "policy 4.2"}
"""


def write(tmp_path: Path, text: str, name: str = "p.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def error(tmp_path: Path, text: str) -> ConfigError:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_profiles([str(path)])
    assert info.value.path == str(path)
    return info.value


def test_shipped_profiles_load() -> None:
    assert shipped_ids() == SHIPPED
    profiles = {p.id: p for p in load_profiles(SHIPPED)}
    for pid in SHIPPED:
        if pid != "gdpr-baseline":
            assert profiles[pid].extends == ("gdpr-baseline",)
            assert {r.id for r in profiles["gdpr-baseline"].rules} <= {r.id for r in profiles[pid].rules}
    for profile in profiles.values():
        for rule in profile.rules:
            assert rule.check in REGISTRY or rule.manual is not None, rule.id
            assert rule.reference.source and rule.reference.article
            assert rule.remediation, f"{rule.id} has no remediation"


def test_extends_and_override(tmp_path: Path) -> None:
    [mine] = load_profiles([str(write(tmp_path, CHILD))])
    assert mine.extends == ("cz-uoou-2024",)
    assert mine.ancestors == ("cz-uoou-2024", "gdpr-baseline")
    ret = mine.rule("CZ-RET-1")
    assert ret.params.limit_hours == 48 and ret.severity is Severity.HIGH and ret.profile == "my-site"
    assert ret.title == "Retention beyond 72 hours is justified"  # inherited unchanged fields
    assert ret.reference.article == "§2.1.4"
    assert mine.rule("GDPR-SEC-1").profile == "gdpr-baseline"
    assert mine.rule("MY-AUDIO-1").params.require_approval is True
    [cz] = load_profiles(["cz-uoou-2024"])
    assert cz.rule("CZ-RET-1").params.limit_hours == 72  # the parent is unchanged
    assert len(mine.rules) == len(cz.rules) + 1


def test_override_merges_params_key_by_key(tmp_path: Path) -> None:
    text = CHILD.replace("extends: [cz-uoou-2024]", "extends: [gdpr-baseline]").split("  - id: CZ-RET-1")[0]
    text += "  - id: GDPR-DPIA-1\n    params: {min_class: 4}\n"
    [mine] = load_profiles([str(write(tmp_path, text))])
    params = mine.rule("GDPR-DPIA-1").params
    assert params.min_class == 4 and params.on_thermal is True  # on_thermal kept from the parent's params


def test_extends_by_relative_path(tmp_path: Path) -> None:
    write(tmp_path, CHILD, "base.yaml")
    child = CHILD.replace("id: my-site", "id: my-child").replace("[cz-uoou-2024]", "[base.yaml]")
    child = child.split("rules:")[0] + "rules: []\n"
    [mine] = load_profiles([str(write(tmp_path, child, "child.yaml"))])
    assert mine.ancestors == ("my-site", "cz-uoou-2024", "gdpr-baseline")
    assert mine.rule("CZ-RET-1").params.limit_hours == 48


def test_extends_cycle(tmp_path: Path) -> None:
    head = 'title: Title\nsource: Source\njurisdiction: EU\nversion: "1"\nrules: []\n'
    write(tmp_path, f"id: a-a\nextends: [b.yaml]\n{head}", "a.yaml")
    write(tmp_path, f"id: b-b\nextends: [a.yaml]\n{head}", "b.yaml")
    with pytest.raises(ConfigError, match="`extends` cycle: a.yaml -> b.yaml -> a.yaml"):
        load_profiles([str(tmp_path / "a.yaml")])


def test_unknown_profile_id() -> None:
    with pytest.raises(ConfigError, match="unknown profile 'cz-uoou-2042' \\(did you mean 'cz-uoou-2024'\\?\\)"):
        load_profiles(["cz-uoou-2042"])


def test_unknown_extends_names_file_and_line(tmp_path: Path) -> None:
    exc = error(tmp_path, CHILD.replace("[cz-uoou-2024]", "[cz-uoou]"))
    assert exc.line == 6 and exc.field == "extends.0"
    assert "unknown profile 'cz-uoou'" in str(exc)


@pytest.mark.parametrize(("broken", "line", "field", "text"), [
    (("check: audio_justified", "check: audio_justifed"), 12, "rules.1.check",
     "unknown check 'audio_justifed'; did you mean 'audio_justified'?"),
    (("params: {require_approval: true}", "params: {require_aproval: true}"), 13, "rules.1.params.require_aproval",
     "unknown parameter for check 'audio_justified' (known: require_approval)"),
    (("params: {limit_hours: 48}", "params: {limit_hours: -5}"), 9, "rules.0.params.limit_hours",
     "greater than 0"),
    (("params: {limit_hours: 48}", "params: {limit_hours: lots}"), 9, "rules.0.params.limit_hours",
     "valid number"),
    (("severity: critical", "severity: apocalyptic"), 14, "rules.1.severity", "'apocalyptic'"),
    (("  - id: MY-AUDIO-1", "  - id: my-audio-1"), 11, "rules.1.id", "should match pattern"),
    (("    title: No sound anywhere without approval\n", ""), 11, "rules.1.title",
     "required field is missing (rule MY-AUDIO-1 is new"),
    (("    reference: {source: internal, article: \"policy 4.2\"}", "    reference: {source: internal}"), 16,
     "rules.1.reference.article", "required field is missing"),
    (("version: \"1\"", "version: \"1\"\nowner: me"), 6, "owner", "unknown key"),
])
def test_profile_errors_name_file_line_field(tmp_path: Path, broken, line, field, text) -> None:
    old, new = broken
    assert old in CHILD
    exc = error(tmp_path, CHILD.replace(old, new))
    assert exc.line == line, str(exc)
    assert exc.field == field, str(exc)
    assert text in str(exc)


def test_retention_limit_without_required_param(tmp_path: Path) -> None:
    exc = error(tmp_path, CHILD.replace("check: audio_justified\n    params: {require_approval: true}",
                                        "check: retention_limit"))
    assert exc.field == "rules.1.params.max_hours"
    assert "required parameter of check 'retention_limit' is missing" in str(exc)


def test_rule_needs_check_or_manual(tmp_path: Path) -> None:
    exc = error(tmp_path, CHILD.replace("    check: audio_justified\n    params: {require_approval: true}\n", ""))
    assert exc.field == "rules.1" and "needs `check` (automated) or `manual` (attested)" in str(exc)
    both = CHILD.replace("    check: audio_justified\n", "    check: audio_justified\n    manual: {attestation: x}\n")
    assert "either `check` or `manual`" in str(error(tmp_path, both))


def test_duplicate_rule_and_duplicate_key(tmp_path: Path) -> None:
    dup = CHILD + "  - id: CZ-RET-1\n    severity: low\n"
    exc = error(tmp_path, dup)
    assert exc.line == 17 and "defined twice" in str(exc)
    exc = error(tmp_path, CHILD.replace("    severity: high\n", "    severity: high\n    severity: low\n", 1))
    assert exc.line == 11 and "duplicate key 'severity'" in str(exc)


def test_yaml_syntax_error(tmp_path: Path) -> None:
    exc = error(tmp_path, CHILD.replace("params: {limit_hours: 48}", "params: {limit_hours: 48"))
    assert exc.line is not None and "not valid YAML" in str(exc)


def test_json_schema_accepts_shipped_profiles_and_rejects_bad_params(tmp_path: Path) -> None:
    import jsonschema
    import yaml

    schema = profile_json_schema()
    json.dumps(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for path in sorted((Path(__file__).resolve().parents[2] / "profiles" / "data").glob("*.yaml")):
        errors = list(validator.iter_errors(yaml.safe_load(path.read_text())))
        assert not errors, f"{path.name}: {errors[0].message}"
    bad = yaml.safe_load(CHILD.replace("require_approval: true", "require_approval: true, loud: 1"))
    assert any("loud" in e.message for e in validator.iter_errors(bad))
    bad = yaml.safe_load(CHILD.replace("check: audio_justified", "check: no_such_check"))
    assert list(validator.iter_errors(bad))
