"""Fact value models: one spec per catalogue key, one default per field (None), old shapes still read."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError

from probes import factvalues as fv
from probes.facts import FACT_CATALOGUE, DeviceFacts, Fact
from probes.factvalues import ALL_SPECS, FactValue


def _models() -> set[type[BaseModel]]:
    found: set[type[BaseModel]] = set()
    for family in fv.FAMILIES:
        found.update(v for v in vars(family).values()
                     if isinstance(v, type) and issubclass(v, FactValue) and v is not FactValue)
    return found


def test_the_catalogue_is_every_family_spec_once():
    assert list(FACT_CATALOGUE) == [spec.key for spec in ALL_SPECS]
    assert len(FACT_CATALOGUE) == len(ALL_SPECS)
    for family in fv.FAMILIES:
        declared = {v.key for v in vars(family).values() if isinstance(v, fv.FactSpec)}
        assert declared == {spec.key for spec in family.SPECS}, f"{family.__name__}: a spec missing from SPECS"


# `other` holds the attributes the model does not name: empty means "none", not a guess.
_EXEMPT = {("SecurityCapabilities", "other")}


@pytest.mark.parametrize("model", sorted(_models(), key=lambda m: m.__name__), ids=lambda m: m.__name__)
def test_a_field_is_required_or_defaults_to_none(model):
    """One default per field: None = the device did not say (never True, 0 or an empty list)."""
    assert model.model_config.get("frozen") and model.model_config.get("extra") == "forbid"
    for name, info in model.model_fields.items():
        if (model.__name__, name) in _EXEMPT:
            continue
        # a list inside a value (ports, servers ...) may default to empty: the parsers always fill it
        assert info.is_required() or info.default in (None, ()), f"{model.__name__}.{name} defaults to {info.default!r}"


def test_values_are_typed_when_a_sheet_is_built_or_loaded():
    raw = [{"token": "M1", "type": "Color", "enabled": False, "points": 4}]
    sheet = DeviceFacts(device_id="addr:x", address="127.0.0.1", facts={"privacy.masks": Fact.observed(raw, "tr2")})
    masks = sheet.value(fv.privacy.MASKS)
    assert masks == [fv.privacy.PrivacyMask(token="M1", type="Color", enabled=False, points=4)]
    again = DeviceFacts.model_validate_json(sheet.model_dump_json())
    assert again == sheet and isinstance(again.value(fv.privacy.MASKS)[0], fv.privacy.PrivacyMask)


def test_a_value_missing_a_required_field_is_an_error_naming_the_key():
    with pytest.raises(ValidationError, match=r"(?s)fact 'privacy.masks'.*enabled"):
        DeviceFacts(device_id="addr:x", address="127.0.0.1",
                    facts={"privacy.masks": Fact.observed([{"token": "M1", "type": "Color", "points": 4}], "tr2")})


def test_models_are_frozen():
    mask = fv.privacy.PrivacyMask(token="M1", type="Color", enabled=True, points=4)
    with pytest.raises(ValidationError):
        mask.enabled = False  # type: ignore[misc]


def test_security_capabilities_keep_unnamed_attributes_apart():
    """A /2 document holds them flat; /3 keeps the attributes the model does not name under `other`."""
    caps = fv.services.SECURITY.validate({"tls1_2": True, "x_vendor_thing": "yes"})
    assert caps.tls1_2 is True and caps.tls1_0 is None and caps.other == {"x_vendor_thing": "yes"}
    assert fv.services.SECURITY.validate(caps.model_dump()) == caps
