"""Each misbehaviour mode of lab/fleets/misbehaving.yaml is observable on the wire, and the
well-behaved neighbours keep answering."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from lxml import etree

from lab import QUIRKS_FLEET, MisbehaviourMode, load_fleet
from tests.lab.soapclient import NS, PARSER, soap


def test_one_camera_per_mode(misbehaving_fleet) -> None:
    """Broken replies in misbehaving.yaml, real-camera quirks in quirks.yaml: together every mode."""
    modes = [m.mode for c in misbehaving_fleet.cameras for m in c.misbehaviour]
    quirks = [m.mode for c in load_fleet(QUIRKS_FLEET).cameras for m in c.misbehaviour]
    assert set(modes) | set(quirks) == set(MisbehaviourMode)
    assert [c.name for c in misbehaving_fleet.cameras if not c.misbehaviour] == ["good-first", "good-last"]


async def test_neighbours_answer_while_others_misbehave(misbehaving, http) -> None:
    silent = misbehaving.camera("no-reply")
    hang = asyncio.create_task(soap(http, silent, "tds", "GetDeviceInformation"))
    for name in ("good-first", "good-last"):
        reply = await soap(http, misbehaving.camera(name), "tds", "GetDeviceInformation")
        assert reply.status == 200
    assert not hang.done()
    hang.cancel()


async def test_no_reply(misbehaving, http) -> None:
    cam = misbehaving.camera("no-reply")
    with pytest.raises(asyncio.TimeoutError):
        await soap(http, cam, "tds", "GetSystemDateAndTime", user=None, timeout=aiohttp.ClientTimeout(total=0.5))
    assert cam.received == ["tds:GetSystemDateAndTime"]


async def test_slow_drip(misbehaving, http) -> None:
    cam = misbehaving.camera("slow-drip")
    with pytest.raises(asyncio.TimeoutError):
        await soap(http, cam, "trt", "GetProfiles", timeout=aiohttp.ClientTimeout(total=1.0))
    async with http.post(f"{cam.xaddr.replace('device', 'media')}",
                         data=b'<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>'
                              b'<GetProfiles xmlns="http://www.onvif.org/ver10/media/wsdl"/>'
                              b'</s:Body></s:Envelope>') as r:
        first = await asyncio.wait_for(r.content.read(8), 2)  # bytes do arrive, slowly
        assert first.startswith(b"<?xml")
        assert int(r.headers["Content-Length"]) > 1000
    fast = await soap(http, cam, "tds", "GetHostname")  # only GetProfiles drips
    assert fast.status == 200


async def test_truncated_and_malformed(misbehaving, http) -> None:
    cut = await soap(http, misbehaving.camera("truncated"), "tds", "GetDeviceInformation")
    assert cut.status == 200 and int(cut.headers["Content-Length"]) == len(cut.body)
    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring(cut.body, PARSER)
    bad = await soap(http, misbehaving.camera("malformed-xml"), "trt", "GetProfiles")
    assert bad.status == 200
    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring(bad.body, PARSER)
    fine = await soap(http, misbehaving.camera("malformed-xml"), "tds", "GetDeviceInformation")
    assert fine.text(".//tds:Model") == "Garbler"


async def test_nul_terminated(misbehaving, http) -> None:
    cam = misbehaving.camera("nul-terminated")
    for operation, user in (("GetDeviceInformation", "auditor"), ("GetUsers", None)):  # a reply and a fault
        reply = await soap(http, cam, "tds", operation, user=user)
        assert reply.body.endswith(b"Envelope>\x00"), reply.body[-40:]
        assert int(reply.headers["Content-Length"]) == len(reply.body)  # the NUL is counted, as C firmware does
        with pytest.raises(etree.XMLSyntaxError):  # strictly, extra content after the document
            etree.fromstring(reply.body, PARSER)
        etree.fromstring(reply.body[:-1], PARSER)
    assert reply.status != 200


async def test_oversized(misbehaving, http) -> None:
    cam = misbehaving.camera("oversized")
    async with http.post(f"http://{cam.address}:{cam.port}/onvif/media_service",
                         data=b'<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>'
                              b'<GetProfiles xmlns="http://www.onvif.org/ver10/media/wsdl"/></s:Body></s:Envelope>',
                         headers={"Authorization": "none"}) as resp:
        assert resp.status in (200, 401, 400)
    reply = await soap(http, cam, "trt", "GetProfiles")
    assert len(reply.body) >= 16 * 1024 * 1024
    root = etree.fromstring(reply.body, etree.XMLParser(huge_tree=True, resolve_entities=False))
    assert len(root.findall(".//trt:Profiles", NS)) == 2  # valid XML, just huge


async def test_entity_expansion(misbehaving, http) -> None:
    cam = misbehaving.camera("entity-expansion")
    laughs = await soap(http, cam, "tds", "GetDeviceInformation")
    assert b"<!DOCTYPE" in laughs.body and b"&lol9;" in laughs.body and b'<!ENTITY lol9' in laughs.body
    xxe = await soap(http, cam, "tds", "GetHostname", user=None)
    assert b'SYSTEM "file:///etc/passwd"' in xxe.body and b"&xxe;" in xxe.body
    safe = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.fromstring(xxe.body, safe)  # a hardened parser reads it without resolving
    assert b"root:" not in etree.tostring(root)


async def test_connection_reset(misbehaving, http) -> None:
    cam = misbehaving.camera("connection-reset")
    with pytest.raises(aiohttp.ClientError):
        await soap(http, cam, "tds", "GetSystemDateAndTime", user=None)
    assert cam.received == ["tds:GetSystemDateAndTime"]


async def test_auth_loop_401(misbehaving, http) -> None:
    cam = misbehaving.camera("auth-loop-401")
    nonces = set()
    for _ in range(3):
        reply = await soap(http, cam, "tds", "GetDeviceInformation")  # correct credentials
        assert reply.status == 401
        nonces.add(reply.headers["WWW-Authenticate"])
    assert len(nonces) == 3
    async with aiohttp.ClientSession(middlewares=(aiohttp.DigestAuthMiddleware("auditor", "demo-pass"),)) as dg:
        assert (await soap(dg, cam, "tds", "GetDeviceInformation", user=None)).status == 401
    assert (await soap(http, cam, "tds", "GetSystemDateAndTime", user=None)).status == 200  # PRE_AUTH


@pytest.mark.parametrize(("name", "status", "content_type", "marker"), [
    ("empty-200", 200, "application/soap+xml", b""),
    ("stacktrace-200", 200, "text/html", b"java.lang.NullPointerException"),
    ("http500", 500, "text/html", b"500 Internal Server Error"),
])
async def test_unimplemented_quirks(misbehaving, http, name, status, content_type, marker) -> None:
    cam = misbehaving.camera(name)
    for prefix, op in (("tptz", "GetNodes"), ("tds", "GetFrobnicator")):  # missing service, unknown operation
        reply = await soap(http, cam, prefix, op)
        assert reply.status == status and reply.headers["Content-Type"].startswith(content_type)
        assert marker in reply.body if marker else reply.body == b""
    assert (await soap(http, cam, "tds", "GetDeviceInformation")).status == 200


async def test_auth_failure_styles(misbehaving, http) -> None:
    as400 = await soap(http, misbehaving.camera("auth-fault-400"), "tds", "GetDeviceInformation", password="x")
    assert as400.status == 400 and as400.fault_codes == ["env:Sender", "ter:NotAuthorized"]
    bare = await soap(http, misbehaving.camera("auth-401"), "tds", "GetDeviceInformation", password="x")
    assert bare.status == 401 and bare.body == b"" and "WWW-Authenticate" not in bare.headers
    in200 = await soap(http, misbehaving.camera("auth-fault-200"), "tds", "GetDeviceInformation", password="x")
    assert in200.status == 200 and in200.fault_codes == ["env:Sender", "ter:NotAuthorized"]
    normal = await soap(http, misbehaving.camera("good-first"), "tds", "GetDeviceInformation", password="x")
    assert normal.status == 401 and "WWW-Authenticate" in normal.headers


async def test_odd_namespace_prefixes(misbehaving, http) -> None:
    reply = await soap(http, misbehaving.camera("odd-prefixes"), "tds", "GetDeviceInformation")
    assert reply.body.count(b"<SOAP-ENV:Envelope") == 1 and b"<xx:Model>" in reply.body
    assert reply.text(".//tds:Model") == "Prefixer"  # same namespaces, other prefixes
    fault = await soap(http, misbehaving.camera("odd-prefixes"), "tds", "GetDeviceInformation", password="x")
    assert fault.fault_codes == ["SOAP-ENV:Sender", "ns9:NotAuthorized"]


async def test_scopes_claim_missing_services(misbehaving, http) -> None:
    cam = misbehaving.camera("scopes-lie")
    scopes = [s.text for s in (await soap(http, cam, "tds", "GetScopes")).findall(".//tt:ScopeItem")]
    assert "onvif://www.onvif.org/Profile/G" in scopes and "onvif://www.onvif.org/type/ptz" in scopes
    listed = (await soap(http, cam, "tds", "GetServices", user=None)).findall(".//tds:Namespace")
    assert {n.text for n in listed} == {NS["tds"], NS["trt"]}  # the services tell the truth


async def test_services_listed_but_dead(misbehaving, http) -> None:
    cam = misbehaving.camera("dead-services")
    listed = (await soap(http, cam, "tds", "GetServices", user=None)).findall(".//tds:Namespace")
    assert {n.text for n in listed} == set(NS.values()) - {NS["env"], NS["ter"], NS["tt"]}
    dead = await soap(http, cam, "trc", "GetRecordings")
    assert dead.status == 404
    assert (await soap(http, cam, "trt", "GetProfiles")).status == 200
