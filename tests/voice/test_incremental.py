"""Incremental transcription: pieces at pauses, a short tail, stitching, failures, cancel."""

from __future__ import annotations

import asyncio
import logging

import numpy as np
import pytest

from bot.coaching.answer import Word
from bot.speech.audio import decode_audio
from bot.speech.errors import TranscriptionError
from bot.speech.stt import Transcript, WhisperSTT
from bot.voice.incremental import Piece, SttPool, TurnTranscription, stitch
from bot.voice.turns import TurnPolicy, TurnTaker
from bot.voice.types import SAMPLE_RATE, AudioChunk, Pcm16k, VoiceTurn
from tests.speech.helpers import espeak, normalised_words, word_error_rate

log = logging.getLogger(__name__)

USER = 4242
SECOND = SAMPLE_RATE
CHUNK = SAMPLE_RATE * 20 // 1000
SENTENCES = (
    "The billing system ran on one old server.",
    "We split it into three small services.",
    "Each service had its own database and tests.",
    "The move took one weekend and nobody noticed.",
)


class ScriptedSTT:
    """A speech-to-text double: records sample counts; answers from a script or fails."""

    def __init__(self, script: list[str | Exception] | None = None) -> None:
        self.calls: list[int] = []
        self.script = list(script or [])
        self.release: asyncio.Event | None = None

    async def transcribe(self, audio: Pcm16k, language: str | None = None) -> Transcript:
        """Record the call and answer the next scripted line (default: one word per call)."""
        self.calls.append(len(audio))
        if self.release is not None:
            await self.release.wait()
        await asyncio.sleep(0)
        line = self.script.pop(0) if self.script else f"piece{len(self.calls)}"
        if isinstance(line, Exception):
            raise line
        duration = len(audio) * 1000 // SAMPLE_RATE
        words = tuple(
            Word(text, index * 100, index * 100 + 80) for index, text in enumerate(line.split())
        )
        return Transcript(line, words, language or "en", duration)


def tone(seconds: float) -> Pcm16k:
    """Return a quiet tone standing in for speech (the double does not listen)."""
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    return (0.1 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)


async def speak_in_seconds(job: TurnTranscription, seconds: int, pause_every: int) -> None:
    """Append audio a second at a time, noting a pause every ``pause_every`` seconds."""
    for second in range(1, seconds + 1):
        job.append(tone(1.0))
        if second % pause_every == 0:
            job.pause(job.samples)
        await asyncio.sleep(0)  # let background pieces run, as the event loop would
        await asyncio.sleep(0)


async def test_pieces_are_cut_at_pauses_and_only_the_tail_is_left() -> None:
    stt = ScriptedSTT()
    job = TurnTranscription(stt, user_id=USER, min_piece_samples=8 * SECOND)
    await speak_in_seconds(job, 30, pause_every=3)
    transcript = await job.finish()
    assert stt.calls[:-1] == [9 * SECOND, 9 * SECOND, 9 * SECOND]
    assert stt.calls[-1] == 3 * SECOND  # the tail: far less than the 30 s turn
    assert sum(stt.calls) == 30 * SECOND
    assert transcript.text == "piece1 piece2 piece3 piece4"
    assert [word.start_ms for word in transcript.words] == [0, 9000, 18000, 27000]
    assert transcript.duration_ms == 30_000
    assert [piece.background for piece in job.pieces] == [True, True, True, False]


async def test_audio_is_dropped_once_handed_to_recognition() -> None:
    stt = ScriptedSTT()
    job = TurnTranscription(stt, user_id=USER, min_piece_samples=4 * SECOND)
    await speak_in_seconds(job, 10, pause_every=5)
    assert job.samples == 10 * SECOND
    assert job.buffered_samples == 0
    job.append(tone(2.0))
    assert job.buffered_samples == 2 * SECOND
    await job.finish()


async def test_without_pieces_everything_is_transcribed_at_the_end() -> None:
    stt = ScriptedSTT()
    job = TurnTranscription(stt, user_id=USER, min_piece_samples=None)
    await speak_in_seconds(job, 20, pause_every=2)
    await job.finish()
    assert stt.calls == [20 * SECOND]


async def test_the_end_sample_trims_trailing_audio() -> None:
    stt = ScriptedSTT()
    job = TurnTranscription(stt, user_id=USER, min_piece_samples=None)
    job.append(tone(3.0))
    transcript = await job.finish(2 * SECOND)
    assert stt.calls == [2 * SECOND] and transcript.duration_ms == 2000


async def test_a_piece_that_hears_nothing_adds_nothing() -> None:
    stt = ScriptedSTT(["", "the tail"])
    job = TurnTranscription(stt, user_id=USER, min_piece_samples=2 * SECOND)
    await speak_in_seconds(job, 4, pause_every=2)
    transcript = await job.finish()
    assert transcript.text == "the tail"
    assert [word.start_ms for word in transcript.words] == [2000, 2100]


async def test_a_failing_piece_is_logged_and_the_rest_survives(
    caplog: pytest.LogCaptureFixture,
) -> None:
    stt = ScriptedSTT([TranscriptionError(detail="boom"), "second part", "the end"])
    job = TurnTranscription(stt, user_id=USER, min_piece_samples=2 * SECOND)
    with caplog.at_level(logging.WARNING, logger="bot.voice.incremental"):
        await speak_in_seconds(job, 6, pause_every=2)
        transcript = await job.finish()
    assert transcript.text == "second part the end"
    assert job.errors == 1
    assert str(USER) in caplog.text and "TranscriptionError" in caplog.text


async def test_cancel_stops_a_piece_in_flight() -> None:
    stt = ScriptedSTT()
    stt.release = asyncio.Event()  # recognition never finishes on its own
    job = TurnTranscription(stt, user_id=USER, min_piece_samples=2 * SECOND)
    await speak_in_seconds(job, 3, pause_every=2)
    assert len(stt.calls) == 1
    await job.aclose()
    assert job.buffered_samples == 0
    assert job.pieces == ()


async def test_a_busy_pool_defers_background_pieces_to_a_later_pause() -> None:
    stt = ScriptedSTT()
    pool = SttPool(1)
    job = TurnTranscription(stt, user_id=USER, min_piece_samples=2 * SECOND, pool=pool)
    async with pool.slots:  # another speaker's tail holds the only slot
        await speak_in_seconds(job, 4, pause_every=2)
        assert stt.calls == []
    await speak_in_seconds(job, 2, pause_every=2)
    await job.finish()
    assert stt.calls[0] == 4 * SECOND + 2 * SECOND  # one longer piece at the next pause


def test_stitch_orders_pieces_and_keeps_timings_monotonic() -> None:
    late = Transcript("b", (Word("b", 0, 500),), "en", 500)
    early = Transcript("a", (Word("a", 900, 1200),), "en", 1200)
    stitched = stitch(
        [Piece(SECOND, SECOND, late, False), Piece(0, SECOND, early, True)],
        language="en",
        duration_ms=2000,
    )
    assert stitched.text == "a b"
    # "a" ends at 1200 ms, past the start of the next piece: "b" is pushed after it.
    assert [(word.start_ms, word.end_ms) for word in stitched.words] == [(900, 1200), (1200, 1500)]


# Through the turn-taker, on espeak-ng speech with real pauses.


@pytest.fixture(scope="module")
def answer() -> Pcm16k:
    """Return four spoken sentences with half-second pauses (about 13 s)."""
    parts: list[Pcm16k] = []
    for sentence in SENTENCES:
        samples = decode_audio(espeak(sentence, ssml=False))
        loud = np.flatnonzero(np.abs(samples) > 0.02)
        parts += [samples[loud[0] : loud[-1] + 1], np.zeros(SECOND // 2, dtype=np.float32)]
    return np.concatenate(parts)


async def feed(taker: TurnTaker, audio: Pcm16k, start_ms: int = 0) -> None:
    """Push 20 ms chunks, yielding to the loop as a live receiver would."""
    for index in range(len(audio) // CHUNK):
        pcm = audio[index * CHUNK : (index + 1) * CHUNK]
        taker.push(AudioChunk(USER, 1, start_ms + index * 20, pcm))
        await asyncio.sleep(0)


async def test_the_turn_taker_transcribes_pieces_while_the_answer_goes_on(answer: Pcm16k) -> None:
    stt = ScriptedSTT()
    turns: list[VoiceTurn] = []

    async def on_turn(turn: VoiceTurn) -> None:
        turns.append(turn)

    taker = TurnTaker(stt, on_turn, policy=TurnPolicy(min_piece_ms=3000))
    await feed(taker, np.concatenate((answer, np.zeros(3 * SECOND, dtype=np.float32))))
    await taker.flush()
    [turn] = turns
    assert len(stt.calls) >= 3
    assert stt.calls[-1] < sum(stt.calls) / 2  # the tail is a small part of the turn
    turn_samples = (turn.end_ms - turn.start_ms) * SAMPLE_RATE // 1000
    assert abs(sum(stt.calls) - turn_samples) <= 0.5 * SECOND  # nothing lost, nothing twice


async def test_real_pieces_stitch_into_the_right_words(answer: Pcm16k, whisper: WhisperSTT) -> None:
    turns: list[VoiceTurn] = []

    async def on_turn(turn: VoiceTurn) -> None:
        turns.append(turn)

    taker = TurnTaker(whisper, on_turn, policy=TurnPolicy(min_piece_ms=5000))
    await feed(taker, np.concatenate((answer, np.zeros(3 * SECOND, dtype=np.float32))), 2000)
    await taker.flush()
    [turn] = turns
    heard = normalised_words(turn.text)
    reference = normalised_words(" ".join(SENTENCES))
    assert word_error_rate(reference, heard) <= 0.2
    for expected in ("billing", "server", "database", "weekend", "noticed"):
        assert expected in heard
    starts = [word.start_ms for word in turn.transcript.words]
    assert starts == sorted(starts) and starts[0] >= 0
    assert turn.transcript.words[-1].end_ms <= turn.end_ms - turn.start_ms + 300
    # Word timings are from the turn start: "weekend" is in the last sentence, past 9 s.
    weekend = next(word for word in turn.transcript.words if "weekend" in word.text.lower())
    assert weekend.start_ms > 8000


async def test_the_rest_is_sent_off_while_waiting_for_the_end_of_the_turn(answer: Pcm16k) -> None:
    stt = ScriptedSTT()
    turns: list[VoiceTurn] = []

    async def on_turn(turn: VoiceTurn) -> None:
        turns.append(turn)

    taker = TurnTaker(stt, on_turn, policy=TurnPolicy(min_piece_ms=None, speculate_after_ms=400))
    sentence = answer[: 3 * SECOND]
    await feed(taker, sentence)
    # Packets stop; only the clock moves. The piece goes off long before the turn ends.
    clock = len(sentence) // CHUNK * 20
    while taker.in_turn(USER) and not stt.calls:
        clock += 20
        taker.tick(clock)
        await asyncio.sleep(0)
    assert taker.in_turn(USER) and len(stt.calls) == 1
    while taker.in_turn(USER):
        clock += 20
        taker.tick(clock)
    await taker.flush()
    [turn] = turns
    assert len(stt.calls) == 1  # nothing left to transcribe at the end
    assert turn.text == "piece1"


async def test_without_speculation_the_whole_turn_waits_for_its_end(answer: Pcm16k) -> None:
    stt = ScriptedSTT()
    taker = TurnTaker(stt, _drop, policy=TurnPolicy(min_piece_ms=None, speculate_after_ms=None))
    await feed(taker, answer[: 3 * SECOND])
    for clock in range(3000, 5000, 20):
        if not taker.in_turn(USER):
            break
        taker.tick(clock)
        await asyncio.sleep(0)
        assert stt.calls == [] or not taker.in_turn(USER)
    await taker.flush()
    assert len(stt.calls) == 1


async def _drop(turn: VoiceTurn) -> None:
    del turn
