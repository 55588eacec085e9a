"""Every exception aiohttp can raise meets a deliberate row of the one mapping to DeviceError (as httpx tests
its httpcore mapping): an aiohttp upgrade that adds an exception fails here until it is placed."""

from __future__ import annotations

import aiohttp
import pytest

from probes.errors import BadReply, DeviceError, DeviceTimeout, Unreachable
from probes.onvif._http_errors import HTTP_ERRORS, device_error

# aiohttp exceptions our calls cannot raise (no redirects followed, no proxy, no unix sockets, no websockets,
# small in-memory bodies; the bare base class): whatever row they meet, they are one device error
NEVER_RAISED_BY_OUR_CALLS = {"ClientError",
    "RedirectClientError", "NonHttpUrlRedirectClientError", "InvalidUrlRedirectClientError", "NonHttpUrlClientError",
    "UploadAbortedError", "ClientHttpProxyError", "ClientProxyConnectionError", "UnixClientConnectorError",
    "WSServerHandshakeError",
}


def _aiohttp_exceptions() -> list[type[BaseException]]:
    found: list[type[BaseException]] = []
    todo: list[type[BaseException]] = [aiohttp.ClientError]
    while todo:
        cls = todo.pop()
        if cls.__module__.startswith("aiohttp") and cls not in found:
            found.append(cls)
            todo.extend(cls.__subclasses__())
    return found


def _row(cls: type[BaseException]) -> tuple[type[BaseException], type[DeviceError], str]:
    return next(row for row in HTTP_ERRORS if issubclass(cls, row[0]))


@pytest.mark.parametrize("cls", _aiohttp_exceptions(), ids=lambda c: c.__name__)
def test_every_aiohttp_exception_meets_a_deliberate_row(cls: type[BaseException]) -> None:
    library_type, error_type, _ = _row(cls)
    assert issubclass(error_type, DeviceError)
    if cls.__name__ not in NEVER_RAISED_BY_OUR_CALLS:
        assert library_type is not aiohttp.ClientError, f"{cls.__name__} only meets the catch-all row: place it"


def test_the_walk_found_aiohttps_exceptions() -> None:
    names = {c.__name__ for c in _aiohttp_exceptions()}
    assert {"ClientConnectorError", "ServerDisconnectedError", "ClientPayloadError", "ClientSSLError"} <= names
    assert names >= NEVER_RAISED_BY_OUR_CALLS  # the list names real classes (a rename in aiohttp shows here)


@pytest.mark.parametrize(("exc", "expected", "text"), [
    (TimeoutError(), DeviceTimeout, "no complete reply within 2.5 s"),
    (aiohttp.ServerTimeoutError("read"), DeviceTimeout, "no complete reply within 2.5 s"),
    (aiohttp.ServerDisconnectedError(), Unreachable, "connection to http://127.0.0.1:8000/onvif failed"),
    (aiohttp.ClientPayloadError("cut"), BadReply, "truncated or malformed HTTP body: cut"),
    (aiohttp.InvalidURL("http://[bad"), BadReply, "not a usable URL"),
])
def test_device_error_keeps_the_operation_and_says_what_happened(exc: BaseException, expected: type[DeviceError],
                                                                 text: str) -> None:
    error = device_error(exc, operation="tds:GetHostname", url="http://127.0.0.1:8000/onvif", timeout=2.5)
    assert type(error) is expected and error.operation == "tds:GetHostname" and text in str(error)


def test_anything_else_is_not_ours_to_map() -> None:
    with pytest.raises(TypeError):
        device_error(ValueError("x"), operation="tds:GetHostname", url="http://127.0.0.1:8000/", timeout=1)
