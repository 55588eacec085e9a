"""What the media profiles' reply says of the configurations inside it (sans I/O): the audio encoders the
reader takes from trt:/tr2:GetProfiles instead of asking GetAudioEncoderConfigurations."""

from __future__ import annotations

from probes.factvalues.media import AudioEncoder
from probes.onvif import _parsers as P
from probes.onvif._ns import Service
from probes.onvif._soap import interpret

ENVELOPE = ('<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
            'xmlns:tt="http://www.onvif.org/ver10/schema" xmlns:tr2="http://www.onvif.org/ver20/media/wsdl" xmlns:trt="http://www.onvif.org/ver10/media/wsdl">'
            "<s:Body>{}</s:Body></s:Envelope>")


def media2(*profiles: tuple[str, str | None]) -> bytes:
    """tr2:GetProfilesResponse; each profile (token, its audio encoder XML or None)."""
    body = "".join(f'<tr2:Profiles token="{token}" fixed="true"><tr2:Name>{token}</tr2:Name><tr2:Configurations>'
                   f'<tr2:VideoEncoder token="V_{token}"><tt:Name>v</tt:Name><tt:Encoding>H264</tt:Encoding>'
                   f"</tr2:VideoEncoder>{audio or ''}</tr2:Configurations></tr2:Profiles>"
                   for token, audio in profiles)
    return ENVELOPE.format(f"<tr2:GetProfilesResponse>{body}</tr2:GetProfilesResponse>").encode()


def aec2(token: str, encoding: str | None) -> str:
    inner = f"<tt:Encoding>{encoding}</tt:Encoding>" if encoding is not None else ""
    return (f'<tr2:AudioEncoder token="{token}"><tt:Name>a</tt:Name><tt:UseCount>1</tt:UseCount>{inner}'
            "</tr2:AudioEncoder>")


def read_media2(raw: bytes) -> list[AudioEncoder] | None:
    el = interpret("tr2:GetProfiles", 200, raw)
    return P.profile_audio_encoders(el, Service.MEDIA2.namespace, P.media2_profiles(el))


def test_media2_audio_encoders_each_once_with_the_profiles_using_them() -> None:
    raw = media2(("Main", aec2("A1", "PCMU")), ("Sub", aec2("A1", "PCMU")), ("Third", aec2("A2", "MP4A-LATM")),
                 ("Mute", None))
    assert read_media2(raw) == [AudioEncoder(token="A1", encoding="PCMU", profiles=("Main", "Sub")),
                                AudioEncoder(token="A2", encoding="MP4A-LATM", profiles=("Third",))]


def test_no_profile_with_audio_is_an_empty_list() -> None:
    assert read_media2(media2(("Main", None), ("Sub", None))) == []


def test_a_configuration_named_without_its_settings_leaves_the_question_to_the_list_call() -> None:
    # firmware that names the configuration but leaves out its Encoding: only GetAudioEncoderConfigurations can say
    assert read_media2(media2(("Main", aec2("A1", None)))) is None
    assert read_media2(media2(("Main", aec2("A1", "")))) is None
    assert read_media2(media2(("Main", '<tr2:AudioEncoder><tt:Encoding>PCMU</tt:Encoding></tr2:AudioEncoder>'))) is None


def test_media1_profiles_carry_their_audio_encoder_configuration() -> None:
    body = ('<trt:GetProfilesResponse><trt:Profiles token="Profile_1" fixed="true"><tt:Name>main</tt:Name>'
            '<tt:AudioEncoderConfiguration token="AEC_1"><tt:Name>a</tt:Name><tt:UseCount>2</tt:UseCount>'
            "<tt:Encoding>G711</tt:Encoding><tt:Bitrate>64</tt:Bitrate><tt:SampleRate>8</tt:SampleRate>"
            '</tt:AudioEncoderConfiguration></trt:Profiles><trt:Profiles token="Profile_2"><tt:Name>sub</tt:Name>'
            "</trt:Profiles></trt:GetProfilesResponse>")
    el = interpret("trt:GetProfiles", 200, ENVELOPE.format(body).encode())
    assert P.profile_audio_encoders(el, Service.MEDIA.namespace, P.media1_profiles(el)) == [
        AudioEncoder(token="AEC_1", encoding="G711", profiles=("Profile_1",))]
