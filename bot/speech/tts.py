"""Speech synthesis: the TextToSpeech port, edge-tts, OpenAI, espeak-ng, fallback and cache."""

from __future__ import annotations

import asyncio
import base64
import logging
import shutil
import time
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Protocol, runtime_checkable

import numpy as np

from bot.speech.audio import (
    DISCORD_CHANNELS,
    DISCORD_RATE,
    AudioLimits,
    decode_audio,
    decode_to_pcm,
    encode_ogg_opus,
)
from bot.speech.errors import AudioError, SynthesisError

if TYPE_CHECKING:
    from openai import AsyncOpenAI

log = logging.getLogger(__name__)

# Synthesised speech is ours, so it may be longer than an answer; bound it anyway.
_OUTPUT_LIMITS: Final = AudioLimits(max_seconds=900.0, max_bytes=64 * 1024 * 1024)
MAX_TEXT_CHARS: Final = 4096

EDGE_VOICES: Final[Mapping[str, str]] = {"en": "en-US-AriaNeural", "ko": "ko-KR-SunHiNeural"}
ESPEAK_VOICES: Final[Mapping[str, str]] = {"en": "en-us", "ko": "ko"}
OPENAI_VOICES: Final[Mapping[str, str]] = {"en": "alloy", "ko": "alloy"}


@dataclass(frozen=True, slots=True)
class SpeechAudio:
    """Synthesised speech as ogg/opus bytes, ready to attach or to play in a voice channel."""

    ogg_opus: bytes
    duration_ms: int
    engine: str
    voice: str

    @property
    def filename(self) -> str:
        """Return a file name for a Discord attachment."""
        return "question.ogg"

    @property
    def size_bytes(self) -> int:
        """Return the size of the encoded audio."""
        return len(self.ogg_opus)

    def pcm_48k_stereo(self) -> bytes:
        """Decode to 48 kHz stereo s16le PCM, the format Discord voice playback sends."""
        return decode_to_pcm(
            self.ogg_opus, _OUTPUT_LIMITS, rate=DISCORD_RATE, channels=DISCORD_CHANNELS
        )

    def waveform(self, points: int = 64) -> str:
        """Return the base64 amplitude bytes Discord shows on a voice message."""
        samples = decode_audio(self.ogg_opus, _OUTPUT_LIMITS)
        if samples.size == 0:
            return base64.b64encode(bytes(points)).decode()
        chunks = np.array_split(np.abs(samples), points)
        peaks = np.array([float(chunk.max()) if chunk.size else 0.0 for chunk in chunks])
        top = float(peaks.max()) or 1.0
        return base64.b64encode((peaks / top * 255).astype(np.uint8).tobytes()).decode()

    @classmethod
    def from_ogg(cls, ogg_opus: bytes, engine: str, voice: str) -> SpeechAudio:
        """Wrap ogg/opus bytes, measuring their duration by decoding them."""
        samples = decode_audio(ogg_opus, _OUTPUT_LIMITS)
        return cls(ogg_opus, round(samples.size * 1000 / 16_000), engine, voice)

    @classmethod
    def from_any(cls, data: bytes, engine: str, voice: str) -> SpeechAudio:
        """Transcode any audio file (mp3, wav ...) to ogg/opus speech."""
        samples = decode_audio(data, _OUTPUT_LIMITS, rate=DISCORD_RATE)
        ogg = encode_ogg_opus(samples, DISCORD_RATE)
        return cls(ogg, round(samples.size * 1000 / DISCORD_RATE), engine, voice)


@runtime_checkable
class TextToSpeech(Protocol):
    """Turns text into speech audio."""

    async def synthesize(self, text: str, language: str = "en") -> SpeechAudio:
        """Speak `text` in `language` (an ISO code such as "en" or "ko")."""
        ...


@runtime_checkable
class SpeechEngine(TextToSpeech, Protocol):
    """A concrete engine: it has a name and picks one voice per language."""

    name: str

    def voice_for(self, language: str) -> str:
        """Return the voice this engine uses for `language`."""
        ...


def _pick_voice(voices: Mapping[str, str], language: str) -> str:
    """Return the voice for a language code such as "en" or "en-US", defaulting to English."""
    code = language.lower()
    return voices.get(code) or voices.get(code.split("-")[0]) or voices["en"]


def _check_text(text: str) -> str:
    """Refuse empty or overlong text before any engine runs."""
    cleaned = text.strip()
    if not cleaned:
        raise ValueError("nothing to say")
    if len(cleaned) > MAX_TEXT_CHARS:
        raise ValueError(f"text longer than {MAX_TEXT_CHARS} characters")
    return cleaned


class EspeakTTS:
    """Offline synthesis with the espeak-ng command (English and Korean voices)."""

    name = "espeak-ng"

    def __init__(
        self,
        *,
        voices: Mapping[str, str] | None = None,
        speed_wpm: int = 160,
        binary: str = "espeak-ng",
        timeout_s: float = 30.0,
    ) -> None:
        self.voices = dict(voices or ESPEAK_VOICES)
        self.speed_wpm = speed_wpm
        self.binary = binary
        self.timeout_s = timeout_s

    def voice_for(self, language: str) -> str:
        """Return the espeak-ng voice for a language."""
        return _pick_voice(self.voices, language)

    async def synthesize(self, text: str, language: str = "en") -> SpeechAudio:
        """Run espeak-ng and encode its wav output to ogg/opus."""
        cleaned = _check_text(text)
        voice = self.voice_for(language)
        wav = await self.render_wav(cleaned, voice)
        try:
            return await asyncio.to_thread(SpeechAudio.from_any, wav, self.name, voice)
        except AudioError as exc:
            raise SynthesisError(detail=f"espeak-ng output: {exc.detail}") from exc

    async def render_wav(self, text: str, voice: str, *, ssml: bool = False) -> bytes:
        """Return espeak-ng's wav bytes for `text` (SSML when `ssml`)."""
        executable = shutil.which(self.binary)
        if executable is None:
            raise SynthesisError(detail=f"{self.binary} not installed")
        arguments = ["-v", voice, "-s", str(self.speed_wpm), "--stdin", "--stdout"]
        if ssml:
            arguments.insert(0, "-m")
        process = await asyncio.create_subprocess_exec(
            executable,
            *arguments,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            # Text goes through stdin so a leading "-" can never be read as an option.
            stdout, stderr = await asyncio.wait_for(
                process.communicate(text.encode("utf-8")), self.timeout_s
            )
        except TimeoutError as exc:
            process.kill()
            await process.wait()
            raise SynthesisError(detail="espeak-ng timed out") from exc
        if process.returncode != 0 or not stdout:
            log.warning("espeak-ng exited %s: %s", process.returncode, stderr[:200])
            raise SynthesisError(detail=f"espeak-ng exit {process.returncode}")
        return stdout


class EdgeTTS:
    """Microsoft Edge's online neural voices through the edge-tts package."""

    name = "edge-tts"

    def __init__(
        self,
        *,
        voices: Mapping[str, str] | None = None,
        rate: str = "+0%",
        proxy: str | None = None,
        connect_timeout_s: int = 5,
        receive_timeout_s: int = 30,
    ) -> None:
        self.voices = dict(voices or EDGE_VOICES)
        self.rate = rate
        self.proxy = proxy
        self.connect_timeout_s = connect_timeout_s
        self.receive_timeout_s = receive_timeout_s

    def voice_for(self, language: str) -> str:
        """Return the edge-tts voice for a language."""
        return _pick_voice(self.voices, language)

    async def synthesize(self, text: str, language: str = "en") -> SpeechAudio:
        """Stream mp3 from the service and transcode it to ogg/opus."""
        import edge_tts

        cleaned = _check_text(text)
        voice = self.voice_for(language)
        chunks: list[bytes] = []
        try:
            communicate = edge_tts.Communicate(
                cleaned,
                voice,
                rate=self.rate,
                proxy=self.proxy,
                connect_timeout=self.connect_timeout_s,
                receive_timeout=self.receive_timeout_s,
            )
            async for chunk in communicate.stream():
                if chunk["type"] == "audio":
                    chunks.append(chunk["data"])
        except Exception as exc:
            # DNS, TLS, websocket or protocol failures all mean the service is unavailable.
            log.warning("edge-tts unavailable: %s", type(exc).__name__)
            raise SynthesisError(detail=f"edge-tts: {type(exc).__name__}") from exc
        if not chunks:
            raise SynthesisError(detail="edge-tts returned no audio")
        try:
            return await asyncio.to_thread(SpeechAudio.from_any, b"".join(chunks), self.name, voice)
        except AudioError as exc:
            raise SynthesisError(detail=f"edge-tts audio: {exc.detail}") from exc


class OpenAITTS:
    """OpenAI's speech endpoint, asking for ogg/opus directly."""

    name = "openai"

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        model: str = "gpt-4o-mini-tts",
        voices: Mapping[str, str] | None = None,
        instructions: str | None = None,
        timeout: float = 30.0,
        max_retries: int = 1,
        client: AsyncOpenAI | None = None,
    ) -> None:
        if client is None:
            from openai import AsyncOpenAI

            client = AsyncOpenAI(
                api_key=api_key, base_url=base_url, timeout=timeout, max_retries=max_retries
            )
        self._client = client
        self.model = model
        self.voices = dict(voices or OPENAI_VOICES)
        self.instructions = instructions

    def voice_for(self, language: str) -> str:
        """Return the OpenAI voice for a language."""
        return _pick_voice(self.voices, language)

    async def synthesize(self, text: str, language: str = "en") -> SpeechAudio:
        """Request opus speech and wrap it."""
        import openai

        cleaned = _check_text(text)
        voice = self.voice_for(language)
        extra: dict[str, Any] = {}
        if self.instructions:
            extra["instructions"] = self.instructions
        try:
            response = await self._client.audio.speech.create(
                model=self.model,
                voice=voice,
                input=cleaned,
                response_format="opus",
                **extra,
            )
            data = response.content
        except openai.OpenAIError as exc:
            log.warning("OpenAI speech failed: %s", type(exc).__name__)
            raise SynthesisError(detail=f"openai: {type(exc).__name__}") from exc
        try:
            return await asyncio.to_thread(SpeechAudio.from_ogg, data, self.name, voice)
        except AudioError as exc:
            raise SynthesisError(detail=f"openai audio: {exc.detail}") from exc


CacheKey = tuple[str, str, str]


@dataclass
class TTSCache:
    """A least-recently-used cache of speech keyed by (text, voice, engine), bounded twice."""

    max_entries: int = 256
    max_bytes: int = 32 * 1024 * 1024
    hits: int = field(default=0, init=False)
    misses: int = field(default=0, init=False)
    _entries: OrderedDict[CacheKey, SpeechAudio] = field(default_factory=OrderedDict, init=False)
    _bytes: int = field(default=0, init=False)

    def get(self, key: CacheKey) -> SpeechAudio | None:
        """Return the cached audio for a key and mark it recently used."""
        audio = self._entries.get(key)
        if audio is None:
            self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return audio

    def put(self, key: CacheKey, audio: SpeechAudio) -> None:
        """Store audio, evicting the least recently used entries past either bound."""
        if audio.size_bytes > self.max_bytes:
            return
        previous = self._entries.pop(key, None)
        if previous is not None:
            self._bytes -= previous.size_bytes
        self._entries[key] = audio
        self._bytes += audio.size_bytes
        while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
            _, evicted = self._entries.popitem(last=False)
            self._bytes -= evicted.size_bytes

    @property
    def size_bytes(self) -> int:
        """Return the bytes held."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)


class FallbackTTS:
    """Try engines in order, skipping one for a while after it fails; cache what they make."""

    def __init__(
        self,
        engines: Sequence[SpeechEngine],
        *,
        cache: TTSCache | None = None,
        cooldown_s: float = 60.0,
        timeout_s: float = 20.0,
    ) -> None:
        if not engines:
            raise ValueError("at least one engine is needed")
        self.engines = tuple(engines)
        self.cache = cache
        self.cooldown_s = cooldown_s
        self.timeout_s = timeout_s
        self._down_until: dict[str, float] = {}

    async def synthesize(self, text: str, language: str = "en") -> SpeechAudio:
        """Return speech from the first engine that has it cached or can make it."""
        cleaned = _check_text(text)
        failures: list[str] = []
        for position, engine in enumerate(self.engines):
            key = (cleaned, engine.voice_for(language), engine.name)
            if self.cache is not None:
                cached = self.cache.get(key)
                if cached is not None:
                    return cached
            last = position == len(self.engines) - 1
            if not last and self._down_until.get(engine.name, 0.0) > time.monotonic():
                continue
            try:
                audio = await asyncio.wait_for(engine.synthesize(cleaned, language), self.timeout_s)
            except (SynthesisError, TimeoutError) as exc:
                log.warning("tts engine %s failed, trying the next: %s", engine.name, exc)
                failures.append(engine.name)
                self._down_until[engine.name] = time.monotonic() + self.cooldown_s
                continue
            self._down_until.pop(engine.name, None)
            if self.cache is not None:
                self.cache.put(key, audio)
            return audio
        raise SynthesisError(detail="all engines failed: " + ", ".join(failures))


def build_tts(
    primary: str = "edge",
    *,
    language_voices: Mapping[str, str] | None = None,
    openai_api_key: str | None = None,
    openai_base_url: str | None = None,
    openai_model: str = "gpt-4o-mini-tts",
    cache_entries: int = 256,
    cache_bytes: int = 32 * 1024 * 1024,
) -> FallbackTTS:
    """Build the production chain: the primary engine, then espeak-ng, behind one cache.

    `primary` is "edge", "openai" or "espeak"; `language_voices` overrides the primary's
    voice per language code.
    """
    engines: list[SpeechEngine] = []
    if primary == "edge":
        engines.append(EdgeTTS(voices={**EDGE_VOICES, **(language_voices or {})}))
    elif primary == "openai":
        engines.append(
            OpenAITTS(
                api_key=openai_api_key,
                base_url=openai_base_url,
                model=openai_model,
                voices={**OPENAI_VOICES, **(language_voices or {})},
            )
        )
    elif primary != "espeak":
        raise ValueError(f"unknown tts engine {primary!r}")
    espeak_voices = {**ESPEAK_VOICES, **(language_voices or {})} if primary == "espeak" else None
    engines.append(EspeakTTS(voices=espeak_voices))
    return FallbackTTS(engines, cache=TTSCache(cache_entries, cache_bytes))
