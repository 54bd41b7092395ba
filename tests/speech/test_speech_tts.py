"""Speech synthesis: espeak-ng for real, fallback when edge-tts is unreachable, the cache."""

from __future__ import annotations

import base64
import logging
import shutil

import numpy as np
import pytest

from bot.speech.audio import DISCORD_FRAME_BYTES, decode_audio, encode_ogg_opus, probe_audio
from bot.speech.errors import SynthesisError
from bot.speech.tts import (
    EdgeTTS,
    EspeakTTS,
    FallbackTTS,
    SpeechAudio,
    SpeechEngine,
    TextToSpeech,
    TTSCache,
    build_tts,
)

log = logging.getLogger(__name__)

QUESTION = "Tell me about a time you disagreed with a teammate."

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng missing")


class CountingEngine:
    """An engine double that makes a short tone, or fails, and counts its calls."""

    def __init__(self, name: str, *, fail: bool = False, seconds: float = 0.5) -> None:
        self.name = name
        self.fail = fail
        self.seconds = seconds
        self.calls = 0

    def voice_for(self, language: str) -> str:
        return f"{self.name}-{language}"

    async def synthesize(self, text: str, language: str = "en") -> SpeechAudio:
        self.calls += 1
        if self.fail:
            raise SynthesisError(detail=f"{self.name} down")
        t = np.arange(int(16_000 * self.seconds)) / 16_000
        tone = (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
        ogg = encode_ogg_opus(tone, 16_000)
        return SpeechAudio(ogg, round(self.seconds * 1000), self.name, self.voice_for(language))


def test_engines_satisfy_the_ports() -> None:
    for engine in (EspeakTTS(), EdgeTTS(), CountingEngine("x")):
        assert isinstance(engine, TextToSpeech)
        assert isinstance(engine, SpeechEngine)
    assert isinstance(build_tts("espeak"), TextToSpeech)


@pytest.mark.parametrize(
    ("language", "voice", "text"),
    [("en", "en-us", QUESTION), ("ko", "ko", "갈등을 해결한 경험을 말씀해 주세요.")],
)
async def test_espeak_makes_decodable_ogg_and_voice_pcm(
    language: str, voice: str, text: str
) -> None:
    audio = await EspeakTTS().synthesize(text, language)
    assert (audio.engine, audio.voice) == ("espeak-ng", voice)
    info = probe_audio(audio.ogg_opus)
    assert (info.container, info.codec) == ("ogg", "opus")
    samples = decode_audio(audio.ogg_opus)
    assert 1000 < audio.duration_ms < 10_000
    assert abs(samples.size / 16 - audio.duration_ms) < 30
    assert float(np.abs(samples).max()) > 0.05  # real speech, not silence

    pcm = audio.pcm_48k_stereo()
    assert len(pcm) % 4 == 0
    expected = audio.duration_ms * 48 * 4  # 48 samples per ms, 2 channels, 2 bytes
    assert abs(len(pcm) - expected) <= DISCORD_FRAME_BYTES


async def test_waveform_for_voice_messages() -> None:
    audio = await EspeakTTS().synthesize("Hello.")
    raw = base64.b64decode(audio.waveform(points=32))
    assert len(raw) == 32
    assert max(raw) == 255


async def test_espeak_refuses_empty_text() -> None:
    with pytest.raises(ValueError):
        await EspeakTTS().synthesize("   ")


async def test_missing_espeak_binary_is_a_synthesis_error() -> None:
    with pytest.raises(SynthesisError):
        await EspeakTTS(binary="espeak-ng-not-installed").synthesize("Hi.")


async def test_unreachable_edge_tts_falls_back_to_espeak() -> None:
    # A refused loopback proxy makes edge-tts fail the same way with or without internet.
    edge = EdgeTTS(proxy="http://127.0.0.1:9", connect_timeout_s=2)
    with pytest.raises(SynthesisError):
        await edge.synthesize(QUESTION)
    chain = FallbackTTS([edge, EspeakTTS()], cache=TTSCache())
    audio = await chain.synthesize(QUESTION)
    assert audio.engine == "espeak-ng"
    assert probe_audio(audio.ogg_opus).codec == "opus"


async def test_failed_engine_is_skipped_during_cooldown() -> None:
    down, backup = CountingEngine("down", fail=True), CountingEngine("backup")
    chain = FallbackTTS([down, backup], cooldown_s=60)
    assert (await chain.synthesize("one")).engine == "backup"
    assert (await chain.synthesize("two")).engine == "backup"
    assert (down.calls, backup.calls) == (1, 2)
    retry = FallbackTTS([down, backup], cooldown_s=0)
    await retry.synthesize("one")
    await retry.synthesize("two")
    assert down.calls == 3


async def test_all_engines_failing_raises() -> None:
    chain = FallbackTTS([CountingEngine("a", fail=True), CountingEngine("b", fail=True)])
    with pytest.raises(SynthesisError) as caught:
        await chain.synthesize("hello")
    assert "a, b" in str(caught.value)


async def test_cache_hits_skip_the_engine() -> None:
    engine = CountingEngine("tone")
    cache = TTSCache(max_entries=8)
    chain = FallbackTTS([engine], cache=cache)
    first = await chain.synthesize("Why this company?")
    second = await chain.synthesize("  Why this company?  ")
    assert second is first
    assert engine.calls == 1
    assert (cache.hits, cache.misses) == (1, 1)
    await chain.synthesize("Why this company?", "ko")  # another voice is another entry
    assert engine.calls == 2
    assert len(cache) == 2


async def test_cache_key_includes_engine_and_voice() -> None:
    cache = TTSCache()
    audio = await CountingEngine("tone").synthesize("x")
    cache.put(("x", "v1", "tone"), audio)
    assert cache.get(("x", "v1", "tone")) is audio
    assert cache.get(("x", "v2", "tone")) is None
    assert cache.get(("x", "v1", "other")) is None


async def test_cache_evicts_least_recently_used_by_count_and_bytes() -> None:
    audio = await CountingEngine("tone").synthesize("x")
    cache = TTSCache(max_entries=2)
    cache.put(("a", "v", "e"), audio)
    cache.put(("b", "v", "e"), audio)
    assert cache.get(("a", "v", "e")) is audio  # "a" is now the most recent
    cache.put(("c", "v", "e"), audio)
    assert cache.get(("b", "v", "e")) is None
    assert cache.get(("a", "v", "e")) is audio
    assert len(cache) == 2

    by_bytes = TTSCache(max_entries=100, max_bytes=audio.size_bytes * 2)
    for key in "pqr":
        by_bytes.put((key, "v", "e"), audio)
    assert len(by_bytes) == 2
    assert by_bytes.size_bytes <= audio.size_bytes * 2
    assert by_bytes.get(("p", "v", "e")) is None


async def test_build_tts_chain_speaks_offline() -> None:
    chain = build_tts("edge")
    assert [engine.name for engine in chain.engines] == ["edge-tts", "espeak-ng"]
    chain.engines = (EdgeTTS(proxy="http://127.0.0.1:9"), chain.engines[1])
    audio = await chain.synthesize("Walk me through your design.")
    assert audio.engine == "espeak-ng"
    with pytest.raises(ValueError):
        build_tts("nonsense")
