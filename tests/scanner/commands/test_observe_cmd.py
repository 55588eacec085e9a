"""`camaudit observe --pcap` and `camaudit evaluate --pcap`: a capture becomes per-camera egress facts, and the
transfer rules fail on what was observed, with the evidence."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from reports.model import ScanResult
from scanner import exitcodes
from scanner.cli import main
from tests.probes.egress.pcaps import CAM_A, CAM_B, PC
from tests.probes.egress.pcaps import write as write_pcap
from tests.profiles.factbook import camera

DECLARED = {"class": 2, "area": "entrance", "purposes": ["property_protection"], "retention_hours": 72,
            "legal_basis": "legitimate_interest"}


def _site(tmp_path: Path, **extra: object) -> Path:
    site = tmp_path / "site.yaml"
    site.write_text(yaml.safe_dump({
        "name": "egress-site", "timezone": "Europe/Prague", "jurisdiction": "CZ",
        "scope": {"targets": ["10.20.0.0/24"]}, "profiles": ["gdpr-baseline", "cz-uoou-2024"],
        "cameras": [{"name": "door", "match": {"ip": CAM_A["ip"], "mac": CAM_A["mac"]}, **DECLARED},
                    {"name": "yard", "match": {"ip": CAM_B["ip"]}, **DECLARED}],
        **extra,
    }, sort_keys=False), encoding="utf-8")
    return site


def test_observe_a_capture_for_the_declared_cameras(tmp_path: Path, capsys) -> None:
    out = tmp_path / "egress.json"
    code = main(["observe", "--site", str(_site(tmp_path)), "--pcap", str(write_pcap(tmp_path / "c.pcap")),
                 "--json", str(out)])
    assert code == exitcodes.FINDINGS
    cameras = json.loads(out.read_text())["cameras"]
    assert set(cameras) == {"declared:door", "declared:yard"}
    assert {f["service"] for f in cameras["declared:door"]["flows"]} == {"reolink", "ntp"}
    assert [f["service"] for f in cameras["declared:yard"]["flows"]] == ["cs2-p2p"]
    assert PC["ip"] not in out.read_text()
    assert "never proof that a camera has no cloud" in capsys.readouterr().out


def test_a_bad_capture_file_is_a_usage_error(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "x.pcap"
    bad.write_bytes(b"not a capture")
    assert main(["observe", "--site", str(_site(tmp_path)), "--pcap", str(bad)]) == exitcodes.USAGE
    assert "x.pcap: not a readable pcap/pcapng capture" in capsys.readouterr().err


def test_evaluate_folds_a_capture_into_saved_facts(tmp_path: Path) -> None:
    devices = [camera(address=CAM_A["ip"], mac=CAM_A["mac"], uuid="00000000-0000-4000-8000-0000000000a1"),
               camera(address=CAM_B["ip"], mac=CAM_B["mac"], uuid="00000000-0000-4000-8000-0000000000b1")]
    facts = tmp_path / "facts.json"
    facts.write_text(json.dumps([d.model_dump(mode="json") for d in devices]), encoding="utf-8")
    out = tmp_path / "evaluated.json"
    code = main(["evaluate", str(facts), "--site", str(_site(tmp_path)), "--pcap",
                 str(write_pcap(tmp_path / "c.pcap")), "--json", str(out), "-q"])
    assert code in (exitcodes.FINDINGS, exitcodes.FINDINGS_INCOMPLETE)
    result = ScanResult.load(out)
    names = result.declared_names
    found = {(names.get(f.device_id), f.rule_id): f for f in result.findings}
    transfer = found[("yard", "GDPR-TRANSFER-1")]
    assert transfer.result == "fail"
    assert "observed: sent 5.0 kB to CS2 Network PPPP P2P (white-label cameras, LookCam, iLnkP2P) at " \
           "198.51.100.20:32100/udp between" in transfer.message
    assert found[("yard", "GDPR-TRANSFER-2")].result == "fail"
    assert found[("door", "CZ-TRANSFER-1")].result == "fail"
    assert "Reolink UID / P2P relay at 203.0.113.7:443/tcp" in found[("door", "CZ-TRANSFER-1")].message
    yard = next(d for d in result.devices if d.address == CAM_B["ip"])
    assert yard.facts["egress.observed"].source == "egress:pcap:c.pcap"


def test_cloud_none_declared_for_the_site_fails_on_observed_traffic(tmp_path: Path) -> None:
    """`cloud: none` at the top of the site file: the P2P traffic in the capture contradicts it, with the evidence."""
    devices = [camera(address=CAM_B["ip"], mac=CAM_B["mac"], uuid="00000000-0000-4000-8000-0000000000b1")]
    facts = tmp_path / "facts.json"
    facts.write_text(json.dumps([d.model_dump(mode="json") for d in devices]), encoding="utf-8")
    out = tmp_path / "evaluated.json"
    main(["evaluate", str(facts), "--site", str(_site(tmp_path, cloud="none")), "--pcap",
          str(write_pcap(tmp_path / "c.pcap")), "--json", str(out), "-q"])
    result = ScanResult.load(out)
    [finding] = [f for f in result.findings if f.rule_id == "GDPR-TRANSFER-2"]
    assert finding.result == "fail"
    assert finding.message.startswith("declared `cloud: none` for the site (no `cloud:` of its own), but sent 5.0 kB "
                                      "to CS2 Network PPPP P2P")
    assert any(e.key == "declaration.cloud" and e.value == "none" for e in finding.evidence)
