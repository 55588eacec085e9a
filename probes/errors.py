"""camaudit's exception tree, rooted here because every package may import probes.

Grouped by what the caller does next:

    CamauditError
    ├── InputError             what the user wrote or passed is wrong: say where, exit 1, fix and run again
    │   ├── ConfigError        a file (site, profile, fleet): names file, line and field
    │   │   └── ProfileError   (profiles.loader)
    │   ├── ScopeError         a target outside the scope or public (probes.scope)
    │   └── HistoryAccessError (scanner.history: login refused, no such database, no rights, read-only)
    ├── DeviceError            one device misbehaved: costs one `error` fact, never the scan
    │   ├── DeviceTimeout
    │   ├── Unreachable        refused, reset, or timed out before on the same URL
    │   ├── AuthRejected
    │   ├── SoapFault          carries the fault code and the operation (OperationUnsupported)
    │   ├── BadReply           malformed, truncated, oversized or hostile XML (SchemaViolation)
    │   └── NotTls             (probes.onvif._tls)
    ├── DeliveryError          a result could not be stored or sent: keep it, report, retry later
    │   ├── HistoryError       (scanner.history)
    │   │   ├── HistoryUnavailable  server away or restarting, a conflicting transaction: retry later
    │   │   └── UnknownScan    no such scan (or no result for it): the reference is wrong, not the store
    │   ├── OutboxError        (reports.mqtt.outbox)
    │   └── MqttDeliveryError  (reports.mqtt.errors: auth, TLS, refused, rejected, unreachable)
    └── ProgrammingError       a bug, never caught: a request the allowlists forbid, a statement refused
        ├── ForbiddenOperation (probes.onvif._allowlist: an ONVIF operation that is not a read)
        ├── ForbiddenMethod    (probes.rtsp._client: an RTSP method other than OPTIONS or DESCRIBE)
        └── HistoryStatementError  (scanner.history: the database refused a statement of ours)

Library exceptions become these at one boundary per library: aiohttp in probes/onvif/_http_errors.py,
paho/aiomqtt in reports.mqtt.errors.classify, sqlite3 in scanner.history.sqlite (SqliteHistory._run), asyncpg in
scanner/history/_pg_errors.py; tests/probes/test_errors.py checks that every exception class of ours sits in one
group (or is a listed internal signal); tests/probes/onvif/test_http_errors.py and
tests/scanner/history/test_pg_errors.py that every aiohttp and asyncpg exception meets a deliberate row.
"""

from __future__ import annotations

from collections.abc import Sequence


class CamauditError(Exception):
    """Root of every error camaudit raises on purpose."""


class InputError(CamauditError):
    """Bad input from the user (a file, an argument, a target): nothing was scanned on its account."""


class DeliveryError(CamauditError):
    """A finished result could not be stored or sent (history, outbox, broker); the result itself is intact."""


class ProgrammingError(CamauditError):
    """A bug in camaudit (e.g. a request outside the read-only allowlists): never caught, the run stops."""


class ConfigError(InputError):
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


class Unreachable(DeviceError):
    """The service could not be reached (connection refused, reset, or an earlier timeout on the same URL)."""


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
