"""The check context: unread facts are unknown; only an absence the reader proved reads as absent."""

from __future__ import annotations

import pytest

from probes.facts import ABSENCE_PREFIX, Fact, FactStatus
from profiles.findings import Result as R
from tests.profiles.factbook import camera, failed, judge

THERMAL_NS = {"namespace": "http://www.onvif.org/ver10/thermal/wsdl", "xaddr": "http://x/thermal", "version": "1"}
DEVICE_NS = {"namespace": "http://www.onvif.org/ver10/device/wsdl", "xaddr": "http://x/device", "version": "2"}


PROVEN = Fact(status=FactStatus.OK, value=False, source=ABSENCE_PREFIX + "tds:GetServices",
              reason="absent: tds:GetServices lists no thermal service")


@pytest.mark.parametrize(("radiometry", "services", "result", "text"), [
    (PROVEN, [DEVICE_NS], R.NOT_APPLICABLE, "not a radiometric"),
    # an unsupported fact is unknown even where GetServices lacks the service: only the reader, with every
    # source in hand, may call a feature absent (issue 14: one refused operation is not absence)
    (failed("thermal.radiometry", FactStatus.UNSUPPORTED, "no tth"), [DEVICE_NS], R.UNKNOWN, "is unsupported"),
    (failed("thermal.radiometry", FactStatus.UNSUPPORTED, "op missing"), [DEVICE_NS, THERMAL_NS], R.UNKNOWN,
     "fact `thermal.radiometry` is unsupported"),
    (failed("thermal.radiometry", FactStatus.UNSUPPORTED, "no tth"), failed("services"), R.UNKNOWN,
     "is unsupported"),
    (failed("thermal.radiometry", FactStatus.ERROR, "timed out"), [DEVICE_NS], R.UNKNOWN, "is error"),
    (failed("thermal.radiometry", FactStatus.DENIED, "401"), [DEVICE_NS], R.UNKNOWN, "is denied"),
])
def test_only_a_proven_absence_reads_as_absent(radiometry, services, result, text) -> None:
    device = camera(facts={"thermal.radiometry": radiometry, "services": services})
    outcome = judge("thermal_scope", device)
    assert outcome.result is result, outcome.message
    assert text in outcome.message
    if result is R.NOT_APPLICABLE:
        [ev] = [e for e in outcome.evidence if e.key == "thermal.radiometry"]
        assert (ev.status, ev.value, ev.source) == ("absent", False, ABSENCE_PREFIX + "tds:GetServices")


def test_absent_service_never_covers_facts_outside_the_list() -> None:
    device = camera(facts={"network.gateway": failed("network.gateway", FactStatus.UNSUPPORTED, "no op"),
                           "services": [DEVICE_NS]})
    outcome = judge("threat_measures", device, measures=["network_separation"])
    assert outcome.result is R.UNKNOWN and "fact `network.gateway` is unsupported" in outcome.message
