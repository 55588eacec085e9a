"""`camaudit init`: a starter site file that validates and declares every camera found."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import yaml

from probes.discovery import DiscoveredDevice, Signal
from probes.errors import ConfigError
from probes.facts import DeviceFacts, Fact
from scanner.cli import build_parser, main
from scanner.commands import init
from scanner.site import load_site, parse_site

PASSWORD_ENV = "CAMAUDIT_TEST_INIT_PASSWORD"


@pytest.mark.slow
async def test_init_declares_every_lab_camera(tmp_path, monkeypatch):
    from lab import DEMO_FLEET, load_fleet, run_fleet

    monkeypatch.setenv(PASSWORD_ENV, "demo-pass")  # the lab's auditor account
    out = tmp_path / "site.yaml"
    async with run_fleet(load_fleet(DEMO_FLEET), port_override=0) as running:
        argv = ["init", "--targets", "127.0.10.0/24", "--ports", "80", "--out", str(out), "--name", "demo-campus",
                "--user", "auditor", "--password-env", PASSWORD_ENV, "--signals", "tcp", "--timeout", "2"]
        for cam in running.cameras:  # on loopback the sweep targets are the cameras' own address:port
            argv += ["--host", f"{cam.address}:{cam.port}"]
        assert await init.run(build_parser().parse_args(argv)) == 0
        specs = [cam.spec for cam in running.cameras]
        addresses = {cam.address for cam in running.cameras}

    assert main(["schema", "--check", str(out)]) == 0
    site = load_site(out).site
    assert site.name == "demo-campus" and site.credentials.password_env == PASSWORD_ENV
    assert len(site.cameras) == len(specs) == 14
    declared = {(c.match.uuid, c.match.serial, c.match.mac) for c in site.cameras}
    expected = {(s.endpoint_uuid.removeprefix("urn:uuid:"), s.serial, s.mac) for s in specs}
    assert declared == expected  # every camera, by its full identity
    assert {c.name for c in site.cameras} == {s.name for s in specs}
    assert {c.expected_model for c in site.cameras} == {s.identity.model for s in specs}
    for cam in site.cameras:
        assert cam.placeholders == ["class", "area", "purposes"]
        assert (cam.camera_class, cam.area, cam.purposes) == (1, "other", ["other"])
    assert set(site.scope.hosts) and {h.split(":")[0] for h in site.scope.hosts} == addresses
    text = out.read_text()
    assert text.count("# TODO: declared class 1-4") == 14 and "demo-pass" not in text


def _device(address: str, **kw) -> DiscoveredDevice:
    return DiscoveredDevice(addresses=[address], onvif_ports=[80], signals=[Signal.TCP], **kw)


def test_site_yaml_hostile_strings_weak_identity_and_duplicates():
    hostile = "Evil\nname: injected\r\x1b[31m: [x]"
    facts = DeviceFacts(device_id="addr:192.0.2.10:80", address="192.0.2.10", facts={
        "identity.model": Fact.observed(hostile, "tds:GetDeviceInformation"),
        "identity.firmware": Fact.observed("1.0\n- name: evil", "tds:GetDeviceInformation"),
        "identity.serial": Fact.observed('SN"1\\', "tds:GetDeviceInformation"),
    })
    cams = [init.FoundCamera(_device("192.0.2.10"), facts),
            init.FoundCamera(_device("192.0.2.11", name="Lobby Cam")),
            init.FoundCamera(_device("192.0.2.12", name="lobby cam", mac="00-11-22-AA-BB-CC")),
            init.FoundCamera(_device("192.0.2.9"))]
    text = init.site_yaml(name="branch", targets=["192.0.2.0/24"], hosts=[], ports=None, cameras=cams,
                          now=datetime(2026, 11, 23, tzinfo=UTC))
    site = parse_site(text)
    assert [c.name for c in site.cameras] == ["camera-192-0-2-9", "evil-name-injected-31m-x-192-0-2-10",
                                              "lobby-cam", "lobby-cam-2"]
    by_name = {c.name: c for c in site.cameras}
    evil = by_name["evil-name-injected-31m-x-192-0-2-10"]
    assert evil.match.serial == 'SN"1\\'
    assert evil.expected_model == yaml.safe_load(init.q(hostile))  # round-trips exactly, quoted
    assert by_name["camera-192-0-2-9"].match.ip == "192.0.2.9"  # nothing stabler known
    assert by_name["lobby-cam-2"].match.mac == "00:11:22:aa:bb:cc"
    assert not any(line.startswith(("name: injected", "- name: evil")) for line in text.splitlines())
    assert "credentials:" in text and "# credentials:" in text  # commented-out example only
    assert site.credentials is None


def test_no_camera_found_still_valid():
    site = parse_site(init.site_yaml(name="empty", targets=["192.0.2.0/24"], hosts=[], ports=[80], cameras=[]))
    assert site.cameras == [] and site.scope.ports == [80]


def test_refusals(tmp_path, monkeypatch):
    out = tmp_path / "site.yaml"
    out.write_text("keep me")
    assert main(["init", "--targets", "192.0.2.0/24", "--out", str(out)]) == 1
    assert out.read_text() == "keep me"
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    with pytest.raises(ConfigError, match="needs --password-env"):
        import asyncio
        asyncio.run(init.run(build_parser().parse_args(["init", "--targets", "192.0.2.0/24", "--out",
                                                        str(tmp_path / "n.yaml"), "--user", "admin"])))
    assert main(["init", "--targets", "8.8.8.0/24", "--out", str(tmp_path / "p.yaml")]) == 1
    assert not (tmp_path / "p.yaml").exists()


def test_init_with_nothing_found_writes_nothing(tmp_path, capsys):
    """Zero cameras is an error (exit 2, nothing written), not an empty site that looks fine."""
    out = tmp_path / "site.yaml"
    assert main(["init", "--targets", "127.0.9.0/30", "--ports", "9", "--signals", "tcp", "--timeout", "0.5",
                 "--out", str(out)]) == 2
    assert not out.exists()
    err = " ".join(capsys.readouterr().err.split())
    assert "no camera found in 127.0.9.0/30: nothing written" in err


def test_init_refused_range_says_why_in_one_line(tmp_path, capsys):
    for targets, why in (("8.8.8.0/24", "globally routable"), ("127.0.10.300/24", "is not a CIDR network")):
        assert main(["init", "--targets", targets, "--out", str(tmp_path / "p.yaml")]) == 1
        err = " ".join(capsys.readouterr().err.split())  # the terminal may wrap the one line
        assert err.startswith("error: --targets: ") and targets in err and why in err, err
        assert "pydantic" not in err and "For further information" not in err, err
    assert not (tmp_path / "p.yaml").exists()


def test_init_to_stdout_with_nothing_found_when_allowed(capsys):
    # loopback addresses where nothing listens on port 9: the sweep finds no camera
    assert main(["init", "--targets", "127.0.9.0/30", "--ports", "9", "--signals", "tcp", "--timeout", "0.5",
                 "--out", "-", "--name", "empty-lab", "--allow-empty"]) == 0
    captured = capsys.readouterr()
    site = parse_site(captured.out)
    assert site.name == "empty-lab" and site.cameras == [] and site.scope.ports == [9]
    assert "no camera was found" in captured.err
