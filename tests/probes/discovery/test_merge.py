"""Merging one-signal records by address (never two uuids in one record), and the ONVIF endpoints to read."""

from __future__ import annotations

from probes.discovery._merge import merge
from probes.discovery.model import DiscoveredDevice, Signal

U1, U2 = "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"


def rec(*addresses: str, signal: Signal, **fields: object) -> DiscoveredDevice:
    return DiscoveredDevice(addresses=list(addresses), signals=[signal], **fields)


def test_multi_homed_camera_with_several_xaddrs_is_one_device() -> None:
    records = [
        rec("198.51.100.13", "198.51.100.14", signal=Signal.WS_DISCOVERY, endpoint_uuid=U1,
            xaddrs=["http://198.51.100.13/onvif/device_service", "http://198.51.100.14/onvif/device_service"]),
        rec("198.51.100.14", signal=Signal.WS_DISCOVERY, endpoint_uuid=U1,
            xaddrs=["http://198.51.100.14/onvif/device_service", "http://198.51.100.13/onvif/device_service"]),
        rec("198.51.100.13", signal=Signal.TCP, open_ports=[80, 554], onvif_ports=[80]),
        rec("198.51.100.14", signal=Signal.TCP, open_ports=[80], onvif_ports=[80]),
        rec("198.51.100.13", signal=Signal.ARP, mac="00:40:8c:00:00:01"),
        rec("198.51.100.14", signal=Signal.ARP, mac="00:40:8c:00:00:02"),
        rec("198.51.100.13", signal=Signal.MDNS, endpoint_uuid=U1, serial="ACCC", manufacturer="Axis"),
    ]
    (device,) = merge(records)
    assert device.addresses == ["198.51.100.13", "198.51.100.14"]
    assert len(device.xaddrs) == 2
    assert device.signals == [Signal.WS_DISCOVERY, Signal.MDNS, Signal.ARP, Signal.TCP]
    assert device.open_ports == [80, 554] and device.onvif_ports == [80]
    assert device.mac == "00:40:8c:00:00:01" and device.vendor == "Axis Communications AB"
    assert device.key == f"uuid:{U1}"


def test_two_endpoints_behind_one_address_stay_two_devices() -> None:
    records = [
        rec("198.51.100.20", signal=Signal.WS_DISCOVERY_UNICAST, endpoint_uuid=U1),
        rec("198.51.100.20", signal=Signal.WS_DISCOVERY_UNICAST, endpoint_uuid=U2),
        rec("198.51.100.20", signal=Signal.TCP, open_ports=[80]),
    ]
    devices = merge(records)
    assert sorted(d.endpoint_uuid for d in devices) == sorted([U1, U2])
    assert sum(Signal.TCP in d.signals for d in devices) == 1  # the port record joins one of them, not both


def test_a_shared_serial_or_mac_never_joins_two_addresses() -> None:
    """Default serials and cloned MACs repeat: which addresses are one camera is decided after reading."""
    devices = merge([
        rec("198.51.100.30", signal=Signal.SSDP, serial="SN1", manufacturer="Bosch", upnp_udn="aa"),
        rec("198.51.100.31", signal=Signal.MDNS, serial="sn1", mac="00:07:5f:00:00:09"),
        rec("198.51.100.32", signal=Signal.MDNS, mac="00:07:5f:00:00:09"),
        rec("198.51.100.30", signal=Signal.ARP, mac="00:07:5f:00:00:10"),
    ])
    assert [d.addresses for d in devices] == [["198.51.100.30"], ["198.51.100.31"], ["198.51.100.32"]]
    assert devices[0].upnp_udn == "aa" and devices[0].manufacturer == "Bosch"
    assert devices[0].mac == "00:07:5f:00:00:10"


def test_a_uuid_claimed_at_two_addresses_gives_two_records_each_with_its_endpoint() -> None:
    """A rogue twin (or cloned firmware) announcing a real camera's uuid does not hide that camera."""
    devices = merge([
        rec("198.51.100.70", signal=Signal.WS_DISCOVERY_UNICAST, endpoint_uuid=U1,
            xaddrs=["http://198.51.100.70:8000/onvif/device_service"]),
        rec("198.51.100.71", signal=Signal.WS_DISCOVERY_UNICAST, endpoint_uuid=U1,
            xaddrs=["http://198.51.100.71:8000/onvif/device_service"]),
    ])
    assert [[(e.url, e.uuid) for e in d.endpoints] for d in devices] == [
        [("http://198.51.100.70:8000/onvif/device_service", U1)],
        [("http://198.51.100.71:8000/onvif/device_service", U1)]]


def test_every_onvif_port_of_one_address_is_an_endpoint_of_its_own() -> None:
    """NVR channels / a second port: the sweep's ports are read even without any announcement."""
    (device,) = merge([rec("198.51.100.80", signal=Signal.TCP, endpoint_uuid=U1, open_ports=[8000, 8001],
                           onvif_ports=[8000, 8001])])
    assert [(e.url, e.uuid) for e in device.endpoints] == [
        ("http://198.51.100.80:8000/onvif/device_service", None),  # which port the GUID came from is unknown
        ("http://198.51.100.80:8001/onvif/device_service", None)]


def test_an_announced_endpoint_is_read_once_under_its_own_uuid() -> None:
    devices = merge([
        rec("198.51.100.90", signal=Signal.WS_DISCOVERY_UNICAST, endpoint_uuid=U1,
            xaddrs=["http://198.51.100.90:8000/onvif/device_service"]),
        rec("198.51.100.90", signal=Signal.WS_DISCOVERY_UNICAST, endpoint_uuid=U2,
            xaddrs=["http://198.51.100.90:8001/onvif/device_service"]),
        rec("198.51.100.90", signal=Signal.TCP, open_ports=[8000, 8001], onvif_ports=[8000, 8001]),
    ])
    endpoints = sorted((e.url, e.uuid) for d in devices for e in d.endpoints)
    assert endpoints == [("http://198.51.100.90:8000/onvif/device_service", U1),
                         ("http://198.51.100.90:8001/onvif/device_service", U2)]


def test_http_and_https_of_one_camera_are_two_endpoints_of_one_record() -> None:
    (device,) = merge([
        rec("198.51.100.95", signal=Signal.WS_DISCOVERY_UNICAST, endpoint_uuid=U1,
            xaddrs=["http://198.51.100.95/onvif/device_service", "https://198.51.100.95/onvif/device_service"]),
        rec("198.51.100.95", signal=Signal.TCP, open_ports=[80, 443], onvif_ports=[80, 443],
            xaddrs=["https://198.51.100.95:443/onvif/device_service"]),
    ])
    assert [(e.url, e.uuid) for e in device.endpoints] == [
        ("http://198.51.100.95:80/onvif/device_service", U1), ("https://198.51.100.95:443/onvif/device_service", U1)]


def test_bye_and_scalars_survive_the_merge() -> None:
    (device,) = merge([
        rec("198.51.100.9", signal=Signal.WS_DISCOVERY, endpoint_uuid=U1, name="gate"),
        DiscoveredDevice(addresses=["198.51.100.9"], endpoint_uuid=U1, bye=True, signals=[Signal.WS_DISCOVERY]),
    ])
    assert device.bye is True and device.name == "gate"


def test_sorted_by_address_numerically() -> None:
    devices = merge([rec("198.51.100.100", signal=Signal.TCP), rec("198.51.100.9", signal=Signal.TCP)])
    assert [d.addresses[0] for d in devices] == ["198.51.100.9", "198.51.100.100"]


def test_one_mac_on_many_addresses_in_arp_is_not_one_device() -> None:
    """Proxy ARP, or IP aliases: ARP ties a MAC to an address, not addresses to each other."""
    devices = merge([
        rec("198.51.100.50", signal=Signal.ARP, mac="00:00:5e:00:01:01"),
        rec("198.51.100.51", signal=Signal.ARP, mac="00:00:5e:00:01:01"),
        rec("198.51.100.51", signal=Signal.WS_DISCOVERY_UNICAST, endpoint_uuid=U2),
        rec("198.51.100.50", signal=Signal.WS_DISCOVERY_UNICAST, endpoint_uuid=U1),
    ])
    assert [(d.addresses, d.endpoint_uuid, d.mac) for d in devices] == [
        (["198.51.100.50"], U1, "00:00:5e:00:01:01"), (["198.51.100.51"], U2, "00:00:5e:00:01:01")]


def test_a_different_guid_from_the_tcp_check_does_not_split_a_camera() -> None:
    devices = merge([
        rec("198.51.100.60", signal=Signal.WS_DISCOVERY_UNICAST, endpoint_uuid=U1),
        rec("198.51.100.60", signal=Signal.TCP, endpoint_uuid=U2, open_ports=[80], onvif_ports=[80]),
        rec("198.51.100.61", signal=Signal.TCP, endpoint_uuid=U2, open_ports=[80], onvif_ports=[80]),
    ])
    assert [(d.addresses, d.endpoint_uuid, d.signals) for d in devices] == [
        (["198.51.100.60"], U1, [Signal.WS_DISCOVERY_UNICAST, Signal.TCP]),
        (["198.51.100.61"], U2, [Signal.TCP]),  # nobody contradicts it there: its GUID stands
    ]
