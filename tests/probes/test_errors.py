"""One error tree: every exception class camaudit defines sits in the group that says what the caller does next
(bad input, device misbehaviour, delivery failure), or is a listed internal signal that never leaves its module."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from probes.errors import CamauditError, DeliveryError, DeviceError, InputError, ProgrammingError

GROUPS = (InputError, DeviceError, DeliveryError, ProgrammingError)
PACKAGES = ("probes", "profiles", "reports", "scanner")

# Control flow inside one module, caught there and turned into a fact, a finding or a CamauditError.
INTERNAL_SIGNALS = {
    "profiles.checks._registry.Unknown",  # a check cannot decide: the finding is `unknown`
    "profiles.checks._registry.NotApplicable",  # the rule does not apply: the finding is `not_applicable`
    "probes.discovery._wsd.WsdError",  # a WS-Discovery datagram is not one: ignored
    "probes.discovery._ssdp.SsdpError",  # an SSDP datagram is not one: ignored
    "probes.discovery._xml.HostileXml",  # a discovery reply with DOCTYPE/oversized: ignored
    "probes.onvif._digest.DigestUnsupported",  # a challenge we cannot answer: AuthRejected with the reason
    "reports.mqtt.errors.MqttLinkError",  # classify() turns it into an MqttDeliveryError
    "reports.mqtt.errors.MqttConnectRefused",  # (an MqttLinkError)
    "reports.mqtt.publisher._ConnectionBroken",  # the publisher reconnects
    "reports.mqtt.documents.DocumentError",  # a malformed scan-document message: a dead letter
    "scanner.collect.collector.Rejected",  # a message the collector refuses: a dead letter
}


def _our_exceptions() -> dict[str, type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for package in PACKAGES:
        root = importlib.import_module(package)
        for info in pkgutil.walk_packages(root.__path__, prefix=f"{package}."):
            if info.name.endswith(".__main__"):
                continue  # runs the CLI
            module = importlib.import_module(info.name)
            for _, obj in inspect.getmembers(module, inspect.isclass):
                if issubclass(obj, BaseException) and obj.__module__ == info.name:
                    found[f"{obj.__module__}.{obj.__qualname__}"] = obj
        for _, obj in inspect.getmembers(root, inspect.isclass):
            if issubclass(obj, BaseException) and obj.__module__ == package:
                found[f"{package}.{obj.__qualname__}"] = obj
    return found


def test_every_camaudit_error_is_in_exactly_one_group() -> None:
    roots = {CamauditError, *GROUPS}
    for name, cls in _our_exceptions().items():
        if not issubclass(cls, CamauditError) or cls in roots:
            continue
        groups = [g.__name__ for g in GROUPS if issubclass(cls, g)]
        assert len(groups) == 1, f"{name} must be in one group of probes/errors.py (is in {groups})"


def test_every_other_exception_is_a_listed_internal_signal() -> None:
    others = {name for name, cls in _our_exceptions().items() if not issubclass(cls, CamauditError)}
    assert others == INTERNAL_SIGNALS, ("an exception outside the tree must be listed (with what catches it) or "
                                        "join a group of probes/errors.py")


def test_the_walk_sees_the_tree() -> None:
    names = set(_our_exceptions())
    assert {"probes.errors.ConfigError", "probes.errors.Unreachable", "scanner.history.model.HistoryError",
            "reports.mqtt.outbox.OutboxError", "probes.scope.ScopeError"} <= names
