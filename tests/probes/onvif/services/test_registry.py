"""The reader registry: every ONVIF fact has exactly one reader, and the sheet refuses a fact from another."""

from __future__ import annotations

import pytest

from probes.facts import FactStatus
from probes.onvif import ONVIF_FACTS
from probes.onvif.services._current import current_keys
from probes.onvif.services._registry import BY_PHASE, READER_OF, READERS, Phase
from probes.onvif.services._sheet import Sheet


def test_every_onvif_fact_has_exactly_one_reader() -> None:
    assert sorted(READER_OF) == sorted(ONVIF_FACTS)
    assert sum(len(r.keys) for r in READERS) == len(ONVIF_FACTS)  # no key in two readers
    assert len({r.name for r in READERS}) == len(READERS)


def test_phases_keep_the_order_that_protects_accounts() -> None:
    names = [[r.name for r in readers] for readers in BY_PHASE]
    assert names[:3] == [["clock", "services"], ["anonymous"], ["identity"]]  # no credentials before the login
    assert names[-2:] == [["tls"], ["auth"]]
    assert READER_OF["network.protocols"].phase < READER_OF["tls.versions"].phase  # tls needs the HTTPS port
    assert READER_OF["auth.schemes"].phase is Phase.AUTH


def test_sheet_refuses_a_fact_its_reader_does_not_own() -> None:
    sheet = Sheet()
    token = current_keys.set(READER_OF["clock.source"].keys)
    try:
        sheet.ok("clock.source", "NTP", "tds:GetSystemDateAndTime")
        with pytest.raises(KeyError, match="users"):
            sheet.fail("users", FactStatus.ERROR, "tds:GetUsers", "not this reader's")
    finally:
        current_keys.reset(token)
    sheet.finish("x", "y")  # outside any reader: the final marking may set every fact
    assert sheet.facts["users"].status is FactStatus.NOT_PROBED
