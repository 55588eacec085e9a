"""The one place aiohttp's exceptions become camaudit's: a device misbehaving over HTTP costs one DeviceError.

`HTTP_ERRORS` is ordered, first match wins. tests/probes/onvif/test_http_errors.py walks every exception class
aiohttp defines and checks that each meets a deliberate row, so an aiohttp upgrade that adds one is noticed.
"""

from __future__ import annotations

import aiohttp

from probes.errors import BadReply, DeviceError, DeviceTimeout, Unreachable

HTTP_ERRORS: tuple[tuple[type[BaseException], type[DeviceError], str], ...] = (
    # aiohttp's own timeouts (ServerTimeoutError, ConnectionTimeoutError) are TimeoutErrors too
    (TimeoutError, DeviceTimeout, "no complete reply within {timeout:g} s"),
    # refused, DNS, TLS handshake or certificate failures: the URL is not asked again
    (aiohttp.ClientConnectorError, Unreachable, "cannot connect to {url}: {detail}"),
    (aiohttp.ClientPayloadError, BadReply, "truncated or malformed HTTP body: {detail}"),
    (aiohttp.ClientResponseError, BadReply, "malformed HTTP reply: {detail}"),
    # disconnects, resets, OS errors on an open connection, a TLS fingerprint that does not match
    (aiohttp.ClientConnectionError, Unreachable, "connection to {url} failed: {detail}"),
    # the URL is built from the device's own service addresses (XAddrs)
    (aiohttp.InvalidURL, BadReply, "the device's service address is not a usable URL: {detail}"),
    # redirects (never followed: allow_redirects=False) and upload aborts (bodies are small bytes) are never
    # raised by our calls; anything else aiohttp may add still costs one device error
    (aiohttp.ClientError, DeviceError, "HTTP error: {detail}"),
)


def _detail(exc: BaseException) -> str:
    if isinstance(exc, aiohttp.ClientConnectorError):
        return str(exc.os_error or exc)
    if isinstance(exc, aiohttp.ClientResponseError):
        return exc.message
    return str(exc)


def device_error(exc: BaseException, *, operation: str, url: str, timeout: float) -> DeviceError:
    """The DeviceError for an exception of an HTTP exchange (`exc` must be a TimeoutError or aiohttp.ClientError)."""
    for library_type, error_type, message in HTTP_ERRORS:
        if isinstance(exc, library_type):
            return error_type(message.format(url=url, timeout=timeout, detail=_detail(exc)), operation=operation)
    raise TypeError(f"not an HTTP exchange error: {exc!r}") from exc
