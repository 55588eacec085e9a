"""Reconnect delays grow exponentially, are capped, and are jittered so scanners do not reconnect in step."""

from __future__ import annotations

from reports.mqtt.publisher import BACKOFF_BASE, BACKOFF_CAP, backoff_delay


def test_backoff_grows_is_capped_and_jittered():
    for attempt in range(20):
        d = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** attempt)
        samples = [backoff_delay(attempt) for _ in range(50)]
        assert all(d / 2 <= s <= d for s in samples)
        assert len(set(samples)) > 1
    assert max(backoff_delay(100) for _ in range(50)) <= BACKOFF_CAP
