"""Transcribe a turn while it is being spoken, so only the tail is left when it ends."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from bot.coaching.answer import Word
from bot.speech.stt import SpeechToText, Transcript
from bot.voice.types import SAMPLE_RATE, Pcm16k

log = logging.getLogger(__name__)


@dataclass(slots=True)
class SttPool:
    """A bound on recognition jobs shared by every speaker of one receiver.

    Background pieces only start when a slot is free, so a finishing turn's tail (which waits
    for a slot) is not stuck behind other speakers' speculative work.
    """

    size: int = 1
    _slots: asyncio.Semaphore | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.size < 1:
            raise ValueError("the STT pool needs at least one slot")

    @property
    def slots(self) -> asyncio.Semaphore:
        """Return the semaphore, created on first use inside the running loop."""
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.size)
        return self._slots

    @property
    def busy(self) -> bool:
        """Tell whether every slot is taken."""
        return self.slots.locked()


@dataclass(frozen=True, slots=True)
class Piece:
    """One transcribed stretch of a turn: where it starts (samples from turn start)."""

    offset: int
    samples: int
    transcript: Transcript | None
    background: bool


class TurnTranscription:
    """Collect one turn's audio and transcribe completed stretches in the background.

    Call ``append`` with the turn's audio in order and ``pause(at_sample)`` whenever the voice
    pauses; once the audio not yet handed to recognition reaches ``min_piece_samples`` and ends
    at such a pause, it is transcribed in a background task (one at a time per speaker, through
    ``lock``) and dropped from memory. ``finish`` transcribes only the remaining tail and
    stitches everything into one Transcript whose word timings are ms from the turn start.
    ``min_piece_samples=None`` starts no regular pieces (only likely-end ones, see ``pause``).
    """

    def __init__(
        self,
        stt: SpeechToText,
        *,
        user_id: int,
        language: str = "en",
        min_piece_samples: int | None = 10 * SAMPLE_RATE,
        lock: asyncio.Lock | None = None,
        pool: SttPool | None = None,
    ) -> None:
        if min_piece_samples is not None and min_piece_samples < 1:
            raise ValueError("min_piece_samples must be positive")
        self.user_id = user_id
        self.language = language
        self.min_piece_samples = min_piece_samples
        self._stt = stt
        self._lock = lock or asyncio.Lock()
        self._pool = pool or SttPool()
        self._buffer: list[Pcm16k] = []
        self._buffered = 0
        self._committed = 0
        self._pieces: list[Piece] = []
        self._jobs: list[asyncio.Task[None]] = []
        self._finished = False
        self.errors = 0

    @property
    def samples(self) -> int:
        """Return how many samples the turn holds so far (transcribed or not)."""
        return self._committed + self._buffered

    @property
    def committed_samples(self) -> int:
        """Return how many samples from the turn start were handed to recognition."""
        return self._committed

    @property
    def buffered_samples(self) -> int:
        """Return the samples still held in memory, waiting for recognition."""
        return self._buffered

    @property
    def pieces(self) -> tuple[Piece, ...]:
        """Return the pieces transcribed so far, in turn order."""
        return tuple(sorted(self._pieces, key=lambda piece: piece.offset))

    def settled_text(self, upto_sample: int) -> str | None:
        """Return the text of the turn up to ``upto_sample`` once all of it is recognised.

        None while audio before ``upto_sample`` is still waiting or being recognised.
        """
        if self._committed < upto_sample or any(not job.done() for job in self._jobs):
            return None
        return " ".join(
            piece.transcript.text.strip()
            for piece in self.pieces
            if piece.transcript is not None and not piece.transcript.empty
        )

    def append(self, pcm: Pcm16k) -> None:
        """Add the next stretch of the turn's audio."""
        if self._finished:
            raise RuntimeError("the turn is already finished")
        if len(pcm):
            self._buffer.append(pcm)
            self._buffered += len(pcm)

    def pause(self, at_sample: int, *, min_samples: int | None = None) -> bool:
        """Note a pause in the voice at ``at_sample``; return True if a piece was started.

        A regular pause starts a piece only when it is long enough and nothing else is
        running. ``min_samples`` marks a likely end of turn (the voice has been silent for a
        while): the piece is queued behind any running one, because the tail would need that
        work anyway, and the transcript is then nearly ready when the turn ends.
        """
        threshold = self.min_piece_samples if min_samples is None else min_samples
        if self._finished or threshold is None:
            return False
        length = min(at_sample, self.samples) - self._committed
        speculative = min_samples is not None
        if length < threshold:
            return False
        busy = any(not job.done() for job in self._jobs) or self._lock.locked()
        if not speculative and (busy or self._pool.busy):
            # Retried at the next pause with a longer piece; tails go first.
            return False
        offset, audio = self._take(length)
        self._jobs.append(
            asyncio.create_task(
                self._transcribe(offset, audio, background=True),
                name=f"stt-piece-{self.user_id}",
            )
        )
        return True

    async def finish(self, end_sample: int | None = None) -> Transcript:
        """Wait for any piece in flight, transcribe the tail and return the whole transcript."""
        self._finished = True
        end = self.samples if end_sample is None else max(self._committed, end_sample)
        for job in self._jobs:
            # A failed piece is logged inside the job; the turn goes on with what it has.
            await job
        offset, audio = self._take(min(end, self.samples) - self._committed)
        self._buffer.clear()
        self._buffered = 0
        if len(audio):
            await self._transcribe(offset, audio, background=False)
        duration_ms = end * 1000 // SAMPLE_RATE
        return stitch(self.pieces, language=self.language, duration_ms=duration_ms)

    def cancel(self) -> None:
        """Stop any background recognition and forget the audio."""
        self._finished = True
        for job in self._jobs:
            job.cancel()
        self._buffer.clear()
        self._buffered = 0

    async def aclose(self) -> None:
        """Cancel and wait until the background job is gone."""
        self.cancel()
        for job in self._jobs:
            with contextlib.suppress(asyncio.CancelledError):
                await job

    def _take(self, length: int) -> tuple[int, Pcm16k]:
        """Remove the next ``length`` samples from the buffer; return their offset and audio."""
        offset = self._committed
        length = max(0, min(length, self._buffered))
        if length == 0:
            return offset, np.zeros(0, dtype=np.float32)
        joined = np.concatenate(self._buffer) if len(self._buffer) > 1 else self._buffer[0]
        audio = np.array(joined[:length], dtype=np.float32)
        rest = np.array(joined[length:], dtype=np.float32)  # a copy frees the handed-off part
        self._buffer = [rest] if len(rest) else []
        self._buffered = len(rest)
        self._committed += length
        return offset, audio

    async def _transcribe(self, offset: int, audio: Pcm16k, *, background: bool) -> None:
        """Recognise one piece; a failure is logged and leaves a gap, never ends the turn."""
        transcript: Transcript | None = None
        async with self._lock, self._pool.slots:
            try:
                transcript = await self._stt.transcribe(audio, self.language)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.errors += 1
                log.warning(
                    "speech recognition failed for user %s on %d ms at %d ms of the turn: %s",
                    self.user_id,
                    len(audio) * 1000 // SAMPLE_RATE,
                    offset * 1000 // SAMPLE_RATE,
                    type(exc).__name__,
                )
        self._pieces.append(Piece(offset, len(audio), transcript, background))


def stitch(pieces: Iterable[Piece], *, language: str, duration_ms: int) -> Transcript:
    """Join pieces into one transcript with word timings in ms from the turn start."""
    texts: list[str] = []
    words: list[Word] = []
    for piece in sorted(pieces, key=lambda item: item.offset):
        if piece.transcript is None or piece.transcript.empty:
            continue
        shift = piece.offset * 1000 // SAMPLE_RATE
        texts.append(piece.transcript.text.strip())
        words.extend(
            Word(word.text, word.start_ms + shift, word.end_ms + shift)
            for word in piece.transcript.words
        )
    return Transcript(
        text=" ".join(texts),
        words=_monotonic(words),
        language=language,
        duration_ms=duration_ms,
    )


def _monotonic(words: Sequence[Word]) -> tuple[Word, ...]:
    """Make timings non-decreasing and non-overlapping across piece boundaries."""
    result: list[Word] = []
    cursor = 0
    for word in words:
        start = max(word.start_ms, cursor)
        end = max(word.end_ms, start)
        result.append(Word(word.text, start, end))
        cursor = end
    return tuple(result)
