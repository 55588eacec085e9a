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
    # what the RTSP probe saw: sound in the stream is audio, whatever the profiles say
    ("audio_justified", {"media.audio_streamed": True}, {}, {}, R.FAIL,
     "sound in the RTSP stream (SDP audio section), but no `audio` justification"),
    ("audio_justified", {"media.audio_streamed": True, "media.audio_in_profiles": failed("media.audio_in_profiles")},
     {}, {}, R.FAIL, "sound in the RTSP stream"),
    ("audio_justified", {}, {}, {}, R.PASS, "no stream carries sound (RTSP SDP)"),
    ("audio_justified", {"media.audio_streamed": failed("media.audio_streamed", "denied", "401")}, {}, {}, R.PASS,
     "no media profile carries audio"),
    ("audio_consistent", {}, None, {}, R.PASS, "audio configuration and streams agree for 1 profile(s)"),
    ("audio_consistent", {"rtsp.audio_matches_profiles": [{"profile": "P1", "configured": False, "streamed": True}]},
     None, {}, R.FAIL, "profile P1 streams sound although no audio encoder is configured"),
    ("audio_consistent", {"rtsp.audio_matches_profiles": [{"profile": "P1", "configured": True, "streamed": False}]},
     None, {}, R.FAIL, "profile P1 has an audio encoder but its stream carries no sound"),
    ("audio_consistent", {"rtsp.audio_matches_profiles": failed("rtsp.audio_matches_profiles", "unsupported",
                                                                "no RTSP server answers")},
     None, {}, R.NOT_APPLICABLE, "no stream to compare"),
    ("audio_consistent", {"rtsp.audio_matches_profiles": failed("rtsp.audio_matches_profiles", "denied", "401")},
     None, {}, R.UNKNOWN, "rtsp.audio_matches_profiles"),
]


@pytest.mark.parametrize(("check_id", "facts", "fields", "params", "result", "text"), CASES)
def test_audio_checks(check_id, facts, fields, params, result, text) -> None:
    run_case(check_id, facts, fields, params, result, text)
