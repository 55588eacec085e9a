"""Audio checks: CZ-AUDIO-1 and GR-AUDIO-1 (audio_justified)."""

from __future__ import annotations

import pytest

from profiles.findings import Result as R
from tests.profiles.factbook import failed, run_case

AUDIO = {"media.audio_in_profiles": ["Profile_1"]}
REASON = {"reason": "infant room, approved", "approval_ref": "HDPA-2025/17"}

CASES = [
    ("audio_justified", {}, {}, {}, R.PASS, "no media profile carries audio"),
    ("audio_justified", AUDIO, {}, {}, R.FAIL, "no `audio` justification is declared"),
    ("audio_justified", AUDIO, {"audio": {"reason": "intercom at the gate"}}, {}, R.PASS,
     "justified: intercom at the gate"),
    ("audio_justified", AUDIO, {"audio": {"reason": "intercom at the gate"}}, {"require_approval": True},
     R.UNKNOWN, "whether the authority approved it is not declared"),
    ("audio_justified", AUDIO, {"audio": {"reason": "intercom at the gate", "approval_ref": False}},
     {"require_approval": True}, R.FAIL, "declared without the authority's approval (`audio.approval_ref: false`)"),
    ("audio_justified", AUDIO, {"audio": False}, {}, R.FAIL,
     "no `audio` justification is declared (declared `audio: false`)"),
    ("audio_justified", AUDIO, {"audio": REASON}, {"require_approval": True}, R.PASS, "justified"),
    ("audio_justified", {"media.audio_in_profiles": failed("media.audio_in_profiles")}, {}, {}, R.UNKNOWN,
     "fact `media.audio_in_profiles` is error"),
]


@pytest.mark.parametrize(("check_id", "facts", "fields", "params", "result", "text"), CASES)
def test_audio_checks(check_id, facts, fields, params, result, text) -> None:
    run_case(check_id, facts, fields, params, result, text)
