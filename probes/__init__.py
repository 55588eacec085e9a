"""Talking to the network: discovery probes and ONVIF fact readers, plus the facts model.

This package imports nothing else of camaudit's.
"""

from probes.errors import (
    AuthRejected,
    BadReply,
    CamauditError,
    ConfigError,
    DeviceError,
    DeviceTimeout,
    SoapFault,
)
from probes.facts import (
    FACT_CATALOGUE,
    DeviceFacts,
    Evidence,
    Fact,
    FactStatus,
)
from probes.factvalues import FactSpec
from probes.scope import Scope, ScopeError

__all__ = [
    "AuthRejected",
    "BadReply",
    "CamauditError",
    "ConfigError",
    "DeviceError",
    "DeviceTimeout",
    "SoapFault",
    "FACT_CATALOGUE",
    "DeviceFacts",
    "Evidence",
    "Fact",
    "FactSpec",
    "FactStatus",
    "Scope",
    "ScopeError",
]
