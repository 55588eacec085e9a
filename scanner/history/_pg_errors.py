"""The one place asyncpg's exceptions become camaudit's, as probes/onvif/_http_errors.py is for aiohttp.

PostgreSQL reports every error with a SQLSTATE whose first two characters are its class, and asyncpg gives each
class a base exception, so the rows name classes, not codes. `PG_ERRORS` is ordered, first match wins.
tests/scanner/history/test_pg_errors.py walks every exception asyncpg exports and checks that each meets a
deliberate row, so an asyncpg upgrade that adds one is noticed. asyncpg is the optional `postgres` extra:
only scanner/history/postgres.py imports this module, and only once asyncpg is known to be installed.
"""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg
from asyncpg import exceptions as pg

from probes.errors import CamauditError
from scanner.history.model import HistoryAccessError, HistoryError, HistoryStatementError, HistoryUnavailable

# what the store catches at its boundary: the server's errors, the driver's, and the socket's
LIBRARY_ERRORS: tuple[type[BaseException], ...] = (asyncpg.PostgresError, asyncpg.InterfaceError,
                                                   pg.InternalClientError, OSError, TimeoutError)

_FIX_URL = "correct the history URL"
_UNAVAILABLE = "history store {location} is unavailable, cannot {doing}: {detail}"
_FAILED = "history store {location} failed to {doing}: {detail}"

PG_ERRORS: tuple[tuple[type[BaseException], type[CamauditError], str], ...] = (
    # the user's URL or the server's grants: running again unchanged fails again
    (pg.InvalidAuthorizationSpecificationError, HistoryAccessError,  # 28: wrong password, no such user, pg_hba
     "history store {location} refused the login: {detail}; check the user and password of the history URL"),
    (pg.InvalidRoleSpecificationError, HistoryAccessError, "history store {location}: {detail}; " + _FIX_URL),  # 0P
    (pg.InvalidCatalogNameError, HistoryAccessError,  # 3D: no such database
     "history store {location}: {detail}; create the database or " + _FIX_URL),
    (pg.InvalidSchemaNameError, HistoryAccessError,  # 3F: search_path names no schema we may create in
     "history store {location}: {detail}; create the schema of search_path or " + _FIX_URL),
    (pg.InsufficientPrivilegeError, HistoryAccessError,  # 42501
     "history store {location}: cannot {doing}: {detail}; grant the history URL's user its rights"),
    (pg.ReadOnlySQLTransactionError, HistoryAccessError,  # 25006: a standby
     "history store {location} is read-only (a standby?): cannot {doing}: {detail}"),
    (pg.ClientConfigurationError, HistoryAccessError, "the history URL {location} is not usable: {detail}"),
    # the server is away, starting, stopping, out of room, or another transaction won: later may work
    (pg.PostgresConnectionError, HistoryUnavailable, _UNAVAILABLE),  # 08: lost, rejected, never connected
    (pg.OperatorInterventionError, HistoryUnavailable, _UNAVAILABLE),  # 57: shutdown, starting, canceled, timeouts
    (pg.InsufficientResourcesError, HistoryUnavailable, _UNAVAILABLE),  # 53: too many connections, disk, memory
    (pg.TransactionRollbackError, HistoryUnavailable,  # 40: serialization failure, deadlock
     "history store {location} could not {doing} now (a concurrent transaction): {detail}"),
    (pg.LockNotAvailableError, HistoryUnavailable, _UNAVAILABLE),  # 55P03
    (pg.SnapshotTooOldError, HistoryUnavailable, _UNAVAILABLE),  # 72
    (pg.InvalidCachedStatementError, HistoryUnavailable, _UNAVAILABLE),  # 0A000 after a schema change: retry
    (pg.OutdatedSchemaCacheError, HistoryUnavailable, _UNAVAILABLE),  # (asyncpg has reset its cache)
    (pg.TargetServerAttributeNotMatched, HistoryUnavailable, _UNAVAILABLE),  # no primary among the URL's hosts now
    (pg.UnsupportedServerFeatureError, HistoryError, _FAILED),  # a server too old or a pooler in between
    (pg.UnsupportedClientFeatureError, HistoryError, _FAILED),
    (asyncpg.InterfaceError, HistoryUnavailable, _UNAVAILABLE),  # a closed connection or pool
    (TimeoutError, HistoryUnavailable, _UNAVAILABLE),  # connect timeout, command_timeout
    (OSError, HistoryUnavailable, _UNAVAILABLE),  # refused, reset, no such socket, name not resolved
    # a statement camaudit sent that the server refused: a bug
    (pg.SyntaxOrAccessError, HistoryStatementError,  # 42: syntax, unknown table or column
     "history store {location} refused camaudit's statement to {doing} (a bug): {detail}"),
    (pg.DataError, HistoryStatementError, "history store {location} refused camaudit's data to {doing} (a bug): "
                                          "{detail}"),  # 22
    (pg.IntegrityConstraintViolationError, HistoryStatementError,  # 23
     "history store {location} refused camaudit's rows to {doing} (a bug): {detail}"),
    (pg.InvalidTransactionStateError, HistoryStatementError,  # 25 (but 25006 above)
     "history store {location} refused camaudit's transaction to {doing} (a bug): {detail}"),
    (pg.CardinalityViolationError, HistoryStatementError,  # 21: a subquery of ours returned several rows
     "history store {location} refused camaudit's statement to {doing} (a bug): {detail}"),
    (pg.ObjectNotInPrerequisiteStateError, HistoryStatementError,  # 55 (but 55P03 above)
     "history store {location} refused camaudit's statement to {doing} (a bug): {detail}"),
    # the server failed on its own: I/O or corruption, its config file, a limit, a feature it lacks
    (pg.PostgresSystemError, HistoryError, _FAILED),  # 58
    (pg.InternalServerError, HistoryError, _FAILED),  # XX: data or index corrupted, internal
    (pg.ConfigFileError, HistoryError, _FAILED),  # F0
    (pg.ProgramLimitExceededError, HistoryError, _FAILED),  # 54
    (pg.FeatureNotSupportedError, HistoryError, _FAILED),  # 0A: a server older than camaudit supports
    # every class our statements cannot raise (cursors, routines, PL/pgSQL, foreign data, XML ...), a wire
    # protocol error: the store failed, the result is intact
    (asyncpg.PostgresError, HistoryError, _FAILED),
    (pg.InternalClientError, HistoryError, _FAILED),
)


# What the server answers at connect to a server setting of the URL's query string (`?statement_timeout=abc`):
# no statement of camaudit's has been sent yet, so the URL is wrong, not camaudit (the rows above would say a bug)
_SETTING_REFUSED = (pg.UndefinedObjectError,  # 42704 unrecognized configuration parameter
                    pg.InvalidParameterValueError,  # 22023 invalid value, out of range, not a Boolean
                    pg.CantChangeRuntimeParamError)  # 55P02 only at server start (shared_buffers ...)
_SETTING_PRIVILEGE = pg.InsufficientPrivilegeError  # 42501: a superuser's setting, or no CONNECT right at all


def connect_error(exc: BaseException, *, location: str, settings: Sequence[str]) -> CamauditError:
    """The camaudit error for `exc` (one of LIBRARY_ERRORS) raised while connecting with a URL whose query string
    names `settings`: a setting the server refused is the user's to fix (exit 1), and the message names it."""
    if isinstance(exc, (*_SETTING_REFUSED, _SETTING_PRIVILEGE)) and settings:
        said = str(getattr(exc, "message", None) or exc).lower()
        named = [s for s in settings if f'"{s.lower()}"' in said]  # quoted by the server; names ignore case
        if named or not isinstance(exc, _SETTING_PRIVILEGE):
            which = f"setting {', '.join(named)}" if named else "server settings"
            return HistoryAccessError(f"the history URL {location}: the server refused its {which}: "
                                      f"{_detail(exc)}; correct or remove it in the URL's query string")
    return history_error(exc, location=location, doing="connect")


def _detail(exc: BaseException) -> str:
    if isinstance(exc, asyncpg.PostgresError) and exc.sqlstate:
        return f"{exc} [SQLSTATE {exc.sqlstate}]"
    return str(exc) or type(exc).__name__


def history_error(exc: BaseException, *, location: str, doing: str) -> CamauditError:
    """The camaudit error for `exc` (one of LIBRARY_ERRORS) raised while trying to `doing` ("store scan x")."""
    for library_type, error_type, message in PG_ERRORS:
        if isinstance(exc, library_type):
            return error_type(message.format(location=location, doing=doing, detail=_detail(exc)))
    raise TypeError(f"not a history store error: {exc!r}") from exc
