"""Device <-> declaration matching by uuid, serial, MAC and IP, with ambiguity reports."""

from __future__ import annotations

from profiles.matching import match_devices
from tests.profiles.factbook import camera, decl


def test_match_by_each_key() -> None:
    a = camera(address="192.0.2.1", uuid="aaaa-1", mac="00:11:22:33:44:01", identity__serial="SER-A")
    b = camera(address="192.0.2.2", uuid="bbbb-2", mac="00:11:22:33:44:02", identity__serial="SER-B")
    c = camera(address="192.0.2.3", uuid=None, mac="00:11:22:33:44:03", identity__serial="SER-C")
    d = camera(address="192.0.2.4", uuid=None, mac="00:11:22:33:44:04", identity__serial="SER-D")
    decls = [decl(name="by-uuid", match={"uuid": "urn:uuid:AAAA-1"}), decl(name="by-serial", match={"serial": "ser-b"}),
             decl(name="by-mac", match={"mac": "00-11-22-33-44-03"}), decl(name="by-ip", match={"ip": "192.0.2.4"}),
             decl(name="gone", match={"ip": "192.0.2.99"})]
    result = match_devices([a, b, c, d], decls)
    assert result.matches == {a.device_id: "by-uuid", b.device_id: "by-serial", c.device_id: "by-mac",
                              d.device_id: "by-ip"}
    assert result.matched_by == {a.device_id: "uuid", b.device_id: "serial", c.device_id: "mac", d.device_id: "ip"}
    assert result.unmatched == ["gone"]
    assert result.ambiguities == []


def test_interface_macs_count() -> None:
    cam = camera(uuid=None, mac="00:11:22:33:44:55", network__interfaces=[{"token": "eth1", "mac": "00:11:22:33:44:66",
                                                                                "enabled": True}])
    result = match_devices([cam], [decl(name="eth1", match={"mac": "00:11:22:33:44:66"})])
    assert result.matches == {cam.device_id: "eth1"}


def test_strongest_key_wins_over_a_changed_ip() -> None:
    cam = camera(address="192.0.2.50", uuid="aaaa-1")
    result = match_devices([cam], [decl(name="moved", match={"uuid": "aaaa-1", "ip": "192.0.2.10"})])
    assert result.matches == {cam.device_id: "moved"}


def test_one_declaration_fitting_two_devices_is_ambiguous() -> None:
    a = camera(address="192.0.2.1", uuid="u-1", identity__serial="SAME")
    b = camera(address="192.0.2.2", uuid="u-2", identity__serial="SAME")
    result = match_devices([a, b], [decl(name="twin", match={"serial": "SAME"})])
    assert result.matches == {}
    assert result.unmatched == ["twin"]
    assert "fits 2 devices" in result.declaration_notes["twin"]
    assert "twin" in result.device_notes[a.device_id]


def test_one_device_fitting_two_declarations_is_ambiguous() -> None:
    cam = camera(address="192.0.2.1", uuid="u-1")
    result = match_devices([cam], [decl(name="x", match={"uuid": "u-1"}), decl(name="y", match={"ip": "192.0.2.1"})])
    assert result.matches == {}
    assert result.device_notes[cam.device_id] == "ambiguous match: fits several declarations: x, y"
    assert sorted(result.unmatched) == ["x", "y"]
    assert len(result.ambiguities) == 3
