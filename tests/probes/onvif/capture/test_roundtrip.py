"""capture -> replay -> read gives the live read's facts, and an archive never holds a credential.

Every demo camera and every quirk camera (lab/fleets/quirks.yaml) is read live through the capture recorder,
its archive is written to disk, served by `lab.replay` and read again with the same credentials. The fact
sheets (status, value, reason) must be equal once the capture's pseudonyms are applied to the live one; the
only facts left out are those `compare.VOLATILE` names (clock skew, endpoint URL, certificate).
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pytest
import pytest_asyncio

from lab import DEMO_FLEET, QUIRKS_FLEET, load_fleet, run_fleet
from lab.replay import run_replay
from probes import factvalues as fv
from probes.discovery.model import DiscoveredDevice
from probes.onvif import CredentialPlan, OnvifReader
from probes.onvif._exchange import Exchange
from probes.onvif.capture import Capture, capture_device, load_archive
from probes.onvif.capture.compare import fact_sheet

FLEETS = [load_fleet(DEMO_FLEET), load_fleet(QUIRKS_FLEET)]
NAMES = [c.name for fleet in FLEETS for c in fleet.cameras]
USER, PASSWORD = "auditor", "demo-pass"
REPLAY_HOST = "127.0.30.1"


class Run:
    def __init__(self) -> None:
        self.captures: dict[str, Capture] = {}
        self.files: dict[str, Path] = {}
        self.raw: dict[str, list[Exchange]] = {}


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def captured(tmp_path_factory: pytest.TempPathFactory) -> Run:
    run = Run()
    out = tmp_path_factory.mktemp("captures")
    plan = CredentialPlan.single(USER, PASSWORD)
    for fleet in FLEETS:
        async with run_fleet(fleet, port_override=0) as running:
            for cam in running.cameras:
                raw: list[Exchange] = []
                cap = await capture_device(DiscoveredDevice(addresses=[cam.address], xaddrs=[cam.xaddr]),
                                           credentials=plan, tap=raw.append, device_deadline_s=20)
                run.captures[cam.name], run.raw[cam.name] = cap, raw
                run.files[cam.name] = out / f"{cam.name}.json"
                cap.archive.write(run.files[cam.name])
    return run


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize("name", NAMES)
async def test_replayed_capture_reads_as_the_live_camera(captured: Run, name: str) -> None:
    cap = captured.captures[name]
    archive = load_archive(captured.files[name])
    assert archive.identifiers == "pseudonymised" and archive.exchanges
    async with (run_replay(captured.files[name], host=REPLAY_HOST) as replay,
                OnvifReader(username=USER, password=PASSWORD) as reader):
        again = await reader.read(DiscoveredDevice(addresses=[replay.address], xaddrs=[replay.xaddr]))
    assert replay.unanswered == []
    live = json.loads(cap.pseudonyms.apply(json.dumps(fact_sheet(cap.facts))))
    assert fact_sheet(again, ports=replay.captured_ports) == live
    assert live["identity.model"]["status"] == ("error" if name == "onvif-disabled" else "ok")


def _secrets(raw: list[Exchange]) -> dict[str, set[str]]:
    """Every credential-derived value the client sent or received, by kind."""
    found: dict[str, set[str]] = {"password": {PASSWORD, base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()},
                                  "PasswordDigest": set(), "wsse nonce": set(), "digest nonce": set(),
                                  "cnonce": set(), "digest response": set()}
    for ex in raw:
        body = ex.request_body.decode()
        found["PasswordDigest"].update(re.findall(r"PasswordDigest\">([^<]+)<", body))
        found["wsse nonce"].update(re.findall(r"<wsse:Nonce[^>]*>([^<]+)<", body))
        for name, value in ex.request_headers + ex.reply_headers:
            if name.lower() in ("authorization", "www-authenticate"):
                for key, val in re.findall(r'(\w+)="([^"]+)"', value):
                    kind = {"nonce": "digest nonce", "cnonce": "cnonce", "response": "digest response"}.get(key)
                    if kind:
                        found[kind].add(val)
    return found


def test_no_archive_holds_a_credential(captured: Run) -> None:
    seen: dict[str, int] = {}
    for name, path in captured.files.items():
        text = path.read_text()
        for kind, values in _secrets(captured.raw[name]).items():
            seen[kind] = seen.get(kind, 0) + len(values)
            for value in values:
                assert value not in text, f"{name}: a {kind} is in the archive"
        assert USER not in text.replace("user1", ""), f"{name}: the scanner's user name is in the archive"
    # the fleet exercises both schemes, so every kind was really looked for
    assert all(seen[k] > 0 for k in ("PasswordDigest", "wsse nonce", "digest nonce", "cnonce", "digest response")), seen


def test_identifiers_are_pseudonymised(captured: Run) -> None:
    for name, cap in captured.captures.items():
        text = captured.files[name].read_text()
        serial = cap.facts.facts["identity.serial"].value
        if serial is None:
            assert name == "onvif-disabled"
            continue
        assert serial not in text, [text[max(0, i - 200):i + 40] for i in [text.find(serial)]]
        assert cap.pseudonyms.apply(serial) in text
        assert "127.0.10." not in text and "127.0.40." not in text  # the camera's address
        macs = [i.mac for i in cap.facts.value(fv.network.INTERFACES) or [] if i.mac]
        assert all(mac.lower() not in text.lower() for mac in macs)
