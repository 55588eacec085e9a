"""`camaudit scan` with the site's CA bundle, end to end over real sockets: GDPR-SEC-3 passes for a camera with
a certificate from the site's CA, fails with the reason and the certificate for a self-signed camera and for a
certificate issued for another name, in the JSON document, the OCSF events and the HTML report; without a
bundle it is not applicable and the scan reads the same cameras; a bad bundle stops the scan before discovery."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from lab import parse_fleet, run_fleet
from probes.errors import ConfigError
from scanner.cli import build_parser
from scanner.commands import scan

pytestmark = pytest.mark.slow

UUID = "urn:uuid:00000000-0000-4000-8000-0000000012{:02d}"

FLEET = f"""
version: 1
defaults:
  auth: {{users: {{auditor: {{password: lab-pass, level: Administrator}}}}}}
cameras:
  - {{name: signed, address: 127.0.123.1, identity: {{endpoint_uuid: "{UUID.format(1)}"}},
     tls: {{enabled: true, plain_http: false, self_signed: false}}}}
  - {{name: own-cert, address: 127.0.123.2, identity: {{endpoint_uuid: "{UUID.format(2)}"}},
     tls: {{enabled: true, plain_http: false}}}}
  - {{name: wrong-name, address: 127.0.123.3, identity: {{endpoint_uuid: "{UUID.format(3)}"}},
     tls: {{enabled: true, plain_http: false, self_signed: false, names: [cam-9.example, "<b>x</b>.example"]}}}}
"""


def _site(running, ca_bundle: str | None) -> dict:
    def declare(name: str) -> dict:
        last = int(running.camera(name).address.rsplit(".", 1)[1])
        return {"name": name, "match": {"uuid": UUID.format(last)}, "class": 2, "area": "entrance",
                "purposes": ["property_protection"], "retention_hours": 72, "legal_basis": "legitimate_interest"}

    site = {
        "name": "tls-lab", "timezone": "Europe/Prague",
        "scope": {"targets": ["127.0.123.0/24"], "ports": [80],
                  "hosts": [f"{c.address}:{c.port}" for c in running.cameras]},
        "credentials": {"username": "auditor", "password_env": "LAB_TLS_PW"},
        "profiles": ["gdpr-baseline"],
        "cameras": [declare(n) for n in ("signed", "own-cert", "wrong-name")],
    }
    if ca_bundle is not None:
        site["scan"] = {"ca_bundle": ca_bundle}
    return site


async def scan_lab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, in_site: bool = True,
                   cli: bool = False) -> tuple[dict, int, Path]:
    monkeypatch.setenv("LAB_TLS_PW", "lab-pass")
    monkeypatch.setenv("CAMAUDIT_STATE_DIR", str(tmp_path / "state"))
    tmp_path.mkdir(parents=True, exist_ok=True)
    out, ocsf, html = tmp_path / "scan.json", tmp_path / "scan.ocsf.jsonl", tmp_path / "scan.html"
    async with run_fleet(parse_fleet(FLEET), port_override=0) as running:
        assert running.ca_pem is not None
        (tmp_path / "site-ca.pem").write_bytes(running.ca_pem)
        site = tmp_path / "site.yaml"
        site.write_text(yaml.safe_dump(_site(running, "site-ca.pem" if in_site else None), sort_keys=False))
        extra = ["--ca-bundle", str(tmp_path / "site-ca.pem")] if cli else []
        code = await scan.run(build_parser().parse_args(
            ["scan", "--site", str(site), "--json", str(out), "--ocsf", str(ocsf), "--html", str(html), "-q",
             *extra]))
    return json.loads(out.read_text()), code, tmp_path


def findings(doc: dict, rule: str) -> dict[str, dict]:
    return {f["device_name"]: f for f in doc["findings"] if f["rule_id"] == rule}


async def test_site_ca_bundle_judges_each_certificate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    doc, _code, out = await scan_lab(tmp_path, monkeypatch)
    sec3 = findings(doc, "GDPR-SEC-3")
    assert sec3["signed"]["result"] == "pass", sec3["signed"]["message"]
    assert "verified against site-ca.pem for 127.0.123.1:" in sec3["signed"]["message"]
    assert sec3["own-cert"]["result"] == "fail"
    assert "self-signed (certificate CN=own-cert" in sec3["own-cert"]["message"]
    assert sec3["wrong-name"]["result"] == "fail"
    assert "name mismatch: certificate is for cam-9.example" in sec3["wrong-name"]["message"]
    evidence = {e["key"]: e for e in sec3["wrong-name"]["evidence"]}["tls.verification"]
    assert evidence["value"]["endpoints"][0]["issuer"] == "CN=camaudit lab CA,O=camaudit lab"
    # the same finding in the OCSF events and the HTML report
    events = [json.loads(line) for line in (out / "scan.ocsf.jsonl").read_text().splitlines()]
    assert any("GDPR-SEC-3" in json.dumps(e) and "name mismatch" in json.dumps(e) for e in events)
    html = (out / "scan.html").read_text()
    assert "GDPR-SEC-3" in html and "name mismatch: certificate is for cam-9.example" in html
    assert "\\u003cb\\u003ex\\u003c/b\\u003e.example" in html and "<b>x</b>" not in html  # device strings escaped
    assert "BEGIN CERTIFICATE" not in json.dumps(doc) and "PRIVATE KEY" not in html


async def test_command_line_bundle_and_no_bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    doc, _code, _ = await scan_lab(tmp_path / "cli", monkeypatch, in_site=False, cli=True)
    assert {n: f["result"] for n, f in findings(doc, "GDPR-SEC-3").items()} == {
        "signed": "pass", "own-cert": "fail", "wrong-name": "fail"}
    doc, _code, _ = await scan_lab(tmp_path / "none", monkeypatch, in_site=False)
    sec3 = findings(doc, "GDPR-SEC-3")
    assert {f["result"] for f in sec3.values()} == {"not_applicable"}
    assert all("no CA bundle given" in f["message"] for f in sec3.values())
    assert {f["result"] for f in findings(doc, "GDPR-SEC-2").values()} <= {"pass", "fail"}  # HTTPS-only: read


@pytest.mark.parametrize(("content", "message"), [
    (None, "CA bundle cannot be read"),
    (b"not a certificate", "CA bundle is not a PEM bundle of certificates"),
    (b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "CA bundle holds a private key"),
])
async def test_bad_bundle_stops_the_scan_naming_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         content: bytes | None, message: str) -> None:
    monkeypatch.setenv("CAMAUDIT_STATE_DIR", str(tmp_path / "state"))
    bundle = tmp_path / "ca.pem"
    if content is not None:
        bundle.write_bytes(content)
    site = tmp_path / "site.yaml"
    site.write_text(yaml.safe_dump({"name": "bad", "scope": {"targets": ["127.0.123.0/24"]},
                                    "scan": {"ca_bundle": "ca.pem"}}))
    with pytest.raises(ConfigError) as caught:
        await scan.run(build_parser().parse_args(["scan", "--site", str(site), "-q"]))
    assert str(caught.value).startswith(f"{bundle}: scan.ca_bundle: {message}")
    assert "AAAA" not in str(caught.value)
    with pytest.raises(ConfigError, match=f"^{tmp_path}/other.pem: --ca-bundle: CA bundle cannot be read"):
        await scan.run(build_parser().parse_args(["scan", "--site", str(site), "-q",
                                                  "--ca-bundle", str(tmp_path / "other.pem")]))
