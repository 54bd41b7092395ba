"""OpenAI transcription and speech through the real SDK against a loopback fake."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import numpy as np
import pytest

from bot.speech.audio import decode_audio, encode_wav, probe_audio
from bot.speech.errors import SynthesisError, TranscriptionError
from bot.speech.pipeline import transcribe_file
from bot.speech.stt import OpenAITranscriber, SpeechToText
from bot.speech.tts import EspeakTTS, FallbackTTS, OpenAITTS, TextToSpeech

from .openai_fake import FakeOpenAIAudio

log = logging.getLogger(__name__)

WORDS = [
    ("So,", 0.0, 0.4),
    ("we", 0.5, 0.7),
    ("sharded", 0.7, 1.2),
    ("by", 1.2, 1.4),
    ("tenant.", 1.4, 1.9),
    ("It", 4.0, 4.2),
    ("worked.", 4.2, 4.8),
]


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenAIAudio]:
    """Yield a running fake with canned words."""
    server = FakeOpenAIAudio(
        words=list(WORDS),
        segments=[("So, we sharded by tenant.", 0.0, 2.0), ("It worked.", 3.9, 5.0)],
    )
    await server.start()
    try:
        yield server
    finally:
        await server.close()


def _tone(seconds: float) -> np.ndarray:
    """Return a 16 kHz test signal with sound in it."""
    t = np.arange(int(16_000 * seconds)) / 16_000
    return (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)


async def test_whisper_1_words_and_request_shape(fake: FakeOpenAIAudio) -> None:
    stt = OpenAITranscriber(api_key="test", base_url=fake.base_url, max_retries=0)
    assert isinstance(stt, SpeechToText)
    transcript = await stt.transcribe(_tone(5.0), "en")
    assert transcript.text == "So, we sharded by tenant. It worked."
    assert [w.text for w in transcript.words] == [w for w, _, _ in WORDS]
    assert transcript.words[2].start_ms == 700
    assert transcript.language == "en"
    assert transcript.duration_ms == 5000

    request = fake.requests[-1]
    assert request.path == "/v1/audio/transcriptions"
    assert request.fields["model"] == ["whisper-1"]
    assert request.fields["response_format"] == ["verbose_json"]
    assert request.fields["language"] == ["en"]
    granularities = request.fields.get("timestamp_granularities[]") or request.fields.get(
        "timestamp_granularities", []
    )
    assert "word" in granularities
    assert request.upload is not None
    assert probe_audio(request.upload).codec == "opus"
    assert abs(decode_audio(request.upload).size / 16_000 - 5.0) < 0.1


async def test_transcript_feeds_delivery(fake: FakeOpenAIAudio) -> None:
    stt = OpenAITranscriber(api_key="test", base_url=fake.base_url, max_retries=0)
    _, report = await transcribe_file(encode_wav(_tone(5.0), 16_000), stt, "en")
    assert [(p.after, p.before) for p in report.pauses] == [("tenant", "it")]
    assert report.pauses[0].long is False
    assert [f.text for f in report.fillers] == ["so"]


async def test_phantom_from_the_service_is_dropped(fake: FakeOpenAIAudio) -> None:
    fake.words = [("Thank", 0.2, 0.6), ("you.", 0.6, 0.9)]
    fake.segments = [("Thank you.", 0.0, 1.0)]
    stt = OpenAITranscriber(api_key="test", base_url=fake.base_url, max_retries=0)
    transcript = await stt.transcribe(np.zeros(16_000 * 2, np.float32), None)
    assert transcript.empty
    assert transcript.words == ()


async def test_gpt_4o_transcribe_returns_text_without_words(fake: FakeOpenAIAudio) -> None:
    stt = OpenAITranscriber(
        api_key="test", base_url=fake.base_url, model="gpt-4o-transcribe", max_retries=0
    )
    transcript = await stt.transcribe(_tone(5.0), "en")
    assert transcript.text == "So, we sharded by tenant. It worked."
    assert transcript.words == ()
    assert fake.requests[-1].fields["response_format"] == ["json"]
    assert "timestamp_granularities[]" not in fake.requests[-1].fields


async def test_service_error_is_a_transcription_error(fake: FakeOpenAIAudio) -> None:
    fake.fail_status = 500
    stt = OpenAITranscriber(api_key="test", base_url=fake.base_url, max_retries=0)
    with pytest.raises(TranscriptionError) as caught:
        await stt.transcribe(_tone(1.0), "en")
    assert "try again" in caught.value.user_message


async def test_openai_speech_returns_ogg(fake: FakeOpenAIAudio) -> None:
    tts = OpenAITTS(api_key="test", base_url=fake.base_url, max_retries=0)
    assert isinstance(tts, TextToSpeech)
    audio = await tts.synthesize("Describe your last project.", "en")
    assert (audio.engine, audio.voice) == ("openai", "alloy")
    assert probe_audio(audio.ogg_opus).codec == "opus"
    assert audio.duration_ms == pytest.approx(0.08 * 27 * 1000, abs=40)
    body = fake.requests[-1].json
    assert body is not None
    assert body["response_format"] == "opus"
    assert body["input"] == "Describe your last project."
    assert body["model"] == "gpt-4o-mini-tts"


async def test_openai_speech_failure_falls_back(fake: FakeOpenAIAudio) -> None:
    fake.fail_status = 503
    tts = OpenAITTS(api_key="test", base_url=fake.base_url, max_retries=0)
    with pytest.raises(SynthesisError):
        await tts.synthesize("Hello.")
    chain = FallbackTTS([tts, EspeakTTS()])
    assert (await chain.synthesize("Hello.")).engine == "espeak-ng"


async def test_unreachable_service_is_a_transcription_error() -> None:
    stt = OpenAITranscriber(api_key="test", base_url="http://127.0.0.1:9/v1", max_retries=0)
    with pytest.raises(TranscriptionError):
        await stt.transcribe(_tone(1.0), "en")
