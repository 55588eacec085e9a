"""Cloud checks: GDPR-TRANSFER-1 (cloud_declared) and CZ-TRANSFER-1 (third_country_transfer)."""

from __future__ import annotations

import pytest

from probes.facts import ABSENCE_PREFIX, Fact, FactStatus
from profiles.findings import Result as R
from tests.profiles.factbook import failed, run_case

UPLINK = {"cloud.uplinks": [{"remote_address": "wss://cloud.vendor.example:443", "status": "Connected",
                               "user_level": "Operator"}]}
OFFLINE = {"cloud.uplinks": [{"remote_address": "wss://cloud.vendor.example:443", "status": "Offline",
                                "user_level": "Operator"}]}
S3 = {"storage.targets": [{"token": "S", "type": "ObjectStorageS3", "uri": "https://s3.example/b", "local": False}]}
DDNS = {"cloud.dynamic_dns": {"type": "ClientUpdates", "name": "cam.ddns.example"}}
EU = {"cloud": [{"provider": "VendorCloud", "region": "eu-central-1", "in_eea": True}]}
US = {"cloud": [{"provider": "VendorCloud", "region": "us-east-1", "in_eea": False}]}
US_SAFE = {"cloud": [{"provider": "VendorCloud", "region": "us-east-1", "in_eea": False, "tia_ref": "TIA-3",
                      "encrypted": True}]}

def _observed(*flows: dict, seconds: float = 600) -> dict:
    window = {"source": "pcap:site.pcap", "start": "2026-11-20T10:02:00Z", "end": "2026-11-20T10:12:00Z",
              "seconds": seconds, "packets_total": 5000}
    return {"egress.observed": {"window": window, "camera_packets": 1200, "flows": list(flows), "dns": []}}


P2P_FLOW = {"address": "203.0.113.7", "port": 32100, "protocol": "udp", "bytes_sent": 4_200_000,
            "bytes_received": 12_000, "packets": 3000,
            "first_seen": "2026-11-20T10:02:00Z", "last_seen": "2026-11-20T10:12:00Z",
            "service": "cs2-p2p", "service_name": "CS2 Network PPPP P2P", "kind": "p2p"}
NTP_FLOW = {**P2P_FLOW, "port": 123, "bytes_sent": 480, "service": "ntp", "service_name": "Public NTP", "kind": "ntp"}
STUN_FLOW = {**P2P_FLOW, "address": "198.51.100.3", "port": 3478, "bytes_sent": 120, "service": "stun",
             "service_name": "Public STUN/TURN", "kind": "stun"}
P2P = _observed(P2P_FLOW)
NONE = {"cloud": "none"}
SILENT = _observed()
EVIDENCE = "sent 4.2 MB to CS2 Network PPPP P2P at 203.0.113.7:32100/udp between 10:02:00 and 10:12:00 UTC"

CASES = [
    ("cloud_declared", {}, {}, {}, R.PASS, "no cloud or remote service observed"),
    # observed traffic (egress.observed) fails the transfer rules with the evidence
    ("cloud_declared", P2P, {}, {}, R.FAIL, f"observed: {EVIDENCE}"),
    ("cloud_declared", _observed(NTP_FLOW), {}, {}, R.PASS, "no cloud or remote service observed"),
    ("cloud_declared", P2P, EU, {}, R.PASS, "declared: VendorCloud (eu-central-1)"),
    ("third_country_transfer", P2P, {}, {}, R.FAIL, "undeclared remote services (observed: sent 4.2 MB"),
    ("egress_matches_configuration", {}, {}, {}, R.NOT_APPLICABLE, "no traffic observation for this camera"),
    ("egress_matches_configuration", SILENT, {}, {}, R.PASS, "not observed is not proof that there is none"),
    ("egress_matches_configuration", _observed(NTP_FLOW), {}, {}, R.PASS, "no traffic to a cloud"),
    ("egress_matches_configuration", P2P, {}, {}, R.FAIL,
     f"configured without any cloud, uplink, remote storage or event broker and none declared under `cloud:`, "
     f"but {EVIDENCE}"),
    ("egress_matches_configuration", P2P, EU, {}, R.PASS, "goes where the camera is configured or declared"),
    ("egress_matches_configuration", {**P2P, **UPLINK}, {}, {}, R.PASS, "goes where the camera is configured"),
    ("egress_matches_configuration", {**P2P, "cloud.uplinks": failed("cloud.uplinks")}, {}, {}, R.UNKNOWN,
     "whether the camera is configured for a remote service is unknown"),
    # configured means capable: an uplink or broker not connected at the moment of reading still sends data out
    ("cloud_declared", OFFLINE, {}, {}, R.FAIL,
     "uplink configured to send to wss://cloud.vendor.example:443 (not connected when read: Offline)"),
    ("cloud_declared", UPLINK, {}, {}, R.FAIL, "uplink wss://cloud.vendor.example:443 (Connected)"),
    ("cloud_declared", S3, {}, {}, R.FAIL, "remote storage ObjectStorageS3 https://s3.example/b"),
    ("cloud_declared", DDNS, {}, {}, R.FAIL, "dynamic DNS cam.ddns.example"),
    # factory default on many cameras: ClientUpdates with no name updates nothing
    ("cloud_declared", {"cloud.dynamic_dns": {"type": "ClientUpdates", "name": None}}, {}, {}, R.PASS,
     "no cloud or remote service observed"),
    # the local DHCP server updates DNS, the camera reaches out to nobody
    ("cloud_declared", {"cloud.dynamic_dns": {"type": "ServerUpdates", "name": "cam7"}}, {}, {}, R.PASS,
     "no cloud or remote service observed"),
    ("cloud_declared", UPLINK, EU, {}, R.PASS, "declared: VendorCloud (eu-central-1)"),
    ("cloud_declared", {"cloud.uplinks": Fact(status=FactStatus.OK, value=[], source=ABSENCE_PREFIX + "tds:GetServices",
                                              reason="absent: tds:GetServices lists no uplink service")}, {}, {},
     R.PASS, "no cloud or remote service observed"),  # the reader proved it absent: none
    ("cloud_declared", {"cloud.uplinks": failed("cloud.uplinks", "unsupported", "no uplink service")}, {}, {},
     R.UNKNOWN, "fact `cloud.uplinks` is unsupported"),  # unsupported alone never reads as absent
    ("cloud_declared", {"cloud.uplinks": failed("cloud.uplinks", "unsupported", "GetUplinks not implemented"),
                        "services": [{"namespace": "http://www.onvif.org/ver10/uplink/wsdl",
                                      "xaddr": "http://127.0.10.50:8000/onvif/uplink"}]}, {}, {},
     R.UNKNOWN, "fact `cloud.uplinks` is unsupported"),
    ("cloud_declared", {**S3, "cloud.uplinks": failed("cloud.uplinks")}, {}, {}, R.FAIL, "remote storage"),
    ("third_country_transfer", {}, {}, {}, R.PASS, "no cloud or remote service observed or declared"),
    ("third_country_transfer", UPLINK, {}, {}, R.FAIL, "whether it leaves the EEA, is not documented"),
    ("third_country_transfer", UPLINK, EU, {}, R.PASS, "safeguarded: VendorCloud (eu-central-1)"),
    ("third_country_transfer", UPLINK, US, {}, R.FAIL, "outside the EEA without a transfer impact assessment"),
    ("third_country_transfer", {}, US_SAFE, {}, R.PASS, "safeguarded: VendorCloud (us-east-1)"),
    ("third_country_transfer", {"cloud.event_brokers": failed("cloud.event_brokers")}, {}, {}, R.UNKNOWN,
     "cloud.event_brokers"),
    # `cloud: none` declares no remote service at all: observed or configured traffic contradicts it
    ("egress_matches_configuration", P2P, NONE, {}, R.FAIL, f"declared `cloud: none`, but {EVIDENCE}"),
    ("egress_matches_configuration", {**P2P, **UPLINK}, NONE, {}, R.FAIL, f"declared `cloud: none`, but {EVIDENCE}"),
    ("egress_matches_configuration", {**P2P, "cloud.uplinks": failed("cloud.uplinks")}, NONE, {}, R.FAIL,
     f"declared `cloud: none`, but {EVIDENCE}"),  # the declaration alone settles it: no unread fact needed
    ("egress_matches_configuration", SILENT, NONE, {}, R.PASS, "not observed is not proof"),
    ("egress_matches_configuration", _observed(NTP_FLOW), NONE, {}, R.PASS, "no traffic to a cloud"),
    ("cloud_declared", P2P, NONE, {}, R.FAIL, f"declared `cloud: none`, but the camera uses remote services: "
                                              f"observed: {EVIDENCE}"),
    ("cloud_declared", UPLINK, NONE, {}, R.FAIL, "declared `cloud: none`, but the camera uses remote services: "
                                                 "uplink wss://cloud.vendor.example:443"),
    ("cloud_declared", {}, NONE, {}, R.PASS, "no cloud or remote service observed"),
    ("cloud_declared", {"cloud.uplinks": failed("cloud.uplinks")}, NONE, {}, R.UNKNOWN, "cloud.uplinks"),
    ("third_country_transfer", P2P, NONE, {}, R.FAIL, "declared `cloud: none`, but the camera uses remote services"),
    ("third_country_transfer", {}, NONE, {}, R.PASS, "no cloud or remote service observed or declared"),
    # `services:` names where the declared cloud is reached: traffic anywhere else contradicts the declaration
    ("egress_matches_configuration", P2P, {"cloud": [{**EU["cloud"][0], "services": ["cs2-p2p"]}]}, {}, R.PASS,
     "goes only to the declared services (cs2-p2p)"),
    ("egress_matches_configuration", _observed(P2P_FLOW, STUN_FLOW),
     {"cloud": [{**EU["cloud"][0], "services": ["cs2-p2p"]}]}, {}, R.PASS, "and NAT traversal"),
    ("egress_matches_configuration", P2P, {"cloud": [{**EU["cloud"][0], "services": ["hik-connect"]}]}, {}, R.FAIL,
     f"declared to use only hik-connect (`services` under `cloud:`), but {EVIDENCE}"),
    ("egress_matches_configuration", _observed({**P2P_FLOW, "service": None, "service_name": None,
                                                "kind": "unclassified"}),
     {"cloud": [{**EU["cloud"][0], "services": ["hik-connect"]}]}, {}, R.FAIL, "an unclassified destination"),
]

# every status an uplink (tup:UplinkStatus) or an event broker (free text in tev) can report, and none at all
STATUSES = ["Connected", "Connecting", "Offline", None, "", "Error: TLS handshake failed"]


def _uplink(status):
    return {"cloud.uplinks": [{"remote_address": "wss://cloud.vendor.example:443", "status": status,
                               "user_level": "Operator"}]}


def _broker(status):
    return {"cloud.event_brokers": [{"address": "mqtts://broker.example:8883", "topic_prefix": "cams",
                                     "status": status}]}


def _expected(kind, address, status):
    if status == "Connected":
        return f"{kind} {address} (Connected)"
    return f"{kind} configured to send to {address} (not connected when read: {status or 'no status reported'})"


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("check_id", ["cloud_declared", "third_country_transfer"])
def test_configured_uplink_counts_in_every_status(check_id, status) -> None:
    text = _expected("uplink", "wss://cloud.vendor.example:443", status)
    run_case(check_id, _uplink(status), {}, {}, R.FAIL, text if check_id == "cloud_declared" else "uplink")
    run_case(check_id, _uplink(status), EU, {}, R.PASS, "VendorCloud (eu-central-1)")


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("check_id", ["cloud_declared", "third_country_transfer"])
def test_configured_broker_counts_in_every_status(check_id, status) -> None:
    text = _expected("event broker", "mqtts://broker.example:8883", status)
    run_case(check_id, _broker(status), {}, {}, R.FAIL, text if check_id == "cloud_declared" else "event broker")


@pytest.mark.parametrize("key", ["cloud.uplinks", "cloud.event_brokers", "storage.targets", "cloud.dynamic_dns"])
def test_no_cloud_needs_every_cloud_fact_read(key) -> None:
    """One cloud-related fact not read: "no cloud" cannot be concluded, the rule is unknown naming the fact."""
    run_case("cloud_declared", {key: failed(key)}, {}, {}, R.UNKNOWN, key)
    run_case("third_country_transfer", {key: failed(key)}, {}, {}, R.UNKNOWN, key)


@pytest.mark.parametrize(("check_id", "facts", "fields", "params", "result", "text"), CASES)
def test_cloud_checks(check_id, facts, fields, params, result, text) -> None:
    run_case(check_id, facts, fields, params, result, text)


def test_the_site_default_cloud_none_covers_cameras_without_their_own() -> None:
    """`cloud: none` on the site applies to every camera without a `cloud:` of its own, undeclared ones too."""
    from tests.profiles.factbook import camera, decl, inventory, judge

    device = camera(facts=P2P)
    own = decl()
    outcome = judge("egress_matches_configuration", device, own, inv=inventory(own, cloud="none"))
    assert outcome.result is R.FAIL and outcome.message.startswith(
        "declared `cloud: none` for the site (no `cloud:` of its own), but sent 4.2 MB")
    [ref] = [e for e in outcome.evidence if e.key == "declaration.cloud"]
    assert (ref.value, ref.source) == ("none", "site file (site default)")
    undeclared = judge("egress_matches_configuration", device, None, inv=inventory(cloud="none"))
    assert undeclared.result is R.FAIL and "for the site" in undeclared.message
    assert judge("egress_matches_configuration", device, None, inv=inventory()).result is R.UNKNOWN
    declared_here = decl(**EU)  # the camera's own declaration wins over the site's default
    passed = judge("egress_matches_configuration", device, declared_here, inv=inventory(declared_here, cloud="none"))
    assert passed.result is R.PASS, passed.message
