"""Request envelopes: nested parameters in their WSDL namespaces, device-bound text escaped, names never
escaped into shape (a bad name is a programming error before any byte is sent)."""

from __future__ import annotations

import pytest
from lxml import etree

from probes.errors import ProgrammingError
from probes.onvif._ns import TT, Service
from probes.onvif._soap import MalformedRequest, build_envelope

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
