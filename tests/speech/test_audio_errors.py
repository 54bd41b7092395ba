"""Audio a decoder cannot read and paths that are not files: clear errors, never a crash."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import numpy as np
import pytest

from bot.catalog import Language
from bot.cli.transcribe import transcribe
from bot.config import Settings
from bot.speech.audio import decode_audio, encode_wav, probe_audio, read_audio_input
from bot.speech.errors import AudioError, NotAudioError
from bot.speech.pipeline import transcribe_file
from tests.fakes.speech_to_text import ScriptedSpeechToText

log = logging.getLogger(__name__)


def wav_with_format_tag(tag: int) -> bytes:
    """Return one second of silence as a WAV whose format tag is ``tag``."""
    wav = bytearray(encode_wav(np.zeros(16_000, dtype=np.float32), 16_000))
    wav[20:22] = tag.to_bytes(2, "little")
    return bytes(wav)


@pytest.mark.parametrize("tag", [0x1234, 0x7777])
def test_a_wav_with_an_unknown_format_tag_is_unsupported_not_a_crash(tag: int) -> None:
    data = wav_with_format_tag(tag)
    for read in (decode_audio, probe_audio):
        with pytest.raises(AudioError) as caught:
            read(data)
        assert caught.value.key == "speech.unsupported"
        assert "can't decode" in caught.value.user_message
        assert "디코딩할 수 없는" in caught.value.message_in(Language.KO)


def test_a_pcm_wav_still_decodes() -> None:
    assert decode_audio(wav_with_format_tag(1)).size == 16_000


def test_a_directory_is_not_an_audio_file(tmp_path: Path) -> None:
    with pytest.raises(NotAudioError) as caught:
        read_audio_input(tmp_path)
    assert caught.value.key == "speech.cannot_open"
    assert caught.value.detail is not None and "directory" in caught.value.detail


async def test_the_pipeline_refuses_a_directory_before_any_recognition(tmp_path: Path) -> None:
    stt = ScriptedSpeechToText("never heard")
    with pytest.raises(NotAudioError):
        await transcribe_file(tmp_path, stt)
    assert not stt.calls


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("missing.wav", "There is no file at {path}."),
        ("folder", "{path} is a folder; give the path of an audio file."),
        ("odd.wav", "{path}: That recording uses an audio encoding I can't decode."),
        ("notes.wav", "{path}: That file doesn't look like audio: use an ogg/opus"),
    ],
)
async def test_transcribe_names_the_file_and_never_shows_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, expected: str
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "folder").mkdir()
    (tmp_path / "odd.wav").write_bytes(wav_with_format_tag(0x1234))
    (tmp_path / "notes.wav").write_text("not audio")
    out, err = io.StringIO(), io.StringIO()
    code = await transcribe(
        f"~/{name}", Language.EN, False, Settings(env_file=None), out=out, err=err
    )
    assert code == 1 and out.getvalue() == ""
    assert expected.format(path=tmp_path / name) in err.getvalue()
    assert "voice message" not in err.getvalue()
