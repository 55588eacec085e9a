"""Every exception asyncpg can raise meets a deliberate row of the one mapping (scanner/history/_pg_errors.py, as
httpx tests its httpcore mapping), and the failures a user meets with a real PostgreSQL (tests/pgserver.py) say
what to do next: a wrong password is the user's to fix (exit 1), a server that went away is worth a retry."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterator

import asyncpg
import pytest
from asyncpg import exceptions as pg

from probes import clock
from probes.errors import DeliveryError, InputError, ProgrammingError
from scanner import exitcodes
from scanner.history import HistoryError, ScanStatus, open_history
from scanner.history._pg_errors import LIBRARY_ERRORS, PG_ERRORS, connect_error, history_error
from scanner.history.model import HistoryAccessError, HistoryStatementError, HistoryUnavailable
from tests import pgserver
from tests.scanner.history.conftest import pg_schema
from tests.support.children import python_env

CATCH_ALL_ROWS = {asyncpg.PostgresError, pg.InternalClientError}

# SQLSTATE classes no statement camaudit sends can raise (cursors, routines, savepoints, PL/pgSQL, foreign data,
# XML ...): they meet the catch-all row, a HistoryError (the store failed, the result is intact)
NOT_FROM_OUR_STATEMENTS = {"03", "09", "0B", "0F", "0L", "0Z", "10", "20", "24", "26", "27", "2B", "2D", "2F", "34",
                           "38", "39", "3B", "44", "HV", "P0"}
# asyncpg's own classes that meet the catch-all: unclassified server errors, a wire protocol violation
CATCH_ALL_CLASSES = {"PostgresError", "FatalPostgresError", "UnknownPostgresError", "InternalClientError",
                     "ProtocolError"}


def _asyncpg_exceptions() -> list[type[BaseException]]:
    """Every exception class asyncpg exports, but warnings (delivered to log listeners, never raised)."""
    found = [getattr(pg, name) for name in pg.__all__]
    return [cls for cls in found if isinstance(cls, type) and issubclass(cls, BaseException)
            and not issubclass(cls, Warning)]


def _row(cls: type[BaseException]) -> tuple[type[BaseException], type[Exception], str]:
    return next(row for row in PG_ERRORS if issubclass(cls, row[0]))


@pytest.mark.parametrize("cls", _asyncpg_exceptions(), ids=lambda c: c.__name__)
def test_every_asyncpg_exception_meets_a_deliberate_row(cls: type[BaseException]) -> None:
    assert issubclass(cls, LIBRARY_ERRORS), "the store's boundary does not catch it"
    library_type, error_type, _ = _row(cls)
    assert issubclass(error_type, InputError | DeliveryError | ProgrammingError)
    if library_type in CATCH_ALL_ROWS:
        sqlstate_class = (getattr(cls, "sqlstate", None) or "")[:2]
        assert sqlstate_class in NOT_FROM_OUR_STATEMENTS or cls.__name__ in CATCH_ALL_CLASSES, \
            f"{cls.__name__} ({sqlstate_class}) only meets the catch-all row: place it"


def test_the_walk_found_asyncpgs_exceptions_and_the_lists_name_real_ones() -> None:
    found = _asyncpg_exceptions()
    names = {c.__name__ for c in found}
    assert {"InvalidPasswordError", "AdminShutdownError", "SerializationError", "UndefinedTableError",
            "ConnectionDoesNotExistError", "ClientConfigurationError"} <= names
    assert names >= CATCH_ALL_CLASSES
    classes = {(getattr(c, "sqlstate", None) or "")[:2] for c in found}
    assert classes >= NOT_FROM_OUR_STATEMENTS  # a code asyncpg dropped shows here


@pytest.mark.parametrize(("exc", "expected", "text"), [
    (pg.InvalidPasswordError("password authentication failed for user \"auditor\""), HistoryAccessError,
     "refused the login"),
    (pg.InvalidCatalogNameError("database \"nope\" does not exist"), HistoryAccessError, "create the database"),
    (pg.InsufficientPrivilegeError("permission denied for table scans"), HistoryAccessError, "grant"),
    (pg.ReadOnlySQLTransactionError("cannot execute INSERT"), HistoryAccessError, "read-only"),
    (pg.AdminShutdownError("terminating connection"), HistoryUnavailable, "is unavailable, cannot list scans"),
    (pg.CannotConnectNowError("the database system is starting up"), HistoryUnavailable, "is unavailable"),
    (pg.TooManyConnectionsError("too many clients"), HistoryUnavailable, "is unavailable"),
    (pg.SerializationError("could not serialize access"), HistoryUnavailable, "a concurrent transaction"),
    (pg.DeadlockDetectedError("deadlock detected"), HistoryUnavailable, "a concurrent transaction"),
    (ConnectionRefusedError(111, "Connect call failed"), HistoryUnavailable, "Connect call failed"),
    (TimeoutError(), HistoryUnavailable, "cannot list scans: TimeoutError"),
    (pg.UndefinedColumnError("column \"x\" does not exist"), HistoryStatementError, "[SQLSTATE 42703]"),
    (pg.UniqueViolationError("duplicate key"), HistoryStatementError, "(a bug)"),
    (pg.DataCorruptedError("invalid page"), HistoryError, "failed to list scans"),
])
def test_history_error_says_what_the_store_was_doing_and_what_next(exc: BaseException, expected: type[Exception],
                                                                     text: str) -> None:
    error = history_error(exc, location="postgresql://auditor:***@db/camaudit", doing="list scans")
    assert type(error) is expected and text in str(error)
    assert "postgresql://auditor:***@db/camaudit" in str(error)


def test_the_groups_say_what_the_caller_does_next() -> None:
    assert issubclass(HistoryAccessError, InputError) and not issubclass(HistoryAccessError, HistoryError)
    assert issubclass(HistoryUnavailable, HistoryError) and issubclass(HistoryError, DeliveryError)
    assert issubclass(HistoryStatementError, ProgrammingError)


def test_anything_else_is_not_ours_to_map() -> None:
    with pytest.raises(TypeError):
        history_error(ValueError("x"), location="postgresql://db/x", doing="list scans")


@pytest.mark.parametrize(("url", "says"), [
    ("postgresql://auditor:secret@127.0.0.1:notaport/db", "notaport"),  # asyncpg's ValueError
    ("postgresql://auditor:secret@127.0.0.1/db?sslmode=bogus", "sslmode"),  # its ClientConfigurationError
])
async def test_an_unusable_url_is_the_users_to_fix_before_any_connection(url: str, says: str) -> None:
    with pytest.raises(HistoryAccessError, match="is not usable") as info:
        await open_history(url).open()
    assert says in str(info.value) and "auditor:***@" in str(info.value) and "secret" not in str(info.value)


# --- a real PostgreSQL -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def own_server() -> Iterator[pgserver.TempPostgres]:
    """A server of this module's own: it is stopped and its logins changed, which the shared one must not be."""
    try:
        server = pgserver.TempPostgres()
    except pgserver.PostgresUnavailable as exc:
        pytest.skip(str(exc))
    with server:
        yield server


def test_a_wrong_password_is_the_users_to_fix_and_never_shown(own_server: pgserver.TempPostgres) -> None:
    async def add_role() -> None:
        admin = await asyncpg.connect(own_server.url("test"), timeout=10)
        try:
            await admin.execute("CREATE ROLE auditor LOGIN PASSWORD 'right-one'")
        finally:
            await admin.close()

    asyncio.run(add_role())
    own_server.require_passwords()
    url = f"postgresql://auditor:wrong-one@/test?host={own_server.socket_dir}"

    async def open_it() -> None:
        async with open_history(url):
            pass

    with pytest.raises(HistoryAccessError) as info:
        asyncio.run(open_it())
    assert "refused the login" in str(info.value) and "password authentication failed" in str(info.value)
    assert "auditor:***@" in str(info.value) and "wrong-one" not in str(info.value)

    done = subprocess.run([sys.executable, "-m", "scanner", "history", "--history", url], capture_output=True,
                          text=True, env=python_env(COLUMNS="1000"), timeout=120, check=False)
    assert done.returncode == exitcodes.USAGE, done.stderr
    assert "refused the login" in done.stderr and "check the user and password" in done.stderr
    assert "wrong-one" not in done.stderr + done.stdout and "Traceback" not in done.stderr


async def test_a_server_stopped_mid_run_is_unavailable_and_the_store_recovers(
        own_server: pgserver.TempPostgres) -> None:
    async with open_history(own_server.url("test")) as store:
        await store.begin_scan("before-stop", "hq", clock.now(), "test")
        await asyncio.to_thread(own_server.stop_server, "fast")
        try:
            with pytest.raises(HistoryUnavailable, match="is unavailable, cannot list scans"):
                await store.list_scans("hq")
        finally:
            await asyncio.to_thread(own_server.start_server)
        for attempt in range(3):  # the pool's connections died with the server: each is replaced on failure
            try:
                records = await store.list_scans("hq")
                break
            except HistoryUnavailable:
                assert attempt < 2, "the store never recovered"
        assert [(r.scan_id, r.status) for r in records] == [("before-stop", ScanStatus.RUNNING)]


async def test_no_such_database_and_a_broken_schema_on_the_shared_server() -> None:
    try:
        url = pgserver.shared_url()
    except pgserver.PostgresUnavailable as exc:
        pytest.skip(str(exc))
    with pytest.raises(HistoryAccessError, match="create the database or correct the history URL"):
        await open_history(url.replace("/test?", "/no_such_db?")).open()
    async with pg_schema() as location, open_history(location) as store:
        await store._p().execute("DROP TABLE scans CASCADE")  # what a bug (or a hand) could do
        with pytest.raises(HistoryStatementError, match=r"refused camaudit's statement to list scans .*42P01"):
            await store.list_scans()


# --- a server setting in the URL's query string: the user's to fix, named ---------------------------------


@pytest.mark.parametrize(("setting", "said"), [
    ("bogus_setting=1", "unrecognized configuration parameter"),  # 42704
    ("statement_timeout=abc", "invalid value for parameter"),  # 22023
    ("work_mem=-5", "outside the valid range"),  # 22023
    ("shared_buffers=1MB", "cannot be changed without restarting the server"),  # 55P02
])
def test_a_refused_server_setting_is_the_users_to_fix_and_named(setting: str, said: str) -> None:
    try:
        url = pgserver.with_search_path(pgserver.shared_url(), "public") + f"&{setting}&password=not-shown"
    except pgserver.PostgresUnavailable as exc:
        pytest.skip(str(exc))
    name = setting.split("=")[0]

    with pytest.raises(HistoryAccessError) as info:
        asyncio.run(open_history(url).open())
    message = str(info.value)
    assert f"the server refused its setting {name}: " in message and said in message
    assert "correct or remove it in the URL's query string" in message and "(a bug)" not in message
    assert f"&{setting}&password=***" in message and "not-shown" not in message  # which URL, no password

    done = subprocess.run([sys.executable, "-m", "scanner", "history", "--history", url], capture_output=True,
                          text=True, env=python_env(COLUMNS="1000"), timeout=120, check=False)
    assert done.returncode == exitcodes.USAGE, done.stderr
    assert f"the server refused its setting {name}" in done.stderr and "Traceback" not in done.stderr
    assert "not-shown" not in done.stderr + done.stdout


def test_a_setting_only_a_superuser_may_set_is_named_a_missing_connect_right_is_not(
        own_server: pgserver.TempPostgres) -> None:
    async def add_role() -> None:
        admin = await asyncpg.connect(own_server.url("test"), timeout=10)
        try:
            await admin.execute("CREATE ROLE limited LOGIN PASSWORD 'limited-secret'")
            await admin.execute("CREATE DATABASE closed")
            await admin.execute("REVOKE CONNECT ON DATABASE closed FROM PUBLIC")
        finally:
            await admin.close()

    asyncio.run(add_role())
    base = f"postgresql://limited@/{{db}}?host={own_server.socket_dir}&password=limited-secret"
    with pytest.raises(HistoryAccessError, match="the server refused its setting log_statement: permission denied"):
        asyncio.run(open_history(base.format(db="test") + "&log_statement=all").open())
    with pytest.raises(HistoryAccessError, match="grant the history URL's user its rights") as info:
        asyncio.run(open_history(base.format(db="closed") + "&application_name=camaudit").open())
    assert "refused its setting" not in str(info.value) and "limited-secret" not in str(info.value)


def test_connect_errors_that_name_no_setting_keep_their_row() -> None:
    refused = pg.InvalidPasswordError('password authentication failed for user "auditor"')
    error = connect_error(refused, location="postgresql://auditor:***@db/x", settings=["search_path"])
    assert type(error) is HistoryAccessError and "refused the login" in str(error)
    away = ConnectionRefusedError(111, "Connect call failed")
    assert type(connect_error(away, location="postgresql://db/x", settings=["jit"])) is HistoryUnavailable
