"""Request envelopes: nested parameters in their WSDL namespaces, device-bound text escaped, names never
escaped into shape (a bad name is a programming error before any byte is sent)."""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import UTC, datetime, timedelta, timezone

import pytest
from lxml import etree

from probes.errors import ProgrammingError
from probes.onvif._ns import TT, Service
from probes.onvif._soap import Dialect, MalformedRequest, UsernameToken, build_envelope, created_text, redact

TRT = Service.MEDIA.namespace
SETUP = (("StreamSetup", (("tt:Stream", "RTP-Unicast"), ("tt:Transport", (("tt:Protocol", "RTSP"),)))),
         ("ProfileToken", "P1"))


def _operation(envelope: bytes) -> etree._Element:
    root = etree.fromstring(envelope, etree.XMLParser(resolve_entities=False, no_network=True))
    body = root[0]
    return body[0]


def test_nested_parameters_are_namespaced_as_the_wsdl_has_them() -> None:
    op = _operation(build_envelope("trt:GetStreamUri", SETUP))
    assert op.tag == f"{{{TRT}}}GetStreamUri"
    setup, token = list(op)
    assert setup.tag == f"{{{TRT}}}StreamSetup" and token.tag == f"{{{TRT}}}ProfileToken" and token.text == "P1"
    stream, transport = list(setup)
    assert (stream.tag, stream.text) == (f"{{{TT}}}Stream", "RTP-Unicast")
    assert transport.tag == f"{{{TT}}}Transport"
    assert [(p.tag, p.text) for p in transport] == [(f"{{{TT}}}Protocol", "RTSP")]


def test_flat_requests_are_unchanged_and_declare_no_schema_namespace() -> None:
    raw = build_envelope("tr2:GetStreamUri", (("Protocol", "RtspUnicast"), ("ProfileToken", "P1")))
    assert b"xmlns:tt=" not in raw
    assert (b"<tr2:GetStreamUri xmlns:tr2=\"http://www.onvif.org/ver20/media/wsdl\"><tr2:Protocol>RtspUnicast"
            b"</tr2:Protocol><tr2:ProfileToken>P1</tr2:ProfileToken></tr2:GetStreamUri>") in raw


def test_device_strings_in_nested_values_stay_text() -> None:
    hostile = '</tt:Stream><tds:SystemReboot/>&"x'
    op = _operation(build_envelope("trt:GetStreamUri", (("StreamSetup", (("tt:Stream", hostile),)),
                                                          ("ProfileToken", "<a>&amp;"))))
    setup, token = list(op)
    assert [(c.tag, c.text) for c in setup] == [(f"{{{TT}}}Stream", hostile)]
    assert token.text == "<a>&amp;" and len(op) == 2 and not list(token)


@pytest.mark.parametrize("name", ["Stream Setup", "<x>", "tds:Stream", "tt:", "", "1Stream", "a" * 65,
                                  'Stream xmlns:tt="urn:evil"'])
def test_a_bad_parameter_name_is_refused_before_sending(name: str) -> None:
    with pytest.raises(MalformedRequest):
        build_envelope("trt:GetStreamUri", (("StreamSetup", ((name, "x"),)),))
    with pytest.raises(MalformedRequest):
        build_envelope("trt:GetStreamUri", ((name, "x"),))


def test_nesting_is_bounded() -> None:
    deep: tuple[tuple[str, object], ...] = (("tt:Leaf", "x"),)
    for _ in range(4):
        deep = (("tt:Level", deep),)
    with pytest.raises(MalformedRequest, match="nest deeper"):
        build_envelope("trt:GetStreamUri", deep)  # type: ignore[arg-type]
    assert issubclass(MalformedRequest, ProgrammingError)


def _header_parts(header: str) -> tuple[str, str, str]:
    def field(name: str) -> str:
        found = re.search(rf"<{name}[^>]*>([^<]+)<", header)
        assert found is not None
        return found.group(1)
    return field("wsse:Nonce"), field("wsu:Created"), field("wsse:Password")


def test_the_prebuilt_envelope_carries_a_fresh_token_on_every_request() -> None:
    """The envelope around the Security header is built once per operation; the nonce, Created and
    digest inside it are new for every request (a replayed nonce is refused by cameras)."""
    token = UsernameToken("auditor", "pw")
    sent = []
    for seconds in (0, 1):
        header = token.header(created=datetime(2026, 3, 1, 12, 0, seconds, 250_000, tzinfo=UTC))
        sent.append((header, build_envelope("tds:GetUsers", (), header)))
    (h1, e1), (h2, e2) = sent
    (n1, c1, d1), (n2, c2, d2) = _header_parts(h1), _header_parts(h2)
    assert n1 != n2 and d1 != d2
    assert (c1, c2) == ("2026-03-01T12:00:00.250Z", "2026-03-01T12:00:01.250Z")
    assert e1.replace(h1.encode(), b"") == e2.replace(h2.encode(), b"")  # the same envelope around each
    nonce, created, digest = _header_parts(h1)
    want = base64.b64encode(hashlib.sha1(base64.b64decode(nonce) + created.encode() + b"pw").digest()).decode()
    assert digest == want
    header_el, body = etree.fromstring(e1)
    assert body[0].tag == f"{{{Service.DEVICE.namespace}}}GetUsers"
    security = header_el[0]
    assert security.get("{http://www.w3.org/2003/05/soap-envelope}mustUnderstand") == "1"


def test_created_follows_the_device_clock_offset_in_utc() -> None:
    local = datetime(2026, 3, 1, 13, 0, 0, 999_999, tzinfo=timezone(timedelta(hours=1)))  # 12:00:00.999 UTC
    header = UsernameToken("auditor", "pw").header(-90.0, created=local)
    assert _header_parts(header)[1] == "2026-03-01T11:58:30.999Z"
    assert created_text(datetime(2026, 3, 1, 12, 0, 0)) == "2026-03-01T12:00:00.000Z"  # naive: taken as UTC


def test_a_cached_envelope_is_the_same_request_in_every_dialect_and_with_lists() -> None:
    params = [("ProfileToken", "P<1>")]
    as_list = build_envelope("trt:GetVideoEncoderConfigurations", params)  # type: ignore[arg-type]
    as_tuple = build_envelope("trt:GetVideoEncoderConfigurations", tuple(params))
    assert as_list == as_tuple and b"<trt:ProfileToken>P&lt;1&gt;</trt:ProfileToken>" in as_tuple
    soap11 = build_envelope("trt:GetVideoEncoderConfigurations", tuple(params), None, Dialect(soap11=True))
    assert b'xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"' in soap11 and soap11 != as_tuple
    with pytest.raises(ProgrammingError):  # the allowlist is checked on every call, not once per cache entry
        build_envelope("tds:SystemReboot")


def test_redaction_blanks_secret_elements_only() -> None:
    raw = (b"<s:Body><tt:Token>P1</tt:Token><tt:Password>hunter2</tt:Password><Key/>"
           b"<tt:KeyFrame>2</tt:KeyFrame><tt:ProfileToken>x</tt:ProfileToken></s:Body>")
    assert redact(raw) == raw.replace(b"P1", b"***").replace(b"hunter2", b"***")
    plain = b"<s:Body><tt:Name>cam</tt:Name></s:Body>"
    assert redact(plain) is plain


@pytest.mark.parametrize("name", [b"PASSWORD", b"PassPhrase", b"sEcReT", b"KEY", b"token", b"x-y.z:Password"])
def test_redaction_finds_secret_names_in_any_case(name: bytes) -> None:
    """The cheap pre-check scans a lowered copy: a device's capitalisation must not let a secret through."""
    raw = b"<s:Body><" + name + b' a="1">hunter2</' + name + b"></s:Body>"
    assert b"hunter2" not in redact(raw) and b"***" in redact(raw)
