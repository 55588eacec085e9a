"""probes.xmlbytes: only bytes without content are taken from around a device's XML document."""

from __future__ import annotations

import pytest

from probes.xmlbytes import without_slips

DOC = b'<?xml version="1.0" encoding="UTF-8"?><a>x</a>'


def test_a_clean_document_is_handed_back_as_it_is() -> None:
    assert without_slips(DOC) is DOC


@pytest.mark.parametrize(("raw", "expected"), [
    (b"\r\n  " + DOC, DOC),  # blanks before the declaration
    (DOC + b"\x00", DOC),  # a C string's terminator
    (DOC + b"\n\x00\x00 \r\n", DOC),  # several, with blanks around them
    (b"\n" + DOC + b"\x00", DOC),
])
def test_blanks_before_and_terminators_after_are_left_out(raw: bytes, expected: bytes) -> None:
    assert without_slips(raw) == expected


@pytest.mark.parametrize("raw", [
    DOC.replace(b"x", b"\x00") + b"\x00",  # a NUL inside: not a terminator, the parser judges it
    DOC + b"\x00<b/>",  # content after the NUL
    '<?xml version="1.0" encoding="UTF-16"?><a>x</a>'.encode("utf-16-le"),  # UTF-16 ends with a NUL byte
])
def test_nul_bytes_that_are_not_a_terminator_are_kept(raw: bytes) -> None:
    assert without_slips(raw) == raw
