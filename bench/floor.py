"""The raw floor: a minimal aiohttp client sending the scanner's own requests, reading replies unparsed.

    CAMAUDIT_BENCH_PASSWORD=... python bench/floor.py CAPTURE.jsonl --concurrency 64 --per-device 4

CAPTURE.jsonl comes from ``scan_once.py --capture`` against the same running
lab: the same operations with the same bodies, per camera, in the order the
scanner sent them. Only what must be fresh is renewed: the WS-UsernameToken
(nonce, Created, digest; Created keeps the clock offset the scanner applied)
and HTTP Digest answers to the lab's fresh challenges. Cameras are replayed with
the scanner's concurrency: ``--concurrency`` cameras at once, the first
``--serial-first`` requests of a camera one after another (any client must learn
the device's clock and services, and settle the auth scheme with one
authenticated request, before it can fan out), the rest ``--per-device`` at a time.
Prints one JSON line: wall/CPU time, requests, bytes, HTTP status counts.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import json
import os
import re
import resource
import time
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import aiohttp

from probes import clock

_CREATED = re.compile(rb"(<(?:[\w.-]+:)?Created>)([^<]+)(</(?:[\w.-]+:)?Created>)")
_NONCE = re.compile(rb"(<(?:[\w.-]+:)?Nonce\b[^>]*>)([^<]+)(</(?:[\w.-]+:)?Nonce>)")
_PASSWORD = re.compile(rb"(<(?:[\w.-]+:)?Password\b[^>]*>)([^<]+)(</(?:[\w.-]+:)?Password>)")
_TS = "%Y-%m-%dT%H:%M:%S"


@dataclass
class Request:
    method: str
    url: str
    headers: dict[str, str]
    body: bytes
    sent_at: float  # wall clock (time.time) when the scanner sent it: gives the Created offset it applied


@dataclass
class Camera:
    netloc: str
    requests: list[Request] = field(default_factory=list)
    challenge: dict[str, str] | None = None
    nc: int = 0


def load_capture(path: str) -> list[Camera]:
    cams: OrderedDict[str, Camera] = OrderedDict()
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            netloc = urlsplit(rec["url"]).netloc
            cams.setdefault(netloc, Camera(netloc)).requests.append(
                Request(rec["method"], rec["url"], dict(rec["headers"]), base64.b64decode(rec["body"]),
                        float(rec.get("t", time.time()))))
    return list(cams.values())


def _parse_created(raw: bytes) -> datetime | None:
    text = raw.decode().strip().rstrip("Z")
    try:
        base, _, frac = text.partition(".")
        when = datetime.strptime(base, _TS).replace(tzinfo=UTC)
        return when + timedelta(milliseconds=int(frac[:3].ljust(3, "0"))) if frac else when
    except ValueError:
        return None


def fresh_token(body: bytes, sent_at: float, password: str) -> bytes:
    """Renew nonce, Created and PasswordDigest of a WS-UsernameToken (WSS UsernameToken Profile 1.0 s3.1)."""
    m_created = _CREATED.search(body)
    if m_created is None or _NONCE.search(body) is None or _PASSWORD.search(body) is None:
        return body
    old = _parse_created(m_created.group(2))
    offset = (old.timestamp() - sent_at) if old else 0.0
    when = clock.now() + timedelta(seconds=offset)
    created = (when.strftime(_TS) + f".{when.microsecond // 1000:03d}Z").encode()
    nonce = os.urandom(16)
    digest = base64.b64encode(hashlib.sha1(nonce + created + password.encode()).digest())
    body = _CREATED.sub(lambda m: m.group(1) + created + m.group(3), body, count=1)
    body = _NONCE.sub(lambda m: m.group(1) + base64.b64encode(nonce) + m.group(3), body, count=1)
    return _PASSWORD.sub(lambda m: m.group(1) + digest + m.group(3), body, count=1)


def _parse_challenge(header: str) -> dict[str, str]:
    return {k.lower(): v.strip('"') for k, v in re.findall(r'(\w+)=("[^"]*"|[^,\s]+)', header)}


def digest_header(cam: Camera, method: str, url: str, username: str, password: str) -> str | None:
    """RFC 7616 Digest (MD5, qop=auth) answering the camera's last challenge."""
    ch = cam.challenge
    if not ch or "nonce" not in ch:
        return None
    path = urlsplit(url).path or "/"
    cam.nc += 1
    nc = f"{cam.nc:08x}"
    cnonce = os.urandom(8).hex()
    ha1 = hashlib.md5(f"{username}:{ch.get('realm', '')}:{password}".encode()).hexdigest()
    ha2 = hashlib.md5(f"{method}:{path}".encode()).hexdigest()
    qop = "auth" if "auth" in ch.get("qop", "").split(",") else None
    if qop:
        resp = hashlib.md5(f"{ha1}:{ch['nonce']}:{nc}:{cnonce}:{qop}:{ha2}".encode()).hexdigest()
    else:
        resp = hashlib.md5(f"{ha1}:{ch['nonce']}:{ha2}".encode()).hexdigest()
    parts = [f'username="{username}"', f'realm="{ch.get("realm", "")}"', f'nonce="{ch["nonce"]}"',
             f'uri="{path}"', f'response="{resp}"', "algorithm=MD5"]
    if qop:
        parts += [f"qop={qop}", f"nc={nc}", f'cnonce="{cnonce}"']
    if "opaque" in ch:
        parts.append(f'opaque="{ch["opaque"]}"')
    return "Digest " + ", ".join(parts)


async def replay(cams: list[Camera], *, concurrency: int, per_device: int, serial_first: int,
                 username: str, password: str, timeout_s: float) -> dict[str, object]:
    statuses: Counter[int] = Counter()
    errors: Counter[str] = Counter()
    received = 0
    sent = 0
    device_sem = asyncio.Semaphore(concurrency)
    connector = aiohttp.TCPConnector(limit=0, limit_per_host=0)
    timeout = aiohttp.ClientTimeout(total=timeout_s)

    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def send(cam: Camera, req: Request) -> None:
            nonlocal received, sent
            headers = dict(req.headers)
            auth = headers.pop("Authorization", None) or headers.pop("authorization", None)
            if auth and auth.startswith("Digest"):
                answer = digest_header(cam, req.method, req.url, username, password)
                if answer:
                    headers["Authorization"] = answer
            elif auth:
                headers["Authorization"] = auth
            body = fresh_token(req.body, req.sent_at, password) if b"UsernameToken" in req.body else req.body
            sent += 1
            try:
                async with session.request(req.method, req.url, data=body, headers=headers) as resp:
                    data = await resp.read()  # the floor reads the bytes and parses nothing
                    statuses[resp.status] += 1
                    received += len(data)
                    if resp.status == 401 and "WWW-Authenticate" in resp.headers:
                        cam.challenge = _parse_challenge(resp.headers["WWW-Authenticate"])
                        cam.nc = 0
            except (TimeoutError, aiohttp.ClientError) as exc:
                errors[type(exc).__name__] += 1

        async def one_camera(cam: Camera) -> None:
            async with device_sem:
                head, rest = cam.requests[:serial_first], cam.requests[serial_first:]
                for req in head:
                    await send(cam, req)
                sem = asyncio.Semaphore(per_device)

                async def bounded(req: Request) -> None:
                    async with sem:
                        await send(cam, req)

                await asyncio.gather(*(bounded(r) for r in rest))

        await asyncio.gather(*(one_camera(c) for c in cams))
    return {"requests": sent, "bytes_received": received, "statuses": dict(statuses), "errors": dict(errors)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("capture")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--per-device", type=int, default=4)
    parser.add_argument("--serial-first", type=int, default=3)
    parser.add_argument("--username", default="")
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("--loop", choices=["asyncio", "uvloop"], default="asyncio",
                        help="the event loop (compare a scanner variant on uvloop with a floor on uvloop)")
    args = parser.parse_args()
    cams = load_capture(args.capture)
    password = os.environ.get("CAMAUDIT_BENCH_PASSWORD", "")
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    factory = None
    if args.loop == "uvloop":
        import uvloop

        factory = uvloop.new_event_loop
    with asyncio.Runner(loop_factory=factory) as runner:
        figures = runner.run(replay(cams, concurrency=args.concurrency, per_device=args.per_device,
                                    serial_first=args.serial_first, username=args.username, password=password,
                                    timeout_s=args.timeout))
    figures["loop"] = args.loop
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    figures.update(cameras=len(cams), wall_s=round(wall, 3),
                   cpu_s=round((r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime), 3),
                   peak_rss_mb=round(r1.ru_maxrss / 1024, 1))
    print(json.dumps(figures), flush=True)


if __name__ == "__main__":
    main()
