"""DAVE recovery, downgrades, silence frames, padding, and turn ends that read the words."""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np
import pytest

from bot.speech.audio import decode_audio
from bot.speech.stt import Transcript
from bot.voice.dave import SILENCE_FRAME, DaveyLayer
from bot.voice.endings import Ending, judge_ending
from bot.voice.pipeline import DAVE_FAILURE_RUN, ReceivePipeline
from bot.voice.receive import VoiceReceiver
from bot.voice.transport import XCHACHA20
from bot.voice.turns import TurnPolicy, TurnTaker
from bot.voice.types import AudioChunk, VoiceTurn
from tests.speech.helpers import espeak

from .conftest import Collector
from .doubles import ALICE, FakeConnectionState, FakeVoiceClient
from .packets import TEST_KEY, FakeDaveSession, RecordingFactory, dave_frame, make_stream


def _pipeline(collector: Collector, **options: Any) -> ReceivePipeline:
    return ReceivePipeline(
        XCHACHA20,
        TEST_KEY,
        ssrc_user={11: ALICE}.get,
        accept_user=lambda _u: True,
        on_audio=collector,
        decoder_factory=options.pop("factory", RecordingFactory()),
        origin_ms=0.0,
        **options,
    )


def _feed(pipeline: ReceivePipeline, packets: list[bytes]) -> None:
    for n, packet in enumerate(packets):
        pipeline.feed(packet, n * 20.0)


def test_a_run_of_dave_failures_asks_for_one_recovery_per_run(collector: Collector) -> None:
    stuck: list[int] = []
    session = FakeDaveSession(members={ALICE}, fail=True)
    pipeline = _pipeline(
        collector, dave=DaveyLayer(lambda: session, lambda: 1), on_dave_stuck=stuck.append
    )
    _feed(pipeline, make_stream([dave_frame(b"x")] * (DAVE_FAILURE_RUN - 1), ssrc=11))
    assert stuck == []
    _feed(pipeline, make_stream([dave_frame(b"x")], ssrc=11, seq0=2000, ts0=900_000))
    assert stuck == [ALICE]
    session.fail = False  # recovered: a success ends the run
    _feed(pipeline, make_stream([dave_frame(b"ok")] * 3, ssrc=11, seq0=2001, ts0=900_960))
    assert stuck == [ALICE] and pipeline.stats.for_user(ALICE).dave_failures == DAVE_FAILURE_RUN


def test_silence_frames_skip_dave_and_padding_never_reaches_it(collector: Collector) -> None:
    factory = RecordingFactory()
    session = FakeDaveSession(members={ALICE})
    pipeline = _pipeline(collector, factory=factory, dave=DaveyLayer(lambda: session, lambda: 1))
    _feed(pipeline, make_stream([SILENCE_FRAME] * 4 + [b""] * 3 + [dave_frame(b"a")], ssrc=11))
    pipeline.flush()
    counters = pipeline.stats.for_user(ALICE)
    assert counters.silence_frames == 4 and counters.padding_only == 3
    assert counters.dave_failures == 0 and counters.concealed_frames == 0
    assert session.decrypt_calls == [ALICE] and session.passthrough_calls == []
    assert [data for data, _ in factory.decoders[0].calls] == [SILENCE_FRAME] * 4 + [b"a"]


def test_after_a_downgrade_plain_frames_of_a_newcomer_are_accepted(collector: Collector) -> None:
    session = FakeDaveSession()  # knows nobody, allows no passthrough
    version = {"now": 1}
    pipeline = _pipeline(collector, dave=DaveyLayer(lambda: session, lambda: version["now"]))
    _feed(pipeline, make_stream([b"plain"] * 2, ssrc=11))
    assert pipeline.stats.for_user(ALICE).dave_failures == 2
    version["now"] = 0  # the call was downgraded to no end-to-end encryption
    _feed(pipeline, make_stream([b"plain"] * 3, ssrc=11, seq0=3000, ts0=2_000_000))
    pipeline.flush()
    counters = pipeline.stats.for_user(ALICE)
    assert counters.dave_passthrough == 3 and counters.decoded_frames == 3


class _RecoverableState(FakeConnectionState):
    """A connection state with py-cord's DAVE recovery coroutine, recorded."""

    def __init__(self) -> None:
        super().__init__()
        self.recoveries: list[int] = []
        self.ws = object()
        self.dave_pending_transition: dict[str, int] | None = None

    async def recover_dave_from_invalid_commit(self, transition: int) -> None:
        self.recoveries.append(transition)


async def test_the_receiver_recovers_dave_once_and_says_so() -> None:
    state = _RecoverableState()
    state.dave_session = FakeDaveSession(members={ALICE}, fail=True)
    state.dave_protocol_version = 1
    vc = FakeVoiceClient(state, [])
    vc.last_dave_transition = 7  # type: ignore[attr-defined]
    told: list[tuple[str, int]] = []
    receiver = VoiceReceiver(
        vc,
        accept_user=lambda _u: True,
        on_audio=lambda _c: None,
        decoder_factory=RecordingFactory(),
        on_trouble=lambda kind, user: told.append((kind, user)),
        keepalive_interval_s=60.0,
    )
    receiver.start()
    try:
        packets = make_stream([dave_frame(b"x")] * (2 * DAVE_FAILURE_RUN), ssrc=11)
        state.send_from_reader_thread(packets)
        for _ in range(200):
            if told:
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)
    finally:
        receiver.stop()
    # Two runs of failures, but a second recovery so soon would only restart the first.
    assert state.recoveries == [7]
    assert receiver.stats.dave_recoveries == 1
    assert told == [("dave_recovered", ALICE)]


async def test_without_a_session_to_reset_the_listener_is_told_it_is_deaf() -> None:
    state = _RecoverableState()
    state.dave_session = None
    state.dave_protocol_version = 1
    told: list[tuple[str, int]] = []
    receiver = VoiceReceiver(
        FakeVoiceClient(state, []),
        accept_user=lambda _u: True,
        on_audio=lambda _c: None,
        decoder_factory=RecordingFactory(),
        on_trouble=lambda kind, user: told.append((kind, user)),
        keepalive_interval_s=60.0,
    )
    receiver.start()
    try:
        state.send_from_reader_thread(make_stream([dave_frame(b"x")] * DAVE_FAILURE_RUN, ssrc=11))
        for _ in range(200):
            if told:
                break
            await asyncio.sleep(0.01)
    finally:
        receiver.stop()
    assert told == [("dave_unrecoverable", ALICE)] and state.recoveries == []


# ---- turn ends that read the words ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "ending"),
    [
        ("I led the migration of our billing system.", Ending.COMPLETE),
        ("We wrote every payment event to a queue and...", Ending.TRAILING),
        ("I chose Postgres because", Ending.TRAILING),
        ("There were three reasons. First,", Ending.TRAILING),
        ("Um,", Ending.TRAILING),
        ("I think so.", Ending.COMPLETE),
        ("we shipped it", Ending.NEUTRAL),
        ("마이그레이션을 진행했습니다.", Ending.COMPLETE),
        ("결제 시스템을 옮기고", Ending.TRAILING),
    ],
)
def test_the_words_say_whether_a_thought_is_complete(text: str, ending: Ending) -> None:
    language = "ko" if any("\uac00" <= c <= "\ud7a3" for c in text) else "en"
    assert judge_ending(text, language) is ending


class _ScriptedWords:
    """Recognition double: every piece reads as the next scripted text."""

    def __init__(self, *texts: str) -> None:
        self.texts = list(texts)

    async def transcribe(self, audio: Any, language: str | None = None) -> Transcript:
        text = self.texts.pop(0) if self.texts else ""
        return Transcript(text, (), language or "en", len(audio) // 16)


def _speech() -> Any:
    """Return espeak-ng speech at 16 kHz, trimmed to the voice."""
    audio = decode_audio(espeak("I shipped the billing migration", ssml=False))
    loud = np.flatnonzero(np.abs(audio) > 0.02)
    return audio[loud[0] : loud[-1] + 1]


async def _silence_until_turn_ends(words: str, *, limit_ms: int = 4000) -> int | None:
    """Speak, fall silent on a fake clock; return the silence (ms) that ended the turn."""
    turns: list[VoiceTurn] = []

    async def on_turn(turn: VoiceTurn) -> None:
        turns.append(turn)

    policy = TurnPolicy(min_end_silence_ms=700, max_end_silence_ms=2000, min_piece_ms=None)
    taker = TurnTaker(_ScriptedWords(words), on_turn, policy=policy)
    speech = _speech()
    chunks = len(speech) // 320
    for index in range(chunks):
        taker.push(AudioChunk(1, 1, index * 20, speech[index * 320 : (index + 1) * 320]))
    end = chunks * 20
    for silence in range(0, limit_ms, 20):
        taker.tick(end + silence)
        await asyncio.sleep(0.001)  # the scripted recogniser answers at once
        if not taker.in_turn(1):
            await taker.flush()
            assert turns and turns[0].text == words
            return silence
    await taker.close()
    return None


async def test_a_complete_sentence_ends_sooner_and_a_trailing_and_waits_longer() -> None:
    complete = await _silence_until_turn_ends("I shipped the billing migration.")
    trailing = await _silence_until_turn_ends("I shipped the billing migration and")
    neutral = await _silence_until_turn_ends("I shipped the billing migration")
    assert complete is not None and neutral is not None
    # Silence counts from the last voiced frame, a little before the audio ends.
    assert complete < neutral
    assert trailing is None or trailing > 1500 + 500  # a 1.5 s pause after "and" is not cut
