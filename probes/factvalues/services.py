"""Service facts: which ONVIF services the device offers, and its security capabilities."""

from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator

from probes.factvalues._base import FactValue, fact


class OfferedService(FactValue):
    """One entry of tds:GetServices (or of tds:GetCapabilities rendered the same way, without version)."""

    namespace: str
    xaddr: str
    version: str | None = None  # "major.minor"; None: GetCapabilities does not say


class SecurityCapabilities(FactValue):
    """tds:GetServiceCapabilities Capabilities/Security, attribute names in snake case (TLS1.2 -> tls1_2).

    The TLS and token booleans are optional attributes whose WSDL default is false: the parser fills that
    default in. Attributes this model does not name (vendor or newer ones) are kept in `other`.
    """

    tls1_0: bool | None = None
    tls1_1: bool | None = None
    tls1_2: bool | None = None
    tls1_3: bool | None = None
    http_digest: bool | None = None
    username_token: bool | None = None
    onboard_key_generation: bool | None = None
    access_policy_config: bool | None = None
    default_access_policy: bool | None = None
    dot1_x: bool | None = None
    remote_user_handling: bool | None = None
    x509_token: bool | None = None
    samltoken: bool | None = None
    kerberos_token: bool | None = None
    reltoken: bool | None = None
    json_web_token: bool | None = None
    supported_eap_methods: int | str | None = None  # xs:int list; text when it is not one number
    max_users: int | str | None = None
    max_user_name_length: int | str | None = None
    max_password_length: int | str | None = None
    max_password_history: int | str | None = None
    security_policies: str | None = None
    hashing_algorithms: str | None = None
    other: dict[str, bool | int | str] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _collect_other(cls, data: Any) -> Any:
        """Documents and parsers give one flat mapping: names this model lacks go to `other`."""
        if isinstance(data, dict):
            known = set(cls.model_fields)
            extra = {k: v for k, v in data.items() if k not in known}
            if extra:
                data = {k: v for k, v in data.items() if k in known}
                data["other"] = {**dict(data.get("other") or {}), **extra}
        return data


SERVICES = fact("services", list[OfferedService], "tds:GetServices", "Services offered")
SECURITY = fact("capabilities.security", SecurityCapabilities, "tds:GetServiceCapabilities",
                "Device security capabilities")

SPECS = (SERVICES, SECURITY)
