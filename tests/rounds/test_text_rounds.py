"""Text rounds: the thread channel, several rounds per server, RSVP'd people first."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.catalog import Kind, Language, Level
from bot.coaching.answer import Answer
from bot.rounds import (
    NoteKind,
    Round,
    RoundError,
    RoundMode,
    RoundRequest,
    RoundService,
    RoundTimings,
)
from bot.rounds.model import RoundMedium
from bot.rounds.text import TextRoundChannel
from tests.fakes.clock import T0, FixedClock
from tests.fakes.rounds import (
    FakeRoundChannel,
    InMemoryRoundStore,
    RecordingPresenter,
    ScriptedInterviews,
)

GUILD, VOICE, TEXT, OTHER_TEXT = 500, 600, 610, 620
ALICE, BOB, CAROL = 1, 2, 3


def request(medium: RoundMedium, channel_id: int, **extra: object) -> RoundRequest:
    return RoundRequest(
        guild_id=GUILD,
        channel_id=channel_id,
        host_id=ALICE,
        mode=RoundMode.GROUP,
        kind=Kind.BEHAVIORAL,
        level=Level.MID,
        language=Language.EN,
        turns_each=1,
        medium=medium,
        **extra,  # type: ignore[arg-type]
    )


@pytest.fixture
async def service() -> AsyncIterator[RoundService]:
    found = RoundService(
        ScriptedInterviews(),
        InMemoryRoundStore(),
        timings=RoundTimings(30.0, 600.0, stop_wait_s=5.0),
        clock=FixedClock(),
    )
    yield found
    await found.shutdown()


async def test_the_thread_channel_takes_only_the_speakers_messages() -> None:
    channel = TextRoundChannel()
    assert not await channel.offer(ALICE, Answer("too early"))
    channel.listen_to({ALICE})
    assert not await channel.offer(BOB, Answer("not my turn"))
    waiting = asyncio.create_task(channel.next_answer(ALICE, 5))
    await asyncio.sleep(0)
    assert await channel.offer(ALICE, Answer("my answer", spoken=True))
    assert await waiting == Answer("my answer", spoken=True)
    assert await channel.next_answer(ALICE, 0) is None
    assert await channel.next_answer(ALICE, 0.01) is None  # times out
    assert channel.member_ids() == {ALICE} and channel.connected()
    late = asyncio.create_task(channel.next_answer(ALICE, 5))
    await asyncio.sleep(0)
    await channel.close()
    assert await late is None and not channel.connected()
    assert not await channel.offer(ALICE, Answer("after the end"))


async def test_text_rounds_run_per_channel_beside_the_servers_voice_round(
    service: RoundService,
) -> None:
    voice = await service.begin(
        request(RoundMedium.VOICE, VOICE), FakeRoundChannel({ALICE}), RecordingPresenter(), 700
    )
    text_run = await service.begin(
        request(RoundMedium.TEXT, TEXT), TextRoundChannel(), RecordingPresenter(), 710
    )
    with pytest.raises(RoundError) as busy:
        service.check_free(GUILD, TEXT, Language.EN, RoundMedium.TEXT)
    assert busy.value.reason == "busy_text"
    service.check_free(GUILD, OTHER_TEXT, Language.EN, RoundMedium.TEXT)
    with pytest.raises(RoundError):
        await service.begin(
            request(RoundMedium.TEXT, TEXT), TextRoundChannel(), RecordingPresenter(), 711
        )
    assert service.active(GUILD) is voice
    assert service.find(GUILD, 710) is text_run and service.find(GUILD, TEXT) is text_run
    assert service.find(GUILD, 999) is voice
    # Anyone who sees the thread may join a text round (no voice channel to be in).
    await service.consent(text_run.id, CAROL, Language.EN)
    assert text_run.round.has_consented(CAROL)
    stopped = await service.stop(GUILD, ALICE, False, Language.EN, channel_id=710)
    assert stopped.id == text_run.id and text_run.done and not voice.done


async def test_a_text_turn_waits_its_own_time_limit_then_moves_on(service: RoundService) -> None:
    channel = TextRoundChannel()
    presenter = RecordingPresenter()
    run = await service.begin(
        request(RoundMedium.TEXT, TEXT, answer_timeout_s=0.05), channel, presenter, 710
    )
    await service.consent(run.id, BOB, Language.EN)
    assert run.task is not None
    await asyncio.wait_for(run.task, 5)
    kinds = [n.kind for n in presenter.notes]
    assert kinds == [NoteKind.GENTLE, NoteKind.NO_ANSWER]


def test_people_who_rsvpd_go_first_once_they_consent() -> None:
    round_ = Round(
        GUILD, TEXT, ALICE, Kind.BEHAVIORAL, Level.MID, Language.EN, 2, T0, priority=(CAROL, BOB)
    )
    for user in (ALICE, BOB, CAROL):
        round_.join(user, T0 + timedelta(seconds=user))
    order = []
    while (nxt := round_.next_speaker()) is not None:
        order.append(nxt.user_id)
        round_.begin_turn(nxt.user_id)
        round_.end_turn(answered=True)
    assert order == [CAROL, BOB, ALICE, CAROL, BOB, ALICE]


async def test_the_first_turn_waits_a_moment_for_rsvpd_people_then_goes_on() -> None:
    service = RoundService(
        ScriptedInterviews(),
        InMemoryRoundStore(),
        timings=RoundTimings(30.0, 600.0, stop_wait_s=5.0, priority_wait_s=0.2),
        clock=FixedClock(),
    )
    try:
        channel = TextRoundChannel()
        run = await service.begin(
            request(RoundMedium.TEXT, TEXT, priority=(BOB, CAROL)),
            channel,
            RecordingPresenter(),
            710,
        )
        await service.consent(run.id, ALICE, Language.EN)
        await asyncio.sleep(0.05)  # the loop has seen Alice by now
        await service.consent(run.id, BOB, Language.EN)
        for _ in range(100):
            if channel.waiting_for is not None:
                break
            await asyncio.sleep(0.01)
        # Bob RSVP'd: he goes first although Alice consented before him; Carol, who RSVP'd
        # but never came, holds nobody up for longer than the wait.
        assert channel.waiting_for == BOB
        assert run.round.current == BOB and not run.round.has_consented(CAROL)
    finally:
        await service.shutdown()
