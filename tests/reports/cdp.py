"""A minimal DevTools-protocol driver for headless Chromium, for report tests and the report benchmark.

Chromium is started with `--remote-debugging-pipe` (the protocol runs over file
descriptors 3 and 4, so no port is opened) and, when we may, inside a fresh
network namespace (`unshare --net`), so the page cannot reach any network even
if the report tried. Everything the page does is recorded: requests, console
messages, exceptions, log entries, CSP violations and dialogs.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import fcntl
import itertools
import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

CHROMIUM = os.environ.get("CAMAUDIT_CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--mute-audio",
    "--hide-scrollbars",
    "--disable-features=Translate,MediaRouter,OptimizationHints",
    "--remote-debugging-pipe",
]

# Recorded before any page script runs; DevTools-injected scripts are not subject to the page's CSP.
_WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__cspViolations.push({directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample});
});
"""


def chromium_available() -> bool:
    return shutil.which(CHROMIUM) is not None


def _can_unshare() -> bool:
    unshare = shutil.which("unshare")
    if not unshare:
        return False
    return subprocess.run([unshare, "--net", "true"], capture_output=True, check=False).returncode == 0


def _high_fd(fd: int) -> int:
    high = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return high


class CDPError(RuntimeError):
    """A DevTools command returned an error."""


@dataclass
class PageLog:
    """What a page did, as seen over the DevTools protocol."""

    requests: list[str] = field(default_factory=list)
    responses: list[str] = field(default_factory=list)  # URLs that got a response
    blocked: dict[str, str] = field(default_factory=dict)  # URL -> blockedReason (csp, inspector ...)
    _ids: dict[str, str] = field(default_factory=dict)
    console: list[dict[str, Any]] = field(default_factory=list)
    exceptions: list[dict[str, Any]] = field(default_factory=list)
    log_entries: list[dict[str, Any]] = field(default_factory=list)
    dialogs: list[dict[str, Any]] = field(default_factory=list)
    issues: list[dict[str, Any]] = field(default_factory=list)

    def errors(self) -> list[str]:
        """Console errors, uncaught exceptions and error-level log entries, as text."""
        out = [
            f"console.{c['type']}: " + " ".join(str(a.get("value", a.get("description"))) for a in c["args"])
            for c in self.console
            if c["type"] in ("error", "assert", "warning")
        ]
        out += [
            f"exception: {e['exceptionDetails'].get('text')} "
            f"{e['exceptionDetails'].get('exception', {}).get('description', '')}"
            for e in self.exceptions
        ]
        out += [
            f"log.{e['entry']['level']} ({e['entry']['source']}): {e['entry']['text']}"
            for e in self.log_entries
            if e["entry"]["level"] in ("error", "warning")
        ]
        return out


class Chromium:
    """`async with Chromium() as browser: page = await browser.new_page()`."""

    def __init__(self, *, isolate_network: bool = True, window: tuple[int, int] = (1280, 900)) -> None:
        self.isolate_network = isolate_network and _can_unshare()
        self.window = window
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future] = {}
        self._listeners: dict[str | None, list] = {}
        self._proc: asyncio.subprocess.Process | None = None
        self._tmp: tempfile.TemporaryDirectory | None = None
        self._reader_task: asyncio.Task | None = None

    async def __aenter__(self) -> Self:
        self._tmp = tempfile.TemporaryDirectory(prefix="camaudit-chromium-")
        to_chrome_r, to_chrome_w = os.pipe()
        from_chrome_r, from_chrome_w = os.pipe()
        # The child's ends move above 9 so bash's "3<&N 4>&M" never clobbers one with the other.
        to_chrome_r, from_chrome_w = (_high_fd(to_chrome_r), _high_fd(from_chrome_w))
        args = [
            *FLAGS,
            f"--user-data-dir={self._tmp.name}",
            f"--window-size={self.window[0]},{self.window[1]}",
            "about:blank",
        ]
        prefix = 'exec unshare --net -- "$0" "$@"' if self.isolate_network else 'exec "$0" "$@"'
        script = f"{prefix} 3<&{to_chrome_r} 4>&{from_chrome_w} {to_chrome_r}<&- {from_chrome_w}>&-"
        self._proc = await asyncio.create_subprocess_exec(
            "/bin/bash",
            "-c",
            script,
            CHROMIUM,
            *args,
            pass_fds=(to_chrome_r, from_chrome_w),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        loop = asyncio.get_running_loop()
        self._reader = asyncio.StreamReader(limit=512 * 1024 * 1024)
        await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(self._reader), os.fdopen(from_chrome_r, "rb")
        )
        self._wtransport, _ = await loop.connect_write_pipe(asyncio.Protocol, os.fdopen(to_chrome_w, "wb"))
        self._reader_task = asyncio.create_task(self._read_loop(), name="cdp.read")
        await self.send("Target.setDiscoverTargets", {"discover": True})
        return self

    async def __aexit__(self, *exc: object) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.send("Browser.close"), 5)
        if self._proc is not None:
            try:
                await asyncio.wait_for(self._proc.wait(), 10)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self._proc.pid, 9)  # only the group we started (start_new_session)
                await self._proc.wait()
        if self._reader_task:
            self._reader_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader_task
        with contextlib.suppress(Exception):
            self._wtransport.close()
        if self._tmp:
            self._tmp.cleanup()

    async def _read_loop(self) -> None:
        while True:
            try:
                raw = await self._reader.readuntil(b"\0")
            except (asyncio.IncompleteReadError, ConnectionError):
                break
            msg = json.loads(raw[:-1])
            if "id" in msg:
                fut = self._pending.pop(msg["id"], None)
                if fut and not fut.done():
                    if "error" in msg:
                        fut.set_exception(CDPError(f"{msg['error']}"))
                    else:
                        fut.set_result(msg.get("result", {}))
            else:
                for callback in self._listeners.get(msg.get("sessionId"), []):
                    callback(msg["method"], msg.get("params", {}))
        for fut in self._pending.values():
            if not fut.done():
                fut.set_exception(CDPError("browser connection closed"))

    async def send(
        self, method: str, params: dict | None = None, session: str | None = None, timeout: float = 60
    ) -> dict:
        msg_id = next(self._ids)
        msg: dict[str, Any] = {"id": msg_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        fut = asyncio.get_running_loop().create_future()
        self._pending[msg_id] = fut
        self._wtransport.write(json.dumps(msg).encode() + b"\0")
        return await asyncio.wait_for(fut, timeout)

    async def new_page(self) -> Page:
        target = await self.send("Target.createTarget", {"url": "about:blank"})
        attached = await self.send("Target.attachToTarget", {"targetId": target["targetId"], "flatten": True})
        page = Page(self, attached["sessionId"])
        self._listeners.setdefault(page.session, []).append(page._on_event)
        await page._setup()
        return page


class Page:
    """One tab; `log` holds everything it did since it was opened."""

    def __init__(self, browser: Chromium, session: str) -> None:
        self.browser = browser
        self.session = session
        self.log = PageLog()
        self._waiters: list[tuple[str, asyncio.Future]] = []

    def _on_event(self, method: str, params: dict) -> None:
        if method == "Network.requestWillBeSent":
            self.log.requests.append(params["request"]["url"])
            self.log._ids[params["requestId"]] = params["request"]["url"]
        elif method == "Network.responseReceived":
            self.log.responses.append(params["response"]["url"])
        elif method == "Network.loadingFailed" and params.get("blockedReason"):
            self.log.blocked[self.log._ids.get(params["requestId"], "?")] = params["blockedReason"]
        elif method == "Runtime.consoleAPICalled":
            self.log.console.append(params)
        elif method == "Runtime.exceptionThrown":
            self.log.exceptions.append(params)
        elif method == "Log.entryAdded":
            self.log.log_entries.append(params)
        elif method == "Audits.issueAdded":
            self.log.issues.append(params["issue"])
        elif method == "Page.javascriptDialogOpening":
            self.log.dialogs.append(params)
            asyncio.get_running_loop().create_task(
                self.send("Page.handleJavaScriptDialog", {"accept": False})
            )
        for name, fut in list(self._waiters):
            if name == method and not fut.done():
                fut.set_result(params)
                self._waiters.remove((name, fut))

    async def send(self, method: str, params: dict | None = None, timeout: float = 60) -> dict:
        return await self.browser.send(method, params, self.session, timeout)

    async def _setup(self) -> None:
        for domain in ("Page", "Runtime", "Network", "Log", "Audits"):
            await self.send(f"{domain}.enable")
        await self.send("Page.addScriptToEvaluateOnNewDocument", {"source": _WATCH_CSP})

    async def goto(self, url: str, timeout: float = 60) -> float:
        """Navigate and wait for the load event; returns seconds from the command to the load event."""
        fut = asyncio.get_running_loop().create_future()
        self._waiters.append(("Page.loadEventFired", fut))
        start = asyncio.get_running_loop().time()
        await self.send("Page.navigate", {"url": url})
        await asyncio.wait_for(fut, timeout)
        return asyncio.get_running_loop().time() - start

    async def evaluate(self, expression: str, *, await_promise: bool = False, timeout: float = 60) -> Any:
        reply = await self.send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": await_promise},
            timeout,
        )
        if "exceptionDetails" in reply:
            raise CDPError(f"{expression[:80]!r} raised {reply['exceptionDetails']}")
        return reply["result"].get("value")

    async def wait_for(self, expression: str, timeout: float = 30) -> Any:
        """Poll `expression` until it is truthy."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            value = await self.evaluate(expression)
            if value:
                return value
            if loop.time() > deadline:
                raise TimeoutError(f"{expression!r} stayed falsy for {timeout} s")
            await asyncio.sleep(0.05)

    async def click(self, selector: str) -> None:
        await self.evaluate(f"document.querySelector({json.dumps(selector)}).click()")

    async def screenshot(self, path: Path, *, full_page: bool = False) -> Path:
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            metrics = await self.send("Page.getLayoutMetrics")
            size = metrics["cssContentSize"]
            params |= {
                "captureBeyondViewport": True,
                "clip": {
                    "x": 0,
                    "y": 0,
                    "width": size["width"],
                    "height": min(size["height"], 12000),
                    "scale": 1,
                },
            }
        data = await self.send("Page.captureScreenshot", params)
        path.write_bytes(base64.b64decode(data["data"]))
        return path

    async def screenshot_of(self, expression: str, path: Path) -> Path:
        """A screenshot of the element `expression` evaluates to (scrolled into view first)."""
        rect = await self.evaluate(
            f"(function () {{ var e = {expression}; e.scrollIntoView({{block: 'center'}}); "
            "var r = e.getBoundingClientRect(); "
            "return {x: r.x + window.scrollX, y: r.y + window.scrollY, width: r.width, height: r.height}; })()")
        data = await self.send("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True, "clip": {**rect, "scale": 1}})
        path.write_bytes(base64.b64decode(data["data"]))
        return path

    async def pdf(self, path: Path, *, landscape: bool = False) -> Path:
        """Print the page as Chromium's "Save as PDF" does (A4, print media CSS, backgrounds on)."""
        data = await self.send("Page.printToPDF", {"landscape": landscape, "printBackground": True,
                                                   "paperWidth": 8.27, "paperHeight": 11.69,
                                                   "preferCSSPageSize": True}, timeout=120)
        path.write_bytes(base64.b64decode(data["data"]))
        return path
