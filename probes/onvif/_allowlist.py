"""The read-only guarantee: the only operations camaudit may ever send to a camera.

Every request passes `require_read_only` at the single point where requests are
built (`_soap.build_envelope`); anything else raises before a byte is sent. The
list is explicit rather than "starts with Get" so that a Get-named operation with a
side effect could never slip in by accident, and event subscriptions
(CreatePullPointSubscription, Subscribe) are absent by construction.
"""

from __future__ import annotations

from probes.errors import ProgrammingError
from probes.onvif._ns import Service

_READ: dict[Service, tuple[str, ...]] = {
    Service.DEVICE: (
        "GetSystemDateAndTime", "GetServices", "GetCapabilities", "GetServiceCapabilities",
        "GetEndpointReference", "GetDeviceInformation", "GetHostname", "GetScopes", "GetUsers",
        "GetNetworkInterfaces", "GetNetworkDefaultGateway", "GetDNS", "GetNTP", "GetNetworkProtocols",
        "GetZeroConfiguration", "GetDiscoveryMode", "GetIPAddressFilter", "GetStorageConfigurations",
        "GetDynamicDNS", "GetRemoteUser",
    ),
    Service.MEDIA: (
        "GetProfiles", "GetVideoEncoderConfigurations", "GetAudioSources", "GetAudioEncoderConfigurations",
        "GetAudioOutputs", "GetOSDs", "GetVideoAnalyticsConfigurations",
        "GetStreamUri",  # returns the profile's RTSP URI; starts no stream (the RTSP probe never sends SETUP/PLAY)
    ),
    Service.MEDIA2: (
        "GetProfiles", "GetVideoEncoderConfigurations", "GetAudioEncoderConfigurations",
        "GetAudioSourceConfigurations", "GetAudioOutputConfigurations", "GetOSDs", "GetMasks",
        "GetAnalyticsConfigurations", "GetStreamUri",
    ),
    Service.PTZ: ("GetNodes", "GetConfigurations", "GetPresets", "GetPresetTours"),
    Service.RECORDING: ("GetRecordings", "GetRecordingJobs"),
    Service.SEARCH: ("GetRecordingSummary",),
    Service.ANALYTICS: ("GetSupportedAnalyticsModules", "GetAnalyticsModules", "GetRules"),
    Service.EVENTS: ("GetEventBrokers",),
    Service.THERMAL: ("GetServiceCapabilities", "GetConfigurations"),
    Service.UPLINK: ("GetUplinks",),
    Service.SCHEDULE: ("GetSchedules",),  # the schedules recording jobs follow (iCalendar), by token
}

READ_OPERATIONS: frozenset[str] = frozenset(f"{svc}:{op}" for svc, ops in _READ.items() for op in ops)
"""Every operation camaudit may send, as "prefix:Operation" (e.g. "tds:GetUsers")."""

PRE_AUTH_OPERATIONS: frozenset[str] = frozenset(
    f"tds:{op}" for op in ("GetSystemDateAndTime", "GetServices", "GetCapabilities", "GetServiceCapabilities",
                           "GetEndpointReference", "GetHostname"))
"""ONVIF Core 5.9.4.3 PRE_AUTH: a device must answer these without credentials."""


class ForbiddenOperation(ProgrammingError, RuntimeError):
    """A programming error: code tried to send an operation outside the read-only allowlist."""


def require_read_only(operation: str) -> None:
    """Raise ForbiddenOperation unless `operation` is an allowlisted Get* read."""
    _, _, local = operation.partition(":")
    if operation not in READ_OPERATIONS or not local.startswith("Get"):
        raise ForbiddenOperation(f"{operation!r} is not in the read-only allowlist; refusing to send it")
