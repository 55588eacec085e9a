"""Which credential sets a device is offered, in which order: most specific first, never outside the selector."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from probes.onvif.credentials import CredentialPlan, CredentialSelector, CredentialSet, DeviceHints


def _set(name: str, **selector) -> CredentialSet:
    return CredentialSet(name, f"user-{name}", SecretStr(f"secret-{name}"), CredentialSelector(**selector))


PLAN = CredentialPlan([
    _set("all", everything=True),
    _set("maker", manufacturers=("HIKVISION",)),
    _set("wide", addresses=("10.0.0.0/16",)),
    _set("narrow", addresses=("10.0.5.0/24",)),
    _set("declared", endpoint_uuids=("abc",), ips=("10.9.9.9",)),
    _set("maker-2", manufacturers=("hikvision",)),
])


@pytest.mark.parametrize(("hints", "order"), [
    (DeviceHints(addresses=("10.0.5.7",), endpoint_uuid="abc", manufacturers=("Hikvision",)),
     ["declared", "narrow", "wide", "maker", "maker-2", "all"]),
    (DeviceHints(addresses=("10.0.77.1",)), ["wide", "all"]),
    (DeviceHints(addresses=("192.0.2.1",), manufacturers=("HIKVISION Digital Technology",)),
     ["maker", "maker-2", "all"]),  # ties keep file order
    (DeviceHints(addresses=("10.9.9.9",)), ["declared", "all"]),  # declared by its IP
    (DeviceHints(addresses=("192.0.2.1",), manufacturers=("Hikvisionary",)), ["all"]),  # not a word prefix
])
def test_most_specific_first(hints: DeviceHints, order: list[str]) -> None:
    assert [s.name for s in PLAN.select(hints)] == order


def test_no_everything_set_means_undeclared_devices_get_nothing() -> None:
    plan = CredentialPlan([s for s in PLAN.sets if s.name != "all"])
    assert plan.select(DeviceHints(addresses=("192.0.2.1",), manufacturers=("AXIS",))) == []


def test_secret_never_in_repr() -> None:
    assert "secret" not in repr(PLAN) and "secret" not in repr(PLAN.sets[0])


def test_cap_at_least_one() -> None:
    with pytest.raises(ValueError):
        CredentialPlan([], max_failures=0)
