"""Grouping read endpoints into devices (probes/identity.py) with the comparison indexed by uuid: the same
groups as comparing every endpoint with every group, and twins still apart."""

from __future__ import annotations

from probes.facts import DeviceFacts
from probes.identity import group_endpoints


def _read(address: str, scheme: str, uuid: str | None, mac: str | None) -> DeviceFacts:
    port = 443 if scheme == "https" else 80
    return DeviceFacts(device_id=f"addr:{address}:{port}", address=address, port=port,
                       xaddr=f"{scheme}://{address}:{port}/onvif/device_service", endpoint_uuid=uuid, mac=mac)


def test_endpoints_join_only_with_their_own_device_among_many() -> None:
    reads = [_read(f"198.51.100.{i}", scheme, f"u{i}", f"00:00:00:00:00:{i:02x}")
             for i in range(1, 60) for scheme in ("http", "https")]
    reads += [_read("198.51.100.200", "http", "u7", "00:00:00:00:01:07"),  # u7's twin: another MAC
              _read("198.51.100.201", "http", "u8", "00:00:00:00:00:08"),  # u8's second address
              _read("198.51.100.202", "http", None, "00:00:00:00:00:09"),  # no uuid: never joins u9
              _read("198.51.100.203", "http", None, "00:00:00:00:00:09")]  # ... but joins the other MAC twin
    devices = group_endpoints(list(reversed(reads)))
    by_address = {d.address: d for d in devices}
    assert len(devices) == 59 + 2  # u1..u59 (u8 with both addresses), u7's twin, the uuid-less pair
    assert by_address["198.51.100.8"].value("identity.endpoints") == [
        "http://198.51.100.201:80/onvif/device_service", "http://198.51.100.8:80/onvif/device_service",
        "https://198.51.100.8:443/onvif/device_service"]
    twins = sorted(d.device_id for d in devices if d.endpoint_uuid == "u7")
    assert twins == ["uuid:u7/mac:00:00:00:00:00:07", "uuid:u7/mac:00:00:00:00:01:07"]
    assert len(by_address["198.51.100.202"].value("identity.endpoints")) == 2
    assert len({d.device_id for d in devices}) == len(devices)
