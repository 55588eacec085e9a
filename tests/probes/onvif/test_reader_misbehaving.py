"""The ONVIF reader against misbehaving lab cameras, over real sockets.

Each misbehaviour must cost its camera `error`/`denied` facts with a reason, within
the deadline, while well-behaved cameras read in the same run are unaffected.
The fleet is written here (not lab/fleets) so each camera isolates one mode.
"""

from __future__ import annotations

import pytest
import pytest_asyncio

from lab import parse_fleet, run_fleet
from probes.discovery.model import DiscoveredDevice
from probes.facts import DeviceFacts, FactStatus
from probes.onvif import ONVIF_FACTS, READ_OPERATIONS, OnvifReader
from tests.probes.onvif import expected as expected_mod

pytestmark = pytest.mark.asyncio(loop_scope="module")

# Generous enough that a loaded machine does not time out the well-behaved cameras (lab and reader share this
# process); the broken replies never complete whatever the bound.
REQUEST_TIMEOUT = 3.0
DEADLINE = 12.0
MAX_REPLY = 256 * 1024

FLEET_YAML = """
version: 1
defaults:
  port: 0
  auth:
    users:
      auditor: {password: demo-pass, level: Administrator}
  recording:
    recordings: [{token: Recording_1, max_retention: PT72H}]
    jobs: [{token: RecordingJob_1, recording: Recording_1, mode: Active, source: Profile_1}]
cameras:
  - {name: good-one, address: 127.0.12.1}
  # good-two exercises the settings the demo fleet leaves at defaults
  - name: good-two
    address: 127.0.12.2
    ptz: {presets: [{token: "1", name: Gate}], tours: [{token: T1, auto_start: false, status: Idle}]}
    services: [device, media, ptz, recording, search, events, uplink, thermal, analytics]
    network:
      ip_filter: {type: Deny, prefixes: [192.0.2.0/24, 198.51.100.7/32]}
      zero_configuration: {enabled: true, addresses: [169.254.10.2]}
      dns: {from_dhcp: true, servers: [192.0.2.53], search_domains: [lab.example]}
      ntp: {from_dhcp: true, servers: [192.0.2.123, ntp.lab.example]}
      gateway: [127.0.12.254]
      interfaces: [{token: eth1, name: lan, mac: "00:11:22:33:44:55", dhcp: true, ipv4: [127.0.12.2/16]}]
      protocols: {RTSP: {enabled: false}, HTTP: {ports: [80, 8080]}}
    storage:
      - {token: NAS_1, type: NFS, uri: "nfs://192.0.2.9/export/cams"}
      - {token: SD_1, type: LocalStorage, local_path: /mnt/sd}
    remote_user: {username: cloudops, use_derived_password: false}
    dynamic_dns: {type: NoUpdate}
    uplinks: [{remote_address: "https://uplink.example:443", status: Offline, user_level: Operator}]
    event_brokers: [{address: "mqtt://192.0.2.77:1883", topic_prefix: cams/two, status: Offline}]
    thermal: {radiometry: false, configurations: [{video_source: VideoSource_1, polarity: BlackHot}]}
    analytics: {modules: [{name: Motion, type: "tt:CellMotionEngine"}],
                rules: [{name: Line, type: "tt:LineDetector"}]}
    media:
      audio_sources: [{token: Mic_1, channels: 2}]
      audio_outputs: [{token: Speaker_1}]
      osd: [{token: OSD_Text, type: Text, text_type: Plain, text: "Gate 2"}, {token: OSD_Date, text_type: Date}]
      profiles:
        - {token: Main, name: main, video: {encoding: H265, width: 3840, height: 2160, fps: 20, bitrate_kbps: 8192},
           audio: {source: Mic_1, encoding: G711}}
        - {token: Sub, video: {encoding: JPEG, width: 640, height: 480, fps: 5, bitrate_kbps: 256}}
    recording:
      recordings: [{token: Rec_A, max_retention: P14D, content: Gate}, {token: Rec_B, max_retention: PT0S}]
      jobs: [{token: Job_A, recording: Rec_A, mode: Idle, source: Main, schedule: Nights}]
  - {name: odd-prefixes, address: 127.0.12.3, misbehaviour: [odd_namespace_prefixes],
     analytics: {modules: [{name: F, type: "tt:FaceRecognition"}]}}
  - {name: no-reply, address: 127.0.12.4, misbehaviour: [no_reply]}
  - {name: slow-drip, address: 127.0.12.5, misbehaviour: [{mode: slow_drip, bytes_per_second: 1}]}
  - {name: truncated, address: 127.0.12.6, misbehaviour: [truncated]}
  - {name: malformed, address: 127.0.12.7, misbehaviour: [malformed_xml]}
  - {name: oversized, address: 127.0.12.8, misbehaviour: [{mode: oversized, megabytes: 1}]}
  - {name: laughs, address: 127.0.12.9, misbehaviour: [{mode: entity_expansion, payload: billion_laughs}]}
  - {name: xxe, address: 127.0.12.10, misbehaviour: [{mode: entity_expansion, payload: external_entity}]}
  - {name: reset, address: 127.0.12.11, misbehaviour: [connection_reset]}
  - {name: auth-loop, address: 127.0.12.12, misbehaviour: [auth_loop_401]}
  - {name: auth-400, address: 127.0.12.13, misbehaviour: [auth_fault_as_400],
     auth: {users: {auditor: {password: other-pass, level: Administrator}}}}
  - {name: auth-401, address: 127.0.12.14, misbehaviour: [auth_as_401],
     auth: {users: {auditor: {password: other-pass, level: Administrator}}}}
  - {name: auth-in-200, address: 127.0.12.15, misbehaviour: [auth_fault_in_200],
     auth: {users: {auditor: {password: other-pass, level: Administrator}}}}
  - {name: empty-200, address: 127.0.12.16, services: [device, media2, events],
     media: {audio_outputs: [{token: AudioOutput_1}]},
     misbehaviour: [{mode: empty_200_for_unimplemented, operations: [tr2:GetAudioOutputConfigurations]}]}
  - {name: stacktrace-200, address: 127.0.12.17, services: [device, media2, events],
     media: {audio_outputs: [{token: AudioOutput_1}]},
     misbehaviour: [{mode: stacktrace_200_for_unimplemented, operations: [tr2:GetAudioOutputConfigurations]}]}
  - {name: http-500, address: 127.0.12.18, services: [device, media2, events],
     media: {audio_outputs: [{token: AudioOutput_1}]},
     misbehaviour: [{mode: http500_for_unimplemented, operations: [tr2:GetAudioOutputConfigurations]}]}
  - {name: dead-services, address: 127.0.12.19, services: [device, media, media2, events],
     misbehaviour: [services_listed_but_dead]}
"""

FLEET = parse_fleet(FLEET_YAML, "misbehaving-test.yaml")


class Run:
    def __init__(self) -> None:
        self.sheets: dict[str, DeviceFacts] = {}
        self.received: dict[str, list[str]] = {}
        self.requests: dict[str, list[object]] = {}
        self.addresses: dict[str, str] = {}


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def run() -> Run:
    out = Run()
    async with run_fleet(FLEET, port_override=0) as running:
        by_key = {}
        devices = []
        for cam in running.cameras:
            dev = DiscoveredDevice(addresses=[cam.address], xaddrs=[cam.xaddr])
            by_key[dev.key] = cam
            devices.append(dev)
        async with OnvifReader(username="auditor", password="demo-pass", request_timeout_s=REQUEST_TIMEOUT,
                               device_deadline_s=DEADLINE, max_reply_bytes=MAX_REPLY) as reader:
            async for sheet in reader.read_all(devices):
                cam = by_key[sheet.device_id]
                out.sheets[cam.name] = sheet
                out.addresses[cam.name] = cam.address
        for cam in running.cameras:
            out.received[cam.name] = list(cam.received)
            out.requests[cam.name] = list(cam.requests)
    return out


def _within_deadline(sheet: DeviceFacts) -> None:
    assert sheet.read_started and sheet.read_finished
    # A functional bound, not a benchmark: the reader must give up by the deadline (plus scheduling slack).
    assert (sheet.read_finished - sheet.read_started).total_seconds() < DEADLINE + 2


def _all_failed(sheet: DeviceFacts, *needles: str) -> None:
    """No ONVIF fact is ok; every failed fact has a reason; the key ones carry one of `needles`."""
    for key in ONVIF_FACTS:
        fact = sheet.facts[key]
        if key == "auth.anonymous_operations" and fact.ok:
            assert fact.value == []  # HTTP 401 needs no body to be understood as "refused"
            continue
        if key == "tls.verification" and fact.ok:
            assert fact.value.requested is False  # no CA bundle: about the scan, set before the device is asked
            continue
        assert fact.status is not FactStatus.OK, (key, fact)
        assert fact.reason, key
    for key in ("clock.source", "services", "identity.model"):
        reason = sheet.facts[key].reason or ""
        assert sheet.facts[key].status is FactStatus.ERROR, (key, sheet.facts[key])
        assert any(n in reason for n in needles), (key, reason)


@pytest.mark.parametrize("name", ["good-one", "good-two", "odd-prefixes"])
async def test_well_behaved_cameras_read_exactly(run: Run, name: str) -> None:
    cam = FLEET.camera(name)
    sheet = run.sheets[name]
    assert sheet.errors == []
    for key, want in expected_mod.expected_facts(cam, run.addresses[name]).items():
        expected_mod.assert_fact(sheet, key, want)


async def test_odd_prefixes_still_resolve_qnames(run: Run) -> None:
    assert run.sheets["odd-prefixes"].value("analytics.biometric") == ["tt:FaceRecognition"]


@pytest.mark.parametrize(("name", "needles"), [
    ("no-reply", ("no complete reply within", "earlier requests within")),
    ("slow-drip", ("no complete reply within", "earlier requests within")),
    ("truncated", ("not well-formed",)),
    ("malformed", ("not well-formed",)),
    ("laughs", ("DOCTYPE",)),
    ("xxe", ("DOCTYPE",)),
    ("oversized", ("cap; cut off after 262144 bytes",)),
    ("reset", ("connection", "cannot connect")),
])
async def test_broken_replies_become_error_facts(run: Run, name: str, needles: tuple[str, ...]) -> None:
    sheet = run.sheets[name]
    _within_deadline(sheet)
    _all_failed(sheet, *needles)
    assert any("could not be read" in e for e in sheet.errors), sheet.errors  # a device-level error too


async def test_oversized_reply_keeps_evidence_of_what_was_read(run: Run) -> None:
    fact = run.sheets["oversized"].facts["clock.source"]
    assert fact.evidence is not None and fact.evidence.sha256 and fact.evidence.excerpt


async def test_entity_payload_never_expanded(run: Run) -> None:
    for name in ("laughs", "xxe"):
        for fact in run.sheets[name].facts.values():
            assert "lollol" not in repr(fact.value) and "root:" not in repr(fact.value)


@pytest.mark.parametrize("name", ["auth-loop", "auth-400", "auth-401", "auth-in-200"])
async def test_auth_failures_are_denied_and_never_retried(run: Run, name: str) -> None:
    sheet = run.sheets[name]
    _within_deadline(sheet)
    assert sheet.value("auth.credentials_accepted") is False
    assert sheet.get("auth.schemes").ok and sheet.value("auth.schemes") == []
    for key in ("users", "network.dns", "media.profiles", "recording.recordings"):
        fact = sheet.facts[key]
        assert fact.status is FactStatus.DENIED, (key, fact)
        assert fact.reason
    # PRE_AUTH operations still answer: the device is known, the rest is honestly "denied".
    assert sheet.get("clock.source").ok and sheet.get("services").ok and sheet.get("identity.hostname").ok
    # Never more than one failed attempt per scheme: at most two requests carried credentials.
    with_credentials = [r for r in run.requests[name] if getattr(r, "scheme", None) or getattr(r, "username", None)]
    assert len(with_credentials) <= 2, with_credentials


def _lab_implements(service: str, operation: str) -> bool:
    from lab.server import OPERATIONS  # the lab's handler registry (tests may look inside the lab)
    return any(str(svc) == service and op == operation for svc, op in OPERATIONS)


@pytest.mark.parametrize(("name", "needle"), [("empty-200", "empty HTTP 200"),
                                               ("stacktrace-200", "not a SOAP envelope"),
                                               ("http-500", "HTTP 500")])
async def test_unimplemented_operation_quirks(run: Run, name: str, needle: str) -> None:
    sheet = run.sheets[name]
    # tr2:GetAudioOutputConfigurations: the lab implements it, but these cameras are told to lack it (operations:)
    assert _lab_implements("media2", "GetAudioOutputConfigurations")
    fact = sheet.facts["media.audio_outputs"]
    assert fact.status is FactStatus.ERROR and needle in (fact.reason or ""), fact
    # the rest of the camera is read
    assert sheet.get("media.profiles").ok and sheet.get("identity.model").ok and sheet.get("users").ok


async def test_services_listed_but_dead(run: Run) -> None:
    sheet = run.sheets["dead-services"]
    for key in ("ptz.nodes", "recording.recordings", "recording.summary", "thermal.configurations",
                "cloud.uplinks"):
        fact = sheet.facts[key]
        assert fact.status is FactStatus.ERROR and "HTTP 404" in (fact.reason or ""), (key, fact)
    assert sheet.get("media.profiles").ok and sheet.get("users").ok and sheet.get("network.ntp").ok


async def test_only_allowlisted_reads_sent_to_misbehaving_cameras(run: Run) -> None:
    for name, ops in run.received.items():
        for op in ops:
            assert op in READ_OPERATIONS, (name, op)


async def test_device_deadline_yields_error_and_not_probed_facts() -> None:
    fleet = parse_fleet("""
version: 1
cameras:
  - {name: drip, address: 127.0.12.30, port: 0, misbehaviour: [{mode: slow_drip, bytes_per_second: 50}],
     auth: {users: {auditor: {password: demo-pass, level: Administrator}}}}
""", "deadline-test.yaml")
    async with run_fleet(fleet, port_override=0) as running:
        cam = running.cameras[0]
        async with OnvifReader(username="auditor", password="demo-pass", request_timeout_s=30,
                               device_deadline_s=1.5) as reader:
            sheet = await reader.read(DiscoveredDevice(addresses=[cam.address], xaddrs=[cam.xaddr]))
    assert any("deadline" in e for e in sheet.errors)
    assert (sheet.read_finished - sheet.read_started).total_seconds() < 1.5 + 2
    clock = sheet.facts["clock.source"]
    assert clock.status is FactStatus.ERROR and "deadline" in (clock.reason or "")
    assert sheet.facts["users"].status is FactStatus.NOT_PROBED
    assert set(ONVIF_FACTS) <= set(sheet.facts)
