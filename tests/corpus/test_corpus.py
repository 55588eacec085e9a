"""Every archive in tests/corpus/ is served by `lab.replay`, read, and must give the facts stored beside it.

A capture from a bug report becomes a regression test by adding its directory (capture.json from
`camaudit capture`, facts.json from `tests/corpus/regenerate.py --facts-only`, reviewed by hand).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lab.replay import run_replay
from probes.discovery.model import DiscoveredDevice
from probes.onvif import OnvifReader
from probes.onvif.capture import load_archive
from probes.onvif.capture.compare import fact_sheet

CORPUS = Path(__file__).parent
ARCHIVES = sorted(CORPUS.glob("*/capture.json"))
USER, PASSWORD = "auditor", "demo-pass"  # any credentials do: the replay checks none


def test_the_corpus_is_there() -> None:
    assert len(ARCHIVES) >= 14
    for archive in ARCHIVES:
        assert (archive.parent / "facts.json").is_file(), f"{archive.parent.name}: facts.json missing"
        assert load_archive(archive).credentials == "removed"


@pytest.mark.asyncio
@pytest.mark.parametrize("archive", ARCHIVES, ids=[a.parent.name for a in ARCHIVES])
async def test_replayed_device_reads_as_expected(archive: Path) -> None:
    expected = json.loads((archive.parent / "facts.json").read_text())
    async with (run_replay(archive, host="127.0.30.1") as replay,
                OnvifReader(username=USER, password=PASSWORD) as reader):
        facts = await reader.read(DiscoveredDevice(addresses=[replay.address], xaddrs=[replay.xaddr]))
    sheet = fact_sheet(facts, ports=replay.captured_ports)
    assert sheet == expected, sorted(k for k in set(sheet) | set(expected) if sheet.get(k) != expected.get(k))
