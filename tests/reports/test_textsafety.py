"""C1 controls, bidi and zero-width characters in device strings: every machine format keeps the value but never
the raw character (JSON formats escape it, CSV neutralises it); see reports/textsafety.py for the policy."""

from __future__ import annotations

import csv
import json
import re

import pytest

from reports.csvout import write_csv
from reports.jsonout import load_scan, write_json, write_jsonl
from reports.mqtt import MqttConfig, MqttFormat
from reports.mqtt.messages import result_messages
from reports.ocsf import write_ocsf
from reports.textsafety import UNSAFE, cell_text, json_escape, json_escape_bytes
from tests.reports.factory import make_scan

# RLO, LRI..PDI, 8-bit CSI, zero-width space, NEL, DEL, ALM, BOM: each reorders, hides or controls a terminal
HOSTILE = "cam\u202eevil\u2066x\u2069\x9b31m\u200bz\x85end\x7f\u061c\ufeff"
RAW = re.compile(f"[{UNSAFE}]")


@pytest.fixture
def scan():
    result = make_scan(3, seed=7)
    finding = result.findings[0]
    result.findings[0] = finding.model_copy(update={"device_name": HOSTILE, "message": f"model {HOSTILE}"})
    result.declared_names[finding.device_id] = HOSTILE
    return result

def _contains(value: object) -> bool:
    return HOSTILE in json.dumps(value, ensure_ascii=False)

def test_the_scan_document_keeps_the_value_and_escapes_the_characters(scan, tmp_path):
    path = tmp_path / "scan.json"
    write_json(scan, path)
    text = path.read_text(encoding="utf-8")
    assert not RAW.search(text) and "\\u202e" in text and "\\u009b" in text
    assert load_scan(path).findings[0].device_name == HOSTILE


@pytest.mark.parametrize("writer", [write_jsonl, write_ocsf], ids=["jsonl", "ocsf"])
def test_json_lines_formats_keep_the_value_and_escape_the_characters(scan, tmp_path, writer):
    path = tmp_path / "out.jsonl"
    writer(scan, path)
    text = path.read_text(encoding="utf-8")
    assert not RAW.search(text)
    records = [json.loads(line) for line in text.split("\n") if line]
    assert any(_contains(r) for r in records)


@pytest.mark.parametrize("fmt", list(MqttFormat))
def test_mqtt_payloads_keep_the_value_and_escape_the_characters(scan, tmp_path, fmt):
    config = MqttConfig(host="127.0.0.1", format=fmt, send_all=True, outbox=tmp_path / "o.sqlite")
    messages = result_messages(scan, config, "scanner-1")
    for m in messages:
        assert not RAW.search(m.payload.decode("utf-8")), m.topic
    assert any(_contains(json.loads(m.payload)) for m in messages)

def test_csv_neutralises_the_characters(scan, tmp_path):
    path = tmp_path / "out.csv"
    write_csv(scan, path)
    text = path.read_text(encoding="utf-8-sig")
    assert not RAW.search(text)
    cells = [c for row in csv.reader(text.splitlines()) for c in row]
    assert cell_text(HOSTILE) in cells and "\ufffd" in cell_text(HOSTILE)

def test_the_helpers_agree_on_one_character_class():
    escaped = json_escape(json.dumps(HOSTILE, ensure_ascii=False))
    assert json.loads(escaped) == HOSTILE and not RAW.search(escaped)
    as_bytes = json_escape_bytes(json.dumps(HOSTILE, ensure_ascii=False).encode())
    assert as_bytes.decode() == escaped
    plain = '{"a":"caf\u00e9 \u4e2d"}'  # ordinary non-ASCII text is not touched
    assert json_escape(plain) == plain and cell_text("caf\u00e9\tok\n") == "caf\u00e9\tok\n"
    assert cell_text("a\x00b\x1bc") == "a\ufffdb\ufffdc"
