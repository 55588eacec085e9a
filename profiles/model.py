"""The profile format: YAML documents listing rules (check + params + severity + legal reference).

`ProfileDoc`/`RuleSpec` describe the file as written (validated with line
numbers); `Profile`/`Rule` are the resolved form after `extends:` inheritance,
with each rule's parameters validated by its check's parameter model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from profiles import places
from profiles.checks import Params
from profiles.findings import Reference, Severity
from profiles.inventory import AreaField, Declaration, Purpose, Sector, SectorField

RULE_ID = r"^[A-Z0-9]+(-[A-Z0-9]+)+$"
PROFILE_ID = r"^[a-z0-9][a-z0-9-]*[a-z0-9]$"

_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class RuleReference(BaseModel):
    """Where the rule comes from: source id and article/section."""

    model_config = _STRICT

    source: str = Field(min_length=1, description="Source id: GDPR, CZ, GR, FR, NL, EDPS, or your own")
    article: str = Field(min_length=1, description="Article or section, e.g. 'art 18', '§2.1.4'")
    title: str | None = None


class AppliesTo(BaseModel):
    """Limits a rule to declared cameras in these sectors/areas/classes/purposes (empty list = any).

    Areas and sectors match through the place taxonomy: a rule for `changing_room` applies to a
    `fitting_room`, one for `school` to a `nursery`."""

    model_config = _STRICT

    sectors: list[SectorField] = Field(default_factory=list)
    areas: list[AreaField] = Field(default_factory=list)
    classes: list[int] = Field(default_factory=list)
    purposes: list[Purpose] = Field(default_factory=list)

    def placeholder_fields(self, decl: Declaration) -> list[str]:
        """Filtered fields of `decl` that still hold `camaudit init` placeholders."""
        placeholders = set(getattr(decl, "placeholders", None) or ())
        if not placeholders:
            return []
        used = {"sector": self.sectors, "area": self.areas, "class": self.classes, "purposes": self.purposes}
        return [name for name, values in used.items()
                if values and (name in placeholders or (name == "class" and "camera_class" in placeholders))]

    def undeclared_fields(self, decl: Declaration) -> list[str]:
        """Filtered fields the declaration leaves out, so whether the rule applies is unknown."""
        return ["class"] if self.classes and decl.camera_class is None else []

    def excludes(self, decl: Declaration, site_sector: Sector | None) -> str | None:
        """Why the rule does not apply to this declaration, or None when it applies."""
        sector = decl.sector or site_sector
        if self.sectors and not places.within(sector, self.sectors, "sectors"):
            return f"sector {sector or '(none declared)'} is not one of {', '.join(self.sectors)}"
        if self.areas and not places.within(decl.area, self.areas):
            return f"area {decl.area} is not one of {', '.join(self.areas)}"
        if self.classes and decl.camera_class is not None and decl.camera_class not in self.classes:
            return f"class {decl.camera_class} is not one of {', '.join(map(str, self.classes))}"
        if self.purposes and not set(decl.purposes) & set(self.purposes):
            return f"purposes {', '.join(decl.purposes)} do not include {', '.join(self.purposes)}"
        return None


class ManualSpec(BaseModel):
    """A rule a person must verify; the named attestation records that they did."""

    model_config = _STRICT

    attestation: str = Field(min_length=1, description=(
        "Declaration field (e.g. signage, balancing_test_ref) or key of `attestations:` (camera or site) that "
        "covers the rule"))
    scope: Literal["device", "site"] = Field(default="device", description="Attested per camera or once per site")


class RuleSpec(BaseModel):
    """A rule as written in a profile file. In a child profile, a rule with a parent's id overrides it."""

    model_config = _STRICT

    id: str = Field(pattern=RULE_ID, description="Rule id, e.g. CZ-RET-1")
    check: str | None = Field(default=None, description="Check id (see `camaudit profiles checks`)")
    params: dict[str, object] | None = Field(default=None, description="Parameters of the check")
    severity: Severity | None = None
    title: str | None = Field(default=None, min_length=3)
    reference: RuleReference | None = None
    remediation: str | None = None
    applies_to: AppliesTo | None = None
    manual: ManualSpec | None = None

    @model_validator(mode="after")
    def _check_or_manual(self) -> RuleSpec:
        if self.check and self.manual:
            raise ValueError("a rule has either `check` or `manual`, not both")
        return self


class ProfileDoc(BaseModel):
    """A profile file."""

    model_config = _STRICT

    id: str = Field(pattern=PROFILE_ID, description="Profile id, e.g. cz-uoou-2024")
    title: str = Field(min_length=3)
    source: str = Field(min_length=3, description="The document the rules summarise")
    jurisdiction: str = Field(min_length=2, description="Country code or EU")
    version: str = Field(min_length=1)
    description: str | None = None
    extends: list[str] = Field(default_factory=list, description="Parent profiles (ids or paths)")
    rules: list[RuleSpec] = Field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Rule:
    """A resolved rule: everything the evaluator needs, parameters validated."""

    id: str
    title: str
    severity: Severity
    reference: Reference
    profile: str  # the profile that (last) defined the rule
    profile_version: str = ""  # that profile's `version:`, stamped on every finding of the rule
    check: str | None = None
    params: Params | None = None
    remediation: str = ""
    applies_to: AppliesTo | None = None
    manual: ManualSpec | None = None
    lineage: tuple[str, ...] = ()  # ancestors of the defining profile (to tell an override from a conflict)

    @property
    def check_name(self) -> str:
        return self.check or "manual"


@dataclass(frozen=True, slots=True)
class Profile:
    """A resolved profile: its own metadata and its effective rules (inherited ones included)."""

    id: str
    title: str
    source: str
    jurisdiction: str
    version: str
    extends: tuple[str, ...]
    rules: tuple[Rule, ...]
    path: Path | None = None
    description: str | None = None
    own_rule_ids: frozenset[str] = field(default_factory=frozenset)
    ancestors: tuple[str, ...] = ()  # every profile it inherits from, nearest first

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)
