"""Sample scan documents for report tests and benchmarks (no network, deterministic by seed).

`make_scan(n)` builds a ScanResult with `n` devices carrying varied facts (every
fact status, evidence excerpts, missing identity) and about `findings_per_device`
findings each, spread over several profiles, every Result and Severity, waivers,
changes against a previous scan, a site-level finding and scan errors.
Import it as `from tests.reports.factory import make_scan`.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta

from probes.facts import DeviceFacts, Evidence, Fact, FactStatus
from profiles.findings import (
    Change,
    EvidenceRef,
    Finding,
    Reference,
    Result,
    Severity,
    WaiverRef,
    finding_uid,
)
from profiles.inventory import AreaType, Sector
from reports.model import DeclaredCamera, ScanMeta, ScanResult

SITE = "factory-site"
T0 = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)

HOSTILE_NAMES = [
    "<script>alert(1)</script>",
    "[bold red]x[/bold red] \x1b[31mred\x1b[0m\x07",
    '=HYPERLINK("http://203.0.113.9/x","click")',
    "</script><img src=x onerror=alert(2)>\u2028",
]

# (rule id, check, profile, severity, source, article, title, remediation)
_RULES = [
    (
        "CZ-CLASS-1",
        "class_matches_features",
        "cz-uoou-2024",
        Severity.HIGH,
        "CZ",
        "§2.9",
        "Declared class matches observed features",
        "Raise the declared class or disable the feature.",
    ),
    (
        "CZ-CLASS-2",
        "class_at_least_area_minimum",
        "cz-uoou-2024",
        Severity.MEDIUM,
        "CZ",
        "§2.9",
        "Declared class is at least the area's minimum",
        "Declare the class the area requires.",
    ),
    (
        "CZ-RET-1",
        "retention_within_limit",
        "cz-uoou-2024",
        Severity.HIGH,
        "CZ",
        "§2.5",
        "Recording retention within the declared limit",
        "Set the recording retention to the declared value.",
    ),
    (
        "CZ-AUDIO-1",
        "audio_justified",
        "cz-uoou-2024",
        Severity.CRITICAL,
        "CZ",
        "§2.9",
        "Audio recording is justified",
        "Remove the audio encoder from recorded profiles.",
    ),
    (
        "GR-AREA-1",
        "area_not_banned",
        "gr-hdpa-1-2011",
        Severity.CRITICAL,
        "GR",
        "art 6",
        "Camera does not watch a banned area",
        "Remove or re-aim the camera.",
    ),
    (
        "GR-RET-1",
        "retention_within_limit",
        "gr-hdpa-1-2011",
        Severity.HIGH,
        "GR",
        "art 8",
        "Recordings kept at most 15 days",
        "Lower retention to 15 days or less.",
    ),
    (
        "GDPR-SEC-1",
        "no_anonymous_access",
        "gdpr-baseline",
        Severity.HIGH,
        "GDPR",
        "art 32",
        "No operation answers without credentials",
        "Require authentication for every ONVIF service.",
    ),
    (
        "GDPR-SEC-2",
        "tls_enabled",
        "gdpr-baseline",
        Severity.MEDIUM,
        "GDPR",
        "art 32",
        "Encrypted management access",
        "Enable HTTPS and disable HTTP.",
    ),
    (
        "GDPR-SEC-3",
        "clock_synchronised",
        "gdpr-baseline",
        Severity.LOW,
        "GDPR",
        "art 32",
        "Clock synchronised by NTP",
        "Configure an NTP server.",
    ),
    (
        "GDPR-XFER-1",
        "cloud_in_eea",
        "gdpr-baseline",
        Severity.HIGH,
        "GDPR",
        "art 44",
        "Footage stays in the EEA",
        "Declare the transfer safeguards or stop the uplink.",
    ),
    (
        "GDPR-DPIA-1",
        "dpia_referenced",
        "gdpr-baseline",
        Severity.MEDIUM,
        "GDPR",
        "art 35",
        "A DPIA is referenced",
        "Record the DPIA reference in the site file.",
    ),
    (
        "FR-THERM-1",
        "thermal_framework",
        "fr-cnil-2020",
        Severity.CRITICAL,
        "FR",
        "thermal cameras",
        "Thermal screening has a legal framework",
        "Stop temperature screening.",
    ),
    (
        "NL-FACE-1",
        "no_face_recognition",
        "nl-ap-2021",
        Severity.CRITICAL,
        "NL",
        "facial recognition",
        "No facial recognition",
        "Disable face recognition analytics.",
    ),
    (
        "EDPS-TEMP-1",
        "temperature_human_review",
        "edps-2020",
        Severity.MEDIUM,
        "EDPS",
        "orientations 4",
        "Temperature checks have human review",
        "Add a human review step.",
    ),
    (
        "CZ-INFO-1",
        "signage_attested",
        "cz-uoou-2024",
        Severity.INFO,
        "CZ",
        "§2.11",
        "Information signs are in place",
        "Attest the signage in the site file.",
    ),
]

_MESSAGES = {
    Result.PASS: "{title}: satisfied.",
    Result.FAIL: "{title}: not satisfied on this camera (observed {value}).",
    Result.UNKNOWN: "Cannot judge: fact {key} is {status}; add it or fix access.",
    Result.NOT_APPLICABLE: "Not applicable to this camera.",
    Result.WAIVED: "{title}: fails, but a waiver covers it.",
    Result.MANUAL: "Needs an attestation in the site file.",
    Result.ERROR: "The check crashed: KeyError('width').",
}
_RESULT_WEIGHTS = [
    (Result.PASS, 45),
    (Result.FAIL, 20),
    (Result.UNKNOWN, 12),
    (Result.NOT_APPLICABLE, 12),
    (Result.WAIVED, 4),
    (Result.MANUAL, 5),
    (Result.ERROR, 2),
]
_VENDORS = [
    ("Axis", "P3245-LVE", "10.12.3"),
    ("Hikvision", "DS-2CD2143G2", "V5.7.1"),
    ("Dahua", "IPC-HDW2431T", "2.820.0"),
    ("Bosch", "FLEXIDOME 5100i", "8.40.0030"),
    ("Hanwha", "XNV-6080R", "2.21.02"),
]
_AREAS = [
    AreaType.ENTRANCE,
    AreaType.PARKING,
    AreaType.CASH_DESK,
    AreaType.CORRIDOR,
    AreaType.WAREHOUSE,
    AreaType.WORKPLACE,
    AreaType.LIFT,
    AreaType.CHANGING_ROOM_ENTRANCE,
]


def _rules(count: int) -> list[tuple]:
    """The base rules, padded with synthetic ones so a device can carry `count` findings."""
    rules = list(_RULES)
    n = 0
    while len(rules) < count:
        n += 1
        base = _RULES[n % len(_RULES)]
        rules.append(
            (
                f"GDPR-X{n}-1",
                f"synthetic_check_{n}",
                base[2],
                list(Severity)[n % 5],
                "GDPR",
                f"art {5 + n % 40}",
                f"Synthetic requirement number {n}",
                f"Do the thing number {n}.",
            )
        )
    return rules[:count]


def _evidence(operation: str, body: str) -> Evidence:
    raw = (f'<?xml version="1.0"?><s:Envelope><s:Body>{body}</s:Body></s:Envelope>').encode()
    return Evidence.from_reply(operation, raw, received_at=T0)


def _facts(rng: random.Random, index: int, name: str) -> dict[str, Fact]:
    vendor, model, firmware = _VENDORS[index % len(_VENDORS)]
    if index % 7 == 3:  # a camera that refused our credentials: identity unknown
        denied = Fact.failed(FactStatus.DENIED, "tds:GetDeviceInformation", "HTTP 401 with our credentials")
        facts = {key: denied for key in ("identity.manufacturer", "identity.model", "identity.firmware")}
    else:
        info = _evidence(
            "tds:GetDeviceInformation",
            f"<tds:Manufacturer>{vendor}</tds:Manufacturer><tds:Model>{model}</tds:Model>"
            f"<tds:FirmwareVersion>{firmware}</tds:FirmwareVersion>",
        )
        facts = {
            "identity.manufacturer": Fact.observed(vendor, "tds:GetDeviceInformation", info),
            "identity.model": Fact.observed(model, "tds:GetDeviceInformation", info),
            "identity.firmware": Fact.observed(firmware, "tds:GetDeviceInformation", info),
            "identity.serial": Fact.observed(f"SN{index:06d}", "tds:GetDeviceInformation", info),
        }
    facts["identity.hostname"] = Fact.observed(
        name, "tds:GetHostname", _evidence("tds:GetHostname", f"<tt:Name>{name}</tt:Name>")
    )
    width, height = rng.choice([(1920, 1080), (2688, 1520), (3840, 2160), (1280, 720)])
    enc = [
        {
            "token": "enc0",
            "encoding": "H264",
            "width": width,
            "height": height,
            "fps": 25,
            "bitrate_kbps": 4096,
            "profiles": ["prof0"],
        }
    ]
    facts["media.video_encoders"] = Fact.observed(
        enc,
        "tr2:GetVideoEncoderConfigurations",
        _evidence(
            "tr2:GetVideoEncoderConfigurations",
            f'<tr2:Configurations token="enc0"><tt:Resolution><tt:Width>{width}</tt:Width></tt:Resolution>',
        ),
    )
    facts["media.max_resolution"] = Fact.observed({"width": width, "height": height}, "derived")
    facts["media.audio_in_profiles"] = Fact.observed(["prof0"] if index % 4 == 0 else [], "tr2:GetProfiles")
    facts["recording.recordings"] = (
        Fact.failed(FactStatus.UNSUPPORTED, "trc:GetRecordings", "no recording service")
        if index % 5 == 1
        else Fact.observed(
            [
                {
                    "token": "rec0",
                    "source": "cam",
                    "max_retention_seconds": rng.choice([0, 86400, 2592000]),
                    "content": "",
                    "tracks": ["video"],
                }
            ],
            "trc:GetRecordings",
        )
    )
    facts["network.open_ports"] = Fact.observed(
        sorted(rng.sample([80, 443, 554, 8000, 8080, 37777], 3)), "tcp-sweep"
    )
    facts["clock.skew_seconds"] = (
        Fact.failed(FactStatus.ERROR, "tds:GetSystemDateAndTime", "timeout after 5.0 s")
        if index % 9 == 2
        else Fact.observed(round(rng.uniform(-90, 90), 1), "tds:GetSystemDateAndTime")
    )
    facts["users"] = Fact.observed(
        [{"username": "admin", "level": "Administrator"}, {"username": f"op{index}", "level": "Operator"}],
        "tds:GetUsers",
    )
    return facts


def make_scan(
    n_devices: int = 6,
    *,
    findings_per_device: int = 15,
    seed: int = 1,
    hostile: bool = True,
    with_changes: bool = True,
) -> ScanResult:
    """A scan of `n_devices` cameras; with `hostile`, the first devices carry hostile names."""
    rng = random.Random(seed)
    rules = _rules(findings_per_device)
    results, weights = zip(*_RESULT_WEIGHTS, strict=True)
    devices: list[DeviceFacts] = []
    names: dict[str, str] = {}
    declared: dict[str, DeclaredCamera] = {}
    findings: list[Finding] = []
    for i in range(n_devices):
        name = HOSTILE_NAMES[i] if hostile and i < len(HOSTILE_NAMES) else f"cam-{i:04d}"
        device_id = f"uuid:{i:08x}-0000-4000-8000-{i:012x}"
        address = f"198.51.100.{i % 250 + 1}" if i < 250 else f"10.{i // 250}.{i % 250}.{i % 200 + 1}"
        device = DeviceFacts(
            device_id=device_id,
            address=address,
            port=80,
            xaddr=f"http://{address}/onvif/device_service",
            endpoint_uuid=device_id.removeprefix("uuid:"),
            mac=f"00:40:8c:{i >> 16 & 255:02x}:{i >> 8 & 255:02x}:{i & 255:02x}",
            signals=["ws-discovery", "tcp"],
            facts=_facts(rng, i, name),
            read_started=T0,
            read_finished=T0 + timedelta(seconds=2 + i % 5),
            errors=["deadline of 30 s exceeded while reading recording"] if i % 11 == 5 else [],
        )
        devices.append(device)
        if i % 10 != 9:  # every tenth camera is undeclared
            names[device_id] = name
            declared[device_id] = DeclaredCamera(
                name=name, camera_class=1 + i % 4, area=_AREAS[i % len(_AREAS)], sector=Sector.OFFICE
            )
        label = names.get(device_id, device.label)
        for rule in rules:
            rule_id, check, profile, severity, source, article, title, remediation = rule
            result = rng.choices(results, weights)[0]
            change = None
            if with_changes:
                change = rng.choices(
                    [Change.NEW, Change.CHANGED, Change.PERSISTING, Change.RESOLVED, None], [6, 3, 70, 4, 17]
                )[0]
            evidence = [
                EvidenceRef(
                    key="media.audio_in_profiles", status="ok", value=["prof0"], source="tr2:GetProfiles"
                ),
                EvidenceRef(key="declaration.audio", status="missing"),
            ]
            findings.append(
                Finding(
                    uid=finding_uid(SITE, device_id, rule_id),
                    rule_id=rule_id,
                    check=check,
                    profile=profile,
                    device_id=device_id,
                    device_name=label,
                    result=result,
                    severity=severity,
                    title=title,
                    message=_MESSAGES[result].format(
                        title=title,
                        value=rng.randint(1, 999),
                        key="recording.recordings",
                        status="unsupported",
                    ),
                    evidence=evidence,
                    reference=Reference(source=source, article=article, title=f"{source} guidance"),
                    remediation=remediation,
                    waiver=(
                        WaiverRef(
                            justification="Replacement ordered", approver="DPO", expires=date(2027, 1, 31)
                        )
                        if result is Result.WAIVED
                        else None
                    ),
                    evaluated_at=T0 + timedelta(minutes=5),
                    change=change,
                )
            )
    findings.append(
        Finding(
            uid=finding_uid(SITE, "site", "CZ-REG-1"),
            rule_id="CZ-REG-1",
            check="records_of_processing",
            profile="cz-uoou-2024",
            device_id="site",
            device_name=SITE,
            result=Result.FAIL,
            severity=Severity.MEDIUM,
            title="Records of processing reference the camera system",
            message="No ROPA reference declared.",
            reference=Reference(source="CZ", article="§2.2"),
            remediation="Add ropa_ref to the site file.",
            evaluated_at=T0 + timedelta(minutes=5),
            change=Change.NEW if with_changes else None,
        )
    )
    meta = ScanMeta(
        scan_id="scan-20261123-0300",
        site=SITE,
        site_title='Factory <HQ> & "Annex"',
        started_at=T0,
        finished_at=T0 + timedelta(minutes=4),
        evaluated_at=T0 + timedelta(minutes=5),
        scope=["198.51.100.0/24", "10.0.0.0/16"],
        profiles=sorted({r[2] for r in rules} | {"cz-uoou-2024"}),
        scanner_version="0.1.0",
        scanner_id="lab-host",
        errors=["198.51.100.77: no reply to GetDeviceInformation within 5 s"],
        previous_scan_id="scan-20261122-0300" if with_changes else None,
    )
    return ScanResult(meta=meta, devices=devices, declared_names=names, declared=declared, findings=findings)


def add_drift(scan: ScanResult, *, n_new: int = 2, n_vanished: int = 1, n_facts: int = 3,
              waiting: int = 0) -> ScanResult:
    """Give `scan` a drift summary (hostile names included) and mark `waiting` unknowns of its undeclared
    cameras as waiting for a declaration; returns the scan (changed in place)."""
    from profiles.findings import NO_DECLARATION
    from reports.drift import DriftCounts, DriftDevice, DriftFactChange, DriftSummary

    devs = scan.devices
    new = [DriftDevice(device_id=d.device_id, name=scan.declared_names.get(d.device_id) or d.label,
                       address=d.address) for d in devs[:n_new]]
    vanished = [DriftDevice(device_id=f"uuid:gone-{i}", name=f"<b>gone-{i}</b>", address=f"192.0.2.{i % 250 + 1}")
                for i in range(n_vanished)]
    facts = []
    for i in range(n_facts):
        d = devs[i % len(devs)]
        name = scan.declared_names.get(d.device_id) or d.label
        facts.append(DriftFactChange(device_id=d.device_id, device_name=name, key="media.audio_in_profiles",
                                     before="no audio", after="<i>Profile_1</i>",
                                     sentence=f"audio turned on (profiles: <i>Profile_{i}</i>)", important=i % 2 == 0))
    changes = Counter(f.change for f in scan.findings if f.change is not None)
    scan.drift = DriftSummary(previous_scan_id="scan-before", previous_started_at=T0 - timedelta(hours=6),
                              new_devices=new, vanished_devices=vanished, fact_changes=facts,
                              fact_changes_total=n_facts,
                              findings=DriftCounts(**{c.value: changes[c] for c in Change}))
    undeclared = {d.device_id for d in devs} - set(scan.declared_names)
    marked = 0
    for k, f in enumerate(scan.findings):
        if marked < waiting and f.device_id in undeclared and f.result is Result.UNKNOWN:
            scan.findings[k] = f.model_copy(update={"evidence": [NO_DECLARATION], "change": Change.NEW})
            marked += 1
    return scan
