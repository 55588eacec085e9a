"""How the real-reply corpus became archives (run once; kept so the conversion can be checked and redone).

    .venv/bin/python -m tests.corpus.import_real_replies OLD_DIR

Each reply file that other open-source ONVIF projects captured from real devices (sources and licences in
tests/corpus/SOURCES.md) becomes one exchange of the archive `tests/corpus/real-<device>/capture.json`:
the request is the one camaudit sends for the operation, the reply is the file byte for byte (its
`<!-- source: ... -->` comment included), and `source` names the file it came from. Tests read a reply by
that name (`tests/corpus/real.py`); the corpus test replays each device and compares its fact sheet.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

from probes.onvif._allowlist import ForbiddenOperation
from probes.onvif._ns import SOAP_ENV
from probes.onvif._soap import build_envelope, request_headers, split_operation
from probes.onvif.capture import Archive, ArchivedExchange

CORPUS = Path(__file__).parent
# file -> (operation, HTTP status); the operation is the one the reply answers (or a test reads it as)
OPERATIONS: dict[str, tuple[str, int]] = {
    "agsh-mockup/GetAudioEncoderConfigurations_empty_config.xml": ("trt:GetAudioEncoderConfigurations", 200),
    "agsh-mockup/GetDeviceInformation.xml": ("tds:GetDeviceInformation", 200),
    "agsh-mockup/GetNetworkDefaultGateway_undeclared_prefix.xml": ("tds:GetNetworkDefaultGateway", 200),
    "agsh-mockup/GetVideoEncoderConfigurations.xml": ("trt:GetVideoEncoderConfigurations", 200),
    "agsh-mockup/fault_curly_quotes_declaration.xml": ("tds:GetSystemDateAndTime", 500),
    "axis/GetCapabilities.xml": ("tds:GetCapabilities", 200),
    "axis/GetDNS.xml": ("tds:GetDNS", 200),
    "axis/GetNetworkInterfaces.xml": ("tds:GetNetworkInterfaces", 200),
    "axis/GetNetworkProtocols.xml": ("tds:GetNetworkProtocols", 200),
    "axis/GetNodes.xml": ("tptz:GetNodes", 200),
    "axis/GetPresets.xml": ("tptz:GetPresets", 200),
    "axis/GetRecordingJobs.xml": ("trc:GetRecordingJobs", 200),
    "axis/GetRecordings.xml": ("trc:GetRecordings", 200),
    "axis/GetScopes.xml": ("tds:GetScopes", 200),
    "axis/GetSystemDateAndTime.xml": ("tds:GetSystemDateAndTime", 200),
    "axis/GetSystemDateAndTime_NTP.xml": ("tds:GetSystemDateAndTime", 200),
    "axis/GetUsers.xml": ("tds:GetUsers", 200),
    "axis/GetZeroConfiguration.xml": ("tds:GetZeroConfiguration", 200),
    "axis/fault_audio_not_supported.xml": ("trt:GetAudioSources", 400),
    "gsoap-device/GetRecordingSummary.xml": ("tse:GetRecordingSummary", 200),
    "hikvision/GetAnalyticsModules.xml": ("tan:GetAnalyticsModules", 200),
    "hikvision/GetCapabilities.xml": ("tds:GetCapabilities", 200),
    "hikvision/GetDNS.xml": ("tds:GetDNS", 200),
    "hikvision/GetDynamicDNS.xml": ("tds:GetDynamicDNS", 200),
    "hikvision/GetHostname.xml": ("tds:GetHostname", 200),
    "hikvision/GetIPAddressFilter.xml": ("tds:GetIPAddressFilter", 200),
    "hikvision/GetNTP.xml": ("tds:GetNTP", 200),
    "hikvision/GetOSDs.xml": ("trt:GetOSDs", 200),
    "hikvision/GetProfiles.xml": ("trt:GetProfiles", 200),
    "hikvision/GetScopes.xml": ("tds:GetScopes", 200),
    "hikvision/GetServices.xml": ("tds:GetServices", 200),
    "hikvision/GetStreamUri.xml": ("trt:GetStreamUri", 200),
    "hikvision/GetSupportedAnalyticsModules.xml": ("tan:GetSupportedAnalyticsModules", 200),
    "hikvision/GetUsers.xml": ("tds:GetUsers", 200),
    "hikvision/GetVideoEncoderConfigurations.xml": ("trt:GetVideoEncoderConfigurations", 200),
    "hikvision/events_GetServiceCapabilities.xml": ("tev:GetServiceCapabilities", 200),
    "hikvision/fault_soap11_children_in_soap12.xml": ("tds:GetZeroConfiguration", 500),
    "milesight/GetDeviceInformation.xml": ("tds:GetDeviceInformation", 200),
    "milesight/GetScopes.xml": ("tds:GetScopes", 200),
    "reconstructed/gsoap_fault_method_not_implemented.xml": ("tds:GetStorageConfigurations", 400),
    "reconstructed/soap11_fault_client_not_implemented.xml": ("trt:GetServiceCapabilities", 500),
    "reconstructed/tr2_GetProfiles_axis_style.xml": ("tr2:GetProfiles", 200),
    "reconstructed/tr2_GetProfiles_tt_name_simulator.xml": ("tr2:GetProfiles", 200),
    "recorder-multichannel/GetProfiles.xml": ("trt:GetProfiles", 200),
}
XADDR = "http://192.0.2.10:80/onvif/device_service"  # documentation address: the files name no reachable device


def _request(operation: str) -> str:
    """camaudit's request for the operation; one the reader never sends (not allowlisted) is written out
    plainly, so the archive still says what the reply answered."""
    try:
        return build_envelope(operation).decode()
    except ForbiddenOperation:
        service, name = split_operation(operation)
        return (f'<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="{SOAP_ENV}"><s:Body>'
                f'<{service.value}:{name} xmlns:{service.value}="{service.namespace}"/></s:Body></s:Envelope>')


def convert(old: Path) -> None:
    by_device: dict[str, list[ArchivedExchange]] = {}
    for rel, (operation, status) in OPERATIONS.items():
        reply = (old / rel).read_bytes()
        device = rel.split("/", 1)[0]
        exchanges = by_device.setdefault(device, [])
        exchanges.append(ArchivedExchange(
            seq=len(exchanges) + 1, operation=operation, url=XADDR, sent_offset_ms=0, elapsed_ms=0, status=status,
            request_headers=list(request_headers(operation).items()),
            request_body=_request(operation), reply_headers=[("Content-Type", "application/soap+xml")],
            reply_body=reply.decode("utf-8"), source=rel))
    for device, exchanges in by_device.items():
        out = CORPUS / f"real-{device}"
        out.mkdir(exist_ok=True)
        Archive(camaudit_version="imported", captured_at=datetime(2026, 12, 3, tzinfo=UTC), device_xaddr=XADDR,
                identifiers="kept", exchanges=exchanges).write(out / "capture.json")
        print(f"{out.name}: {len(exchanges)} replies")


if __name__ == "__main__":
    convert(Path(sys.argv[1]))
