"""`OnvifReader.reads_alike`: two discovery records are read alike only when everything a read uses agrees.

What decides it is what the read sends: the address, the device service URL, the announced uuid and the
credential sets offered (scanner/early_reads.py relies on it to reuse a read started during discovery).
"""

from __future__ import annotations

from pydantic import SecretStr

from probes.discovery.model import DiscoveredDevice, Signal
from probes.onvif import CredentialPlan, CredentialSelector, CredentialSet, OnvifReader

URL = "http://127.0.0.8:8000/onvif/device_service"
UUID = "0d0d0d0d-1111-4222-8333-444444444444"


def record(**changes: object) -> DiscoveredDevice:
    base = DiscoveredDevice(addresses=["127.0.0.8"], xaddrs=[URL], endpoint_uuid=UUID,
                            signals=[Signal.WS_DISCOVERY_UNICAST])
    return base.model_copy(update=changes)


def plan(*selectors: CredentialSelector) -> CredentialPlan:
    return CredentialPlan([CredentialSet(f"set-{n}", "auditor", SecretStr("x"), s) for n, s in enumerate(selectors)])


def test_what_the_read_only_copies_does_not_matter() -> None:
    reader = OnvifReader(credentials=plan(CredentialSelector(everything=True)))
    assert reader.reads_alike(record(), record(mac="00:40:8c:00:00:01", vendor="Axis", manufacturer="AXIS",
                                               signals=[Signal.WS_DISCOVERY_UNICAST, Signal.ARP, Signal.TCP]))


def test_another_url_uuid_or_address_is_another_read() -> None:
    reader = OnvifReader()
    assert not reader.reads_alike(record(), record(xaddrs=["https://127.0.0.8:8443/onvif/device_service"]))
    assert not reader.reads_alike(record(), record(endpoint_uuid=None))
    assert not reader.reads_alike(record(), record(addresses=["127.0.0.9"], xaddrs=[URL.replace(".8:", ".9:")]))


def test_other_credential_sets_offered_are_another_read() -> None:
    sets = plan(CredentialSelector(everything=True), CredentialSelector(addresses=("127.0.0.9/32",)),
                CredentialSelector(manufacturers=("AXIS",)))
    reader = OnvifReader(credentials=sets)
    assert not reader.reads_alike(record(), record(addresses=["127.0.0.8", "127.0.0.9"]))  # multi-homed: a /32 set
    assert not reader.reads_alike(record(), record(manufacturer="AXIS"))  # SSDP said who made it: a maker's set
    assert reader.reads_alike(record(), record(manufacturer="Bosch"))  # no set of Bosch's: the same sets


def test_a_record_without_an_address_is_never_alike() -> None:
    assert not OnvifReader().reads_alike(record(addresses=[], xaddrs=[]), record(addresses=[], xaddrs=[]))
