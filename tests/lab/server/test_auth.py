"""Authentication as cameras do it: WS-UsernameToken digest (with clock skew), HTTP Digest, anonymous
operations, the PRE_AUTH set, user levels and the fault style of each camera."""

from __future__ import annotations

import aiohttp
from aiohttp import DigestAuthMiddleware

from lab.auth import parse_digest_header
from tests.lab.soapclient import envelope, soap, url


async def test_ws_usernametoken_digest_good_and_bad(demo, http) -> None:
    cam = demo.camera("school-corridor")  # WS-UsernameToken only
    good = await soap(http, cam, "tds", "GetDeviceInformation")
    assert good.status == 200 and good.text(".//tds:Model") == "P3245-LVE"
    for user, password in (("auditor", "wrong"), ("nobody", "demo-pass")):
        bad = await soap(http, cam, "tds", "GetDeviceInformation", user=user, password=password)
        assert bad.status == 400  # WS-only cameras: HTTP 400 + ter:NotAuthorized, no challenge
        assert bad.fault_codes == ["env:Sender", "ter:NotAuthorized"]
        assert "WWW-Authenticate" not in bad.headers
    admin = await soap(http, cam, "tds", "GetUsers", user="admin", password="Sch00l-Adm1n!")
    assert {u.text for u in admin.findall(".//tt:Username")} == {"auditor", "admin"}
    assert [(r.operation, r.authenticated, r.username) for r in cam.requests] == [
        ("tds:GetDeviceInformation", True, "auditor"), ("tds:GetDeviceInformation", False, None),
        ("tds:GetDeviceInformation", False, None), ("tds:GetUsers", True, "admin")]


async def test_created_is_checked_against_the_camera_clock(demo, http) -> None:
    cam = demo.camera("residential-entrance")  # Manual clock, +600 s
    naive = await soap(http, cam, "tds", "GetDeviceInformation", skew_s=0)  # a client that ignores the skew
    assert naive.fault_codes == ["env:Sender", "ter:NotAuthorized"]
    adjusted = await soap(http, cam, "tds", "GetDeviceInformation", skew_s=600)
    assert adjusted.status == 200
    clock = await soap(http, cam, "tds", "GetSystemDateAndTime", user=None)  # PRE_AUTH
    assert clock.status == 200 and clock.text(".//tt:DateTimeType") == "Manual"


async def test_http_digest_good_bad_and_ws_token_refused(demo, http) -> None:
    cam = demo.camera("bank-vault")  # HTTP Digest only
    bare = await soap(http, cam, "tds", "GetDeviceInformation")  # WS-UsernameToken is not accepted here
    assert bare.status == 401
    params = parse_digest_header(bare.headers["WWW-Authenticate"])
    assert params["qop"] == "auth" and params["algorithm"] == "MD5" and params["realm"] == "ONVIF"
    async with aiohttp.ClientSession(middlewares=(DigestAuthMiddleware("auditor", "demo-pass"),)) as digest:
        good = await soap(digest, cam, "tds", "GetDeviceInformation", user=None)
        assert good.status == 200 and good.text(".//tds:FirmwareVersion") == "5.1.9"
    async with aiohttp.ClientSession(middlewares=(DigestAuthMiddleware("auditor", "nope"),)) as digest:
        bad = await soap(digest, cam, "tds", "GetDeviceInformation", user=None)
        assert bad.status == 401 and bad.fault_codes == ["env:Sender", "ter:NotAuthorized"]
    outcomes = [(r.authenticated, r.scheme) for r in cam.requests if r.operation == "tds:GetDeviceInformation"]
    assert (True, "http-digest") in outcomes and outcomes[0] == (False, None)


async def test_both_schemes_accept_either(demo, http) -> None:
    cam = demo.camera("parking-lot")
    ws = await soap(http, cam, "trt", "GetProfiles")
    assert ws.status == 200
    async with aiohttp.ClientSession(middlewares=(DigestAuthMiddleware("admin", "Park-Lot-0024!"),)) as digest:
        dg = await soap(digest, cam, "trt", "GetProfiles", user=None)
        assert dg.status == 200
    assert [r.scheme for r in cam.requests if r.authenticated] == ["ws-usernametoken", "http-digest"]


async def test_stale_and_forged_digest_nonces(demo, http) -> None:
    cam = demo.camera("bank-vault")
    forged = ('Digest username="auditor", realm="ONVIF", nonce="Zm9yZ2Vk", uri="/onvif/device_service", '
              'qop=auth, nc=00000001, cnonce="abc", response="0123456789abcdef0123456789abcdef"')
    async with http.post(url(cam, "tds"), data=envelope("tds", "GetDeviceInformation"),
                         headers={"Authorization": forged}) as resp:
        assert resp.status == 401


MEDIA1_STREAM_SETUP = ("<StreamSetup><tt:Stream>RTP-Unicast</tt:Stream>"
                       "<tt:Transport><tt:Protocol>RTSP</tt:Protocol></tt:Transport></StreamSetup>")


async def test_anonymous_operations_and_pre_auth(demo, http) -> None:
    office = demo.camera("office-workplace")
    for prefix, op, args in (("tds", "GetDeviceInformation", ""), ("trt", "GetProfiles", ""),
                             ("trt", "GetStreamUri", MEDIA1_STREAM_SETUP + "<ProfileToken>Profile_1</ProfileToken>")):
        reply = await soap(http, office, prefix, op, args, user=None)
        assert reply.status == 200, op
    denied = await soap(http, office, "trt", "GetVideoEncoderConfigurations", user=None)
    assert denied.status == 401  # digest camera: a challenge
    strict = demo.camera("parking-lot")
    for op in ("GetServices", "GetCapabilities", "GetHostname", "GetSystemDateAndTime", "GetWsdlUrl",
               "GetEndpointReference", "GetServiceCapabilities"):
        assert (await soap(http, strict, "tds", op, user=None)).status == 200, op
    assert (await soap(http, strict, "tds", "GetDeviceInformation", user=None)).status == 401
    assert (await soap(http, strict, "tds", "GetScopes", user=None)).status == 401


async def test_user_levels(demo, http) -> None:
    lobby = demo.camera("hotel-lobby")
    operator = await soap(http, lobby, "tds", "GetUsers", user="operator", password="Night-Desk-77")
    assert operator.status == 400 and operator.fault_codes == ["env:Sender", "ter:NotAuthorized"]
    allowed = await soap(http, lobby, "trt", "GetProfiles", user="operator", password="Night-Desk-77")
    assert allowed.status == 200
    admin = await soap(http, lobby, "tds", "GetUsers")
    assert sorted((u.findtext("tt:Username", namespaces={"tt": "http://www.onvif.org/ver10/schema"}))
                  for u in admin.findall(".//tds:User")) == ["admin", "auditor", "operator"]
    assert b"Night-Desk-77" not in admin.body  # passwords are never returned


async def test_digest_uri_must_match_the_request(demo, http) -> None:
    """A Digest response computed for another URI is refused (RFC 7616 section 3.4.6)."""
    import hashlib

    from lab.auth import new_nonce

    cam = demo.camera("bank-vault")
    nonce = new_nonce(cam.spec.name)

    def header(uri: str) -> str:
        ha1 = hashlib.md5(b"auditor:ONVIF:demo-pass").hexdigest()
        ha2 = hashlib.md5(f"POST:{uri}".encode()).hexdigest()
        resp = hashlib.md5(f"{ha1}:{nonce}:00000001:c0ffee:auth:{ha2}".encode()).hexdigest()
        return (f'Digest username="auditor", realm="ONVIF", nonce="{nonce}", uri="{uri}", qop=auth, '
                f'nc=00000001, cnonce="c0ffee", response="{resp}", algorithm=MD5')

    for uri, status in (("/onvif/device_service", 200), ("/onvif/media_service", 401)):
        async with http.post(url(cam, "tds"), data=envelope("tds", "GetDeviceInformation"),
                             headers={"Authorization": header(uri)}) as resp:
            assert resp.status == status, uri
