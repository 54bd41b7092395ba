"""Turn-taking on real espeak-ng speech: adaptive end of turn, ticks, filters, caps, speakers."""

from __future__ import annotations

import asyncio
import logging

import numpy as np
import pytest

from bot.coaching.answer import Word
from bot.speech.audio import decode_audio
from bot.speech.errors import TranscriptionError
from bot.speech.stt import Transcript
from bot.voice.turns import TurnPolicy, TurnTaker
from bot.voice.types import SAMPLE_RATE, AudioChunk, Pcm16k, VoiceTurn
from tests.speech.helpers import espeak

log = logging.getLogger(__name__)

CHUNK = SAMPLE_RATE * 20 // 1000
ALICE = 111
BOB = 222


class RecordingSTT:
    """A speech-to-text double: records how many samples each call got, says one word per call."""

    def __init__(self, *, fail: bool = False) -> None:
        self.calls: list[int] = []
        self.fail = fail

    async def transcribe(self, audio: Pcm16k, language: str | None = None) -> Transcript:
        """Record the call; answer with a word spanning the audio, or fail."""
        self.calls.append(len(audio))
        await asyncio.sleep(0)
        if self.fail:
            raise TranscriptionError(detail="double")
        duration = len(audio) * 1000 // SAMPLE_RATE
        word = f"w{len(self.calls)}"
        return Transcript(word, (Word(word, 0, duration),), language or "en", duration)


class Collector:
    """Collect delivered turns and speech starts."""

    def __init__(self) -> None:
        self.turns: list[VoiceTurn] = []
        self.starts: list[tuple[int, int]] = []
        self.position_ms = 0

    async def on_turn(self, turn: VoiceTurn) -> None:
        """Record a finished turn."""
        self.turns.append(turn)

    def on_speech_start(self, user_id: int) -> None:
        """Record who started speaking and where the feed was."""
        self.starts.append((user_id, self.position_ms))


@pytest.fixture(scope="module")
def sentence() -> Pcm16k:
    """Return about 3 s of espeak-ng speech, trimmed to the voice."""
    samples = decode_audio(
        espeak("We moved the billing system to three services over one weekend.", ssml=False)
    )
    loud = np.flatnonzero(np.abs(samples) > 0.02)
    return samples[loud[0] : loud[-1] + 1]


@pytest.fixture(scope="module")
def reply() -> Pcm16k:
    """Return a short spoken reply (under a second), trimmed to the voice."""
    samples = decode_audio(espeak("Yes, I did.", ssml=False))
    loud = np.flatnonzero(np.abs(samples) > 0.02)
    return samples[loud[0] : loud[-1] + 1]


def silence(seconds: float) -> Pcm16k:
    """Return digital silence."""
    return np.zeros(int(seconds * SAMPLE_RATE), dtype=np.float32)


def chunks(user_id: int, audio: Pcm16k, start_ms: int = 0) -> list[AudioChunk]:
    """Cut audio into 20 ms AudioChunks starting at ``start_ms``."""
    whole = len(audio) // CHUNK
    return [
        AudioChunk(
            user_id, user_id, start_ms + index * 20, audio[index * CHUNK : (index + 1) * CHUNK]
        )
        for index in range(whole)
    ]


def make_taker(
    collector: Collector, stt: RecordingSTT | None = None, **policy: int | None
) -> TurnTaker:
    """Return a turn-taker on a recording STT with a policy fit for short tests."""
    settings: dict[str, int | None] = {"min_piece_ms": None, "speculate_after_ms": None, **policy}
    return TurnTaker(
        stt or RecordingSTT(),
        collector.on_turn,
        on_speech_start=collector.on_speech_start,
        policy=TurnPolicy(**settings),  # type: ignore[arg-type]
    )


def feed_until_turn_ends(taker: TurnTaker, collector: Collector, items: list[AudioChunk]) -> int:
    """Push chunks; return the feed position (ms) at which the speaker's turn closed, or -1."""
    was_open = False
    for chunk in items:
        collector.position_ms = chunk.start_ms
        taker.push(chunk)
        now_open = taker.in_turn(chunk.user_id)
        if was_open and not now_open:
            return chunk.end_ms
        was_open = now_open
    return -1


def speech_end_ms(audio: Pcm16k) -> int:
    """Return where the last loud sample of ``audio`` is, in ms."""
    return int(np.flatnonzero(np.abs(audio) > 0.02)[-1]) * 1000 // SAMPLE_RATE


async def test_a_short_answer_ends_sooner_than_a_long_one(sentence: Pcm16k, reply: Pcm16k) -> None:
    short_audio = np.concatenate((reply, silence(3.0)))
    # Five sentences with 300 ms pauses: well past long_answer_ms of speech.
    long_audio = np.concatenate(
        [part for _ in range(5) for part in (sentence, silence(0.3))] + [silence(3.0)]
    )
    delays = []
    for audio in (short_audio, long_audio):
        collector = Collector()
        taker = make_taker(collector, long_answer_ms=8000)
        closed_at = feed_until_turn_ends(taker, collector, chunks(ALICE, audio))
        await taker.flush()
        assert closed_at > 0 and len(collector.turns) == 1
        delays.append(closed_at - speech_end_ms(audio))
    short_delay, long_delay = delays
    assert 700 <= short_delay < 1000
    assert 1900 <= long_delay < 2300


async def test_the_end_is_found_by_tick_when_packets_stop(sentence: Pcm16k) -> None:
    collector = Collector()
    taker = make_taker(collector)
    for chunk in chunks(ALICE, sentence, start_ms=1000):
        taker.push(chunk)
    spoken_until = 1000 + speech_end_ms(sentence)
    taker.tick(spoken_until + 400)
    assert taker.in_turn(ALICE)
    taker.tick(spoken_until + 1200)
    assert not taker.in_turn(ALICE)
    await taker.flush()
    [turn] = collector.turns
    assert turn.user_id == ALICE
    assert 600 <= turn.start_ms <= 1000
    assert abs(turn.end_ms - spoken_until) <= 100
    assert turn.text == "w1"


async def test_a_cough_is_not_a_turn(sentence: Pcm16k) -> None:
    collector = Collector()
    stt = RecordingSTT()
    taker = make_taker(collector, stt)
    voiced = np.flatnonzero(np.abs(sentence) > 0.1)
    burst = sentence[voiced[0] : voiced[0] + int(0.25 * SAMPLE_RATE)]
    for chunk in chunks(ALICE, np.concatenate((silence(0.2), burst, silence(2.0)))):
        taker.push(chunk)
    taker.tick(5000)
    await taker.flush()
    assert collector.starts  # the voice did start (barge-in may fire) ...
    assert collector.turns == [] and stt.calls == []  # ... but it was no turn


async def test_a_turn_is_capped_at_the_maximum_length(sentence: Pcm16k) -> None:
    collector = Collector()
    taker = make_taker(collector, max_turn_ms=2000)
    audio = np.concatenate([part for _ in range(3) for part in (sentence, silence(0.2))])
    for chunk in chunks(ALICE, np.concatenate((audio, silence(2.5)))):
        taker.push(chunk)
    await taker.flush()
    assert len(collector.turns) >= 4
    assert all(turn.end_ms - turn.start_ms <= 2000 for turn in collector.turns)
    starts = [turn.start_ms for turn in collector.turns]
    assert starts == sorted(starts)


async def test_two_interleaved_speakers_keep_separate_turns(sentence: Pcm16k) -> None:
    collector = Collector()
    taker = make_taker(collector)
    alice = chunks(ALICE, np.concatenate((sentence, silence(1.5))), start_ms=0)
    short = sentence[: len(sentence) // 2 // CHUNK * CHUNK]
    bob = chunks(BOB, np.concatenate((short, silence(1.5))), start_ms=1500)
    # Interleave by time, as packets from two people arrive.
    for chunk in sorted(alice + bob, key=lambda item: (item.start_ms, item.user_id)):
        collector.position_ms = chunk.start_ms
        taker.push(chunk)
    await taker.flush()
    by_user = {turn.user_id: turn for turn in collector.turns}
    assert sorted(by_user) == [ALICE, BOB] and len(collector.turns) == 2
    assert by_user[ALICE].start_ms <= 100
    assert abs(by_user[ALICE].end_ms - speech_end_ms(sentence)) <= 100
    assert 1200 <= by_user[BOB].start_ms <= 1600
    assert abs(by_user[BOB].end_ms - (1500 + speech_end_ms(short))) <= 100
    assert [user for user, _ in collector.starts].count(BOB) >= 1


async def test_speech_start_fires_at_the_start_of_the_voice(sentence: Pcm16k) -> None:
    collector = Collector()
    delivered_before_start: list[int] = []

    def on_start(user_id: int) -> None:
        collector.on_speech_start(user_id)
        delivered_before_start.append(len(collector.turns))

    taker = TurnTaker(
        RecordingSTT(), collector.on_turn, on_speech_start=on_start, policy=TurnPolicy()
    )
    feed_until_turn_ends(taker, collector, chunks(ALICE, np.concatenate((silence(1.0), sentence))))
    assert collector.starts
    user, at_ms = collector.starts[0]
    assert user == ALICE
    assert 1000 <= at_ms <= 1300  # barge-in needs to know within a few frames
    assert delivered_before_start[0] == 0


async def test_an_idle_speaker_keeps_nothing(sentence: Pcm16k) -> None:
    collector = Collector()
    taker = make_taker(collector, forget_after_ms=5000)
    for chunk in chunks(ALICE, np.concatenate((sentence, silence(1.0)))):
        taker.push(chunk)
    assert not taker.in_turn(ALICE)
    assert 0 < taker.buffered_samples(ALICE) <= int(0.5 * SAMPLE_RATE)  # pre-roll only
    taker.tick(20_000)
    assert taker.users == set() and taker.buffered_samples(ALICE) == 0
    await taker.flush()
    assert len(collector.turns) == 1


async def test_a_pause_without_packets_inside_a_turn_keeps_the_timeline(sentence: Pcm16k) -> None:
    collector = Collector()
    stt = RecordingSTT()
    taker = make_taker(collector, stt)
    first = chunks(ALICE, sentence, start_ms=0)
    # The client stops sending for 500 ms (shorter than the end-of-turn silence), then resumes.
    resume = first[-1].end_ms + 500
    second = chunks(ALICE, sentence, start_ms=resume)
    for chunk in first + second:
        taker.push(chunk)
    await taker.flush()
    [turn] = collector.turns
    assert abs(turn.end_ms - (resume + speech_end_ms(sentence))) <= 100
    # One call with the whole turn, gap included as silence.
    assert stt.calls[0] * 1000 // SAMPLE_RATE >= turn.end_ms - turn.start_ms


async def test_a_long_silence_without_packets_splits_turns(sentence: Pcm16k) -> None:
    collector = Collector()
    taker = make_taker(collector)
    first = chunks(ALICE, sentence, start_ms=0)
    second = chunks(ALICE, sentence, start_ms=first[-1].end_ms + 3000)
    for chunk in first + second:
        taker.push(chunk)
    await taker.flush()
    assert len(collector.turns) == 2
    assert collector.turns[1].start_ms > collector.turns[0].end_ms + 2000


async def test_recognition_failure_still_ends_the_turn(
    sentence: Pcm16k, caplog: pytest.LogCaptureFixture
) -> None:
    collector = Collector()
    taker = make_taker(collector, RecordingSTT(fail=True))
    for chunk in chunks(ALICE, np.concatenate((sentence, silence(1.0)))):
        taker.push(chunk)
    with caplog.at_level(logging.WARNING, logger="bot.voice.incremental"):
        await taker.flush()
    [turn] = collector.turns
    assert turn.transcript.empty and turn.end_ms > turn.start_ms
    assert str(ALICE) in caplog.text


async def test_a_failing_turn_callback_does_not_stop_the_next_turn(sentence: Pcm16k) -> None:
    seen: list[VoiceTurn] = []

    async def flaky(turn: VoiceTurn) -> None:
        seen.append(turn)
        if len(seen) == 1:
            raise RuntimeError("listener broke")

    # Fed without awaiting, the words are never known: end turns by the pause alone.
    taker = TurnTaker(RecordingSTT(), flaky, policy=TurnPolicy(read_endings=False))
    audio = np.concatenate((sentence, silence(1.5), sentence, silence(1.5)))
    for chunk in chunks(ALICE, audio):
        taker.push(chunk)
    await taker.flush()
    assert len(seen) == 2 and seen[0].start_ms < seen[1].start_ms


async def test_close_drops_open_turns(sentence: Pcm16k) -> None:
    collector = Collector()
    taker = make_taker(collector)
    for chunk in chunks(ALICE, sentence):
        taker.push(chunk)
    assert taker.in_turn(ALICE)
    await taker.close()
    await taker.flush()
    assert collector.turns == [] and taker.users == set()


def test_the_end_silence_grows_with_the_answer() -> None:
    policy = TurnPolicy(min_end_silence_ms=700, max_end_silence_ms=2000, long_answer_ms=20_000)
    values = [policy.end_silence_ms(ms) for ms in (0, 5_000, 10_000, 20_000, 60_000)]
    assert values[0] == 700 and values[-1] == 2000 and values[-2] == 2000
    assert values == sorted(values) and values[1] < values[2] < values[3]
    with pytest.raises(ValueError):
        TurnPolicy(min_end_silence_ms=3000, max_end_silence_ms=2000)


async def test_repeated_chunks_are_not_heard_twice(sentence: Pcm16k) -> None:
    items = chunks(ALICE, np.concatenate((sentence, silence(1.5))))
    results = []
    for repeat in (False, True):
        collector = Collector()
        stt = RecordingSTT()
        taker = make_taker(collector, stt)
        for index, chunk in enumerate(items):
            taker.push(chunk)
            if repeat and index in (60, 61):
                taker.push(items[50])  # a stale repeat of audio already placed
        await taker.flush()
        [turn] = collector.turns
        results.append((turn.start_ms, turn.end_ms, stt.calls))
    assert results[0] == results[1]


async def test_memory_stays_bounded_while_a_long_turn_is_transcribed(sentence: Pcm16k) -> None:
    collector = Collector()
    taker = make_taker(collector, min_piece_ms=3000, max_end_silence_ms=2000)
    audio = np.concatenate([part for _ in range(8) for part in (sentence, silence(0.4))])
    held: list[int] = []
    for chunk in chunks(ALICE, audio):
        taker.push(chunk)
        held.append(taker.buffered_samples(ALICE))
        await asyncio.sleep(0)
    await taker.flush()
    [turn] = collector.turns
    assert turn.end_ms - turn.start_ms > 25_000
    # Pieces leave memory once handed to recognition: never more than ~2 sentences held.
    assert max(held) < 9 * SAMPLE_RATE


async def test_forget_drops_a_speakers_audio_and_undelivered_turns(sentence: Pcm16k) -> None:
    collector = Collector()
    gate = asyncio.Event()

    class GatedSTT(RecordingSTT):
        async def transcribe(self, audio: Pcm16k, language: str | None = None) -> Transcript:
            await gate.wait()
            return await super().transcribe(audio, language)

    taker = make_taker(collector, GatedSTT())
    audio = np.concatenate((sentence, silence(1.5)))
    for alice, bob in zip(chunks(ALICE, audio), chunks(BOB, audio), strict=True):
        taker.push(alice)
        taker.push(bob)
    assert taker.pending_turns == 2  # both turns ended, both waiting for recognition
    taker.forget(ALICE)
    gate.set()
    await taker.flush()
    assert [turn.user_id for turn in collector.turns] == [BOB]
    assert ALICE not in taker.users
