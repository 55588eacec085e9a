"""Topic segments: safe to publish and subscribe with, reversible, readable for ordinary ids."""

from __future__ import annotations

import pytest

from reports.mqtt import Topics, segment, unsegment

HOSTILE = ["uuid:5f0c2a7e-0000-4000-8000-000000000001", "addr:198.51.100.7:80", "mac:00:40:8c:aa:bb:cc",
           "a/b", "+", "#", "x/+/#", "$SYS", "100%", "%2F", "nul\x00byte", "tab\tand\nnewline", "\x7f\x85",
           "caméra Ž", "lone\udc80surrogate", "", "_", "site", "CZ-RET-1", " spaced "]


@pytest.mark.parametrize("value", HOSTILE)
def test_segment_is_safe_and_reversible(value):
    seg = segment(value)
    assert seg and not any(c in seg for c in "/+#\x00")
    assert not seg.startswith("$")
    assert all(ord(c) >= 0x20 and not 0x7F <= ord(c) <= 0x9F for c in seg)
    assert unsegment(seg) == value
    seg.encode("utf-8")  # valid UTF-8 on the wire


def test_ordinary_ids_stay_readable():
    for value in ("uuid:5f0c2a7e-0000-4000-8000-000000000001", "CZ-RET-1", "addr:198.51.100.7:80", "site"):
        assert segment(value) == value


def test_distinct_ids_give_distinct_segments():
    assert len({segment(v) for v in HOSTILE}) == len(HOSTILE)


def test_topic_layout():
    t = Topics("org/cams", "hq/north")
    assert t.status("scan-host") == "org/cams/v1/hq%2Fnorth/scanner/scan-host/status"
    assert t.scan("s1") == "org/cams/v1/hq%2Fnorth/scan/s1"
    assert t.finding("uuid:1", "GR+1") == "org/cams/v1/hq%2Fnorth/finding/uuid:1/GR%2B1"
    assert t.state("mac:aa") == "org/cams/v1/hq%2Fnorth/state/mac:aa"
