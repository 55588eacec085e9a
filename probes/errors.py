"""camaudit's exception tree, rooted here because every package may import probes.

    CamauditError
    ├── ConfigError            a file the user wrote is wrong (site, profile, fleet): fix the file
    │   └── (SiteError, ProfileError live in scanner/ and profiles/)
    ├── ScopeError             a target is outside the scope or public: fix the scope   (probes.scope)
    └── DeviceError            one device misbehaved: costs one `error` fact, never the scan
        ├── DeviceTimeout
        ├── AuthRejected
        ├── SoapFault          carries the fault code and the operation
        └── BadReply           malformed, truncated, oversized or hostile XML
"""

from __future__ import annotations

from collections.abc import Sequence


class CamauditError(Exception):
    """Root of every error camaudit raises on purpose."""


class ConfigError(CamauditError):
    """A user-written file is invalid; the message names file, line and field."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None,
                 field: str | None = None, more: Sequence[ConfigError] = ()) -> None:
        self.path, self.line, self.field = path, line, field
        where = path or "<input>"
        if line is not None:
            where += f":{line}"
        prefix = f"{where}: " if path or line else ""
        fld = f"{field}: " if field else ""
        self.located = f"{prefix}{fld}{message}"
        # every problem of the file, this one first; str() lists them one per line
        self.problems: tuple[ConfigError, ...] = (self, *more)
        super().__init__("\n".join(p.located for p in self.problems))
        self.detail = message


class DeviceError(CamauditError):
    """A device did something that stops one read; it becomes an `error`/`denied` fact."""

    def __init__(self, message: str, *, operation: str | None = None) -> None:
        self.operation = operation
        super().__init__(message)


class DeviceTimeout(DeviceError):
    """The device did not answer within the deadline."""


class AuthRejected(DeviceError):
    """The device refused the credentials (HTTP 401/400 NotAuthorized, fault in a 200)."""


class SoapFault(DeviceError):
    """The device answered with a SOAP fault."""

    def __init__(self, message: str, *, operation: str | None = None, code: str | None = None,
                 subcode: str | None = None) -> None:
        self.code, self.subcode = code, subcode
        super().__init__(message, operation=operation)


class BadReply(DeviceError):
    """The reply is not well-formed, too large, truncated or contains forbidden XML constructs."""
