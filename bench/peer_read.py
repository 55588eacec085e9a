"""The peer: read the same facts with onvif-python, one camera after another (runs in bench/.peer-venv).

    bench/.peer-venv/bin/python bench/peer_read.py CAPTURE.jsonl --username U   (password: $CAMAUDIT_BENCH_PASSWORD)

This script imports nothing of camaudit (onvif-python's top-level `onvif`
package clashes with onvif-zeep-async's). For each camera, in the order of the
capture, it builds a fresh ``ONVIFClient`` (as one invocation of its CLI does:
that constructor already calls GetServices) and then calls each distinct
operation (with the same parameters) that camaudit sent to that camera. Prints
one JSON line: wall/CPU time, cameras, calls that succeeded and failed (by
operation), and why.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import resource
import time
from collections import Counter, OrderedDict
from typing import Any
from urllib.parse import urlsplit

from lxml import etree

ACCESSORS = {
    "http://www.onvif.org/ver10/device/wsdl": "devicemgmt",
    "http://www.onvif.org/ver10/media/wsdl": "media",
    "http://www.onvif.org/ver20/media/wsdl": "media2",
    "http://www.onvif.org/ver20/ptz/wsdl": "ptz",
    "http://www.onvif.org/ver10/recording/wsdl": "recording",
    "http://www.onvif.org/ver10/search/wsdl": "search",
    "http://www.onvif.org/ver20/analytics/wsdl": "analytics",
    "http://www.onvif.org/ver10/events/wsdl": "events",
    "http://www.onvif.org/ver10/thermal/wsdl": "thermal",
    "http://www.onvif.org/ver10/uplink/wsdl": "uplink",
}
RULE_ENGINE_OPS = {"GetRules", "GetSupportedRules"}  # analytics wsdl: RuleEngine port, not AnalyticsEngine
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def _value(text: str) -> Any:
    return {"true": True, "false": False}.get(text.strip().lower(), text.strip())


def operation_of(body: bytes) -> tuple[str, str, dict[str, Any]] | None:
    """(namespace, operation, params) of a captured SOAP request body."""
    try:
        root = etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError:
        return None
    soap_body = next((c for c in root if isinstance(c.tag, str) and etree.QName(c).localname == "Body"), None)
    if soap_body is None or not len(soap_body):
        return None
    op = soap_body[0]
    qname = etree.QName(op)
    params: dict[str, Any] = {}
    for child in op:
        if not isinstance(child.tag, str) or len(child):
            continue
        name = etree.QName(child).localname
        value = _value(child.text or "")
        if name in params:
            params[name] = [*(params[name] if isinstance(params[name], list) else [params[name]]), value]
        else:
            params[name] = value
    return qname.namespace or "", qname.localname, params


def load(path: str) -> tuple[OrderedDict[str, list[tuple[str, str, dict[str, Any]]]], set[str]]:
    """Distinct operations per camera (host:port), and the cameras camaudit had to use HTTP Digest with."""
    cams: OrderedDict[str, list[tuple[str, str, dict[str, Any]]]] = OrderedDict()
    digest: set[str] = set()
    seen: set[tuple[str, str, str, str]] = set()
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            auth = {k.lower(): v for k, v in rec["headers"].items()}.get("authorization", "")
            if auth.startswith("Digest"):
                digest.add(urlsplit(rec["url"]).netloc)
            parsed = operation_of(base64.b64decode(rec["body"]))
            if parsed is None:
                continue
            netloc = urlsplit(rec["url"]).netloc
            key = (netloc, parsed[0], parsed[1], json.dumps(parsed[2], sort_keys=True))
            if key in seen:  # an anonymous probe and its authenticated twin are one fact read
                continue
            seen.add(key)
            cams.setdefault(netloc, []).append(parsed)
    return cams, digest


def _reason(exc: Exception) -> str:
    """A short, countable reason: exception type plus the SOAP fault subcode when there is one."""
    text = str(exc)
    for marker in ("subcode=", "code="):
        if marker in text:
            return f"{type(exc).__name__} {marker}{text.split(marker, 1)[1].split(',')[0].split()[0][:40]}"
    return f"{type(exc).__name__}: {text[:60]}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("capture")
    parser.add_argument("--username", required=True)
    parser.add_argument("--limit", type=int, default=0, help="only the first N cameras")
    args = parser.parse_args()
    from onvif import ONVIFClient

    password = os.environ.get("CAMAUDIT_BENCH_PASSWORD", "")
    cams, digest = load(args.capture)
    items = list(cams.items())[: args.limit or None]
    ok: Counter[str] = Counter()
    failed: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    cameras_failed = 0
    all_failed: list[str] = []
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    for netloc, ops in items:
        host, _, port = netloc.rpartition(":")
        try:
            # WS-UsernameToken by default, HTTP Digest where camaudit found the camera needs it (the CLI's
            # --http-digest): the peer gets the same auth knowledge, not a handicap.
            client = ONVIFClient(host, int(port), args.username, password, timeout=10,
                                 http_digest=netloc in digest)
        except Exception as exc:  # noqa: BLE001 - a peer failure is a figure, not a crash
            cameras_failed += 1
            reasons[f"client: {type(exc).__name__}"] += 1
            continue
        services: dict[str, Any] = {}
        failed_here = 0
        for namespace, op, params in ops:
            accessor = ACCESSORS.get(namespace)
            if accessor == "analytics" and op in RULE_ENGINE_OPS:
                accessor = "ruleengine"
            label = f"{accessor or namespace}:{op}"
            try:
                if accessor is None:
                    raise LookupError("service not in onvif-python")
                if accessor not in services:
                    services[accessor] = getattr(client, accessor)()
                getattr(services[accessor], op)(**params)
                ok[label] += 1
            except Exception as exc:  # noqa: BLE001
                failed[label] += 1
                failed_here += 1
                reasons[_reason(exc)] += 1
        if failed_here:
            all_failed.append(f"{netloc} {failed_here}/{len(ops)}")
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({
        "wall_s": round(wall, 3),
        "cpu_s": round((r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime), 3),
        "peak_rss_mb": round(r1.ru_maxrss / 1024, 1),
        "cameras": len(items),
        "cameras_failed": cameras_failed,
        "cameras_with_failures": all_failed,
        "cameras_http_digest": len([n for n, _ in items if n in digest]),
        "calls_ok": sum(ok.values()),
        "calls_failed": sum(failed.values()),
        "failed_by_operation": dict(failed.most_common()),
        "top_reasons": dict(reasons.most_common(8)),
    }), flush=True)


if __name__ == "__main__":
    main()
