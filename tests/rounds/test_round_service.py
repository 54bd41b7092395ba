"""The round service without Discord: consent, turns, commands, ratings, endings, summaries."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from bot.catalog import Kind, Language, Level
from bot.copy import text
from bot.interview.events import FeedbackGiven, SessionEnded
from bot.rounds import (
    Ending,
    Line,
    LineKind,
    Note,
    NoteKind,
    Rating,
    Round,
    RoundError,
    RoundMode,
    RoundRequest,
    RoundRun,
    RoundService,
    RoundStatus,
    RoundTimings,
)
from tests.fakes.clock import T0, FixedClock
from tests.fakes.rounds import (
    FakeRoundChannel,
    InMemoryRoundStore,
    RecordingPresenter,
    ScriptedInterviews,
)

GUILD, VOICE, THREAD = 500, 600, 700
ALICE, BOB, CAROL = 1, 2, 3
NAMES = {ALICE: "Alice", BOB: "Bob", CAROL: "Carol"}
HANGUL = re.compile(r"[\uac00-\ud7a3]")


@dataclass
class World:
    """A round service on in-memory doubles."""

    service: RoundService
    store: InMemoryRoundStore
    interviews: ScriptedInterviews
    channel: FakeRoundChannel
    presenter: RecordingPresenter

    async def begin(
        self, mode: RoundMode = RoundMode.GROUP, turns: int = 1, language: Language = Language.EN
    ) -> RoundRun:
        request = RoundRequest(
            guild_id=GUILD,
            channel_id=VOICE,
            host_id=ALICE,
            mode=mode,
            kind=Kind.BEHAVIORAL,
            level=Level.MID,
            language=language,
            turns_each=turns,
        )
        run = await self.service.begin(request, self.channel, self.presenter, THREAD)
        await self.settle(run)
        return run

    async def settle(self, run: RoundRun) -> None:
        """Let the run loop go on until it waits for someone, or has ended."""
        for _ in range(2000):
            for _ in range(5):
                await asyncio.sleep(0)
            if run.done:
                return
            waiting = run.awaiting_consent or self.channel.waiting_for is not None
            if waiting and not run.wake.is_set():
                return
            await asyncio.sleep(0.001)
        raise AssertionError("the round never went quiet")

    async def consent(self, run: RoundRun, user_id: int) -> str:
        reply = await self.service.consent(run.id, user_id, Language.EN)
        await self.settle(run)
        return reply


def make_world(*, idle_timeout_s: float = 600.0, turn_timeout_s: float = 30.0) -> World:
    store = InMemoryRoundStore()
    interviews = ScriptedInterviews()
    service = RoundService(
        interviews,
        store,
        timings=RoundTimings(turn_timeout_s, idle_timeout_s, stop_wait_s=5.0),
        clock=FixedClock(),
    )
    channel = FakeRoundChannel({ALICE, BOB, CAROL})
    return World(service, store, interviews, channel, RecordingPresenter(dict(NAMES)))


@pytest.fixture
async def world() -> AsyncIterator[World]:
    w = make_world()
    yield w
    await w.service.shutdown()


def _prompt(name: str, number: int) -> Line:
    return Line(LineKind.PROMPT, name=name, prompt=f"Question {number}?")


# ---- a solo interview ------------------------------------------------------------------


async def test_solo_round_hears_only_its_candidate_and_ends_with_the_interview(
    world: World,
) -> None:
    run = await world.begin(RoundMode.SOLO, turns=2)
    assert world.channel.said == [Line(LineKind.CONSENT)]
    assert world.presenter.notices == [run.round]
    assert world.channel.listen_calls and all(not c for c in world.channel.listen_calls)
    with pytest.raises(RoundError) as refused:
        await world.service.consent(run.id, BOB, Language.EN)
    assert refused.value.reason == "someone_elses"
    assert world.channel.listening == frozenset()

    assert await world.consent(run, ALICE) == text("rounds.replies.consented_solo")
    assert world.channel.listening == {ALICE}
    assert world.channel.said[-1] == _prompt("", 1)
    world.channel.answer(ALICE, "great answer about the migration")
    await world.settle(run)
    session_id = run.round.participants[0].session_id
    assert world.interviews.answers == [(session_id, "great answer about the migration", True)]
    assert world.channel.said[-1] == _prompt("", 2)
    world.channel.answer(ALICE, "weak answer")
    await world.settle(run)

    assert run.done and world.channel.closed
    assert any(
        isinstance(e, SessionEnded) for _, events, _ in world.presenter.shown for e in events
    )
    stored = await world.store.get_round(run.id)
    assert stored is not None and stored.status is RoundStatus.FINISHED
    assert world.presenter.endings == [] and world.presenter.summaries == []
    assert [a.score for a in await world.store.answers(run.id)] == [92, 30]
    assert world.service.active(GUILD) is None


async def test_consent_checks_presence_and_a_running_text_interview(world: World) -> None:
    run = await world.begin(RoundMode.GROUP)
    world.channel.members.discard(CAROL)
    with pytest.raises(RoundError) as absent:
        await world.service.consent(run.id, CAROL, Language.EN)
    assert absent.value.reason == "join_first" and f"<#{VOICE}>" in absent.value.user_message
    world.interviews.running.add(BOB)
    with pytest.raises(RoundError) as busy:
        await world.service.consent(run.id, BOB, Language.EN)
    assert "/interview stop" in busy.value.user_message
    assert await world.consent(run, ALICE) == text("rounds.replies.consented_group")
    assert await world.consent(run, ALICE) == text("rounds.replies.already_consented")
    assert [p.user_id for p in world.store.participants[run.id]] == [ALICE]


async def test_an_empty_answer_is_asked_again_unless_a_real_one_is_waiting(
    world: World,
) -> None:
    run = await world.begin(RoundMode.SOLO, turns=1)
    await world.consent(run, ALICE)
    world.channel.answer(ALICE, "")
    await world.settle(run)
    assert world.presenter.notes == [Note(NoteKind.NOT_CAUGHT, "Alice")]
    assert world.channel.said[-1] == Line(LineKind.NOT_CAUGHT, "Alice")
    # A cough heard as nothing, then the real answer: both wait, the answer is taken.
    world.channel.answer(ALICE, "")
    world.channel.answer(ALICE, "great answer")
    await world.settle(run)
    assert [a for _, a, _ in world.interviews.answers] == ["great answer"]
    assert len(world.presenter.notes) == 1


async def test_silence_prompts_once_then_ends_a_solo_interview(world: World) -> None:
    run = await world.begin(RoundMode.SOLO, turns=2)
    await world.consent(run, ALICE)
    world.channel.silence(ALICE, 2)
    await world.settle(run)
    assert world.presenter.notes == [Note(NoteKind.GENTLE, "Alice")]
    assert Line(LineKind.GENTLE, "Alice") in world.channel.said
    assert world.presenter.endings == [(Ending.SILENCE, None)]
    stored = await world.store.get_round(run.id)
    assert stored is not None and stored.status is RoundStatus.STOPPED
    session_id = run.round.participants[0].session_id
    assert world.interviews.finished == [(session_id, True)]


async def test_a_lost_connection_ends_the_round_without_prompting(world: World) -> None:
    run = await world.begin(RoundMode.SOLO)
    await world.consent(run, ALICE)
    world.channel.is_connected = False
    world.channel.silence(ALICE)
    await world.settle(run)
    assert run.done and world.presenter.endings == [(Ending.DISCONNECTED, None)]
    assert world.presenter.notes == []


async def test_nobody_consenting_ends_the_round_when_idle() -> None:
    w = make_world(idle_timeout_s=0.05)
    run = await w.begin(RoundMode.SOLO)
    assert run.task is not None
    await asyncio.wait_for(run.task, 5)
    assert w.presenter.endings == [(Ending.IDLE, None)]
    assert w.channel.closed and w.interviews.sessions == {}


# ---- a study group ---------------------------------------------------------------------


async def test_group_takes_turns_by_name_collects_ratings_and_sums_up(world: World) -> None:
    run = await world.begin(RoundMode.GROUP, turns=1)
    await world.consent(run, ALICE)
    await world.consent(run, BOB)
    assert world.channel.listening == {ALICE}
    assert world.channel.said[-1] == _prompt("Alice", 1)
    world.channel.answer(ALICE, "great answer from alice")
    await world.settle(run)
    assert world.channel.listening == {BOB}
    assert world.channel.said[-1] == _prompt("Bob", 1)
    assert all(len(c) <= 1 for c in world.channel.listen_calls)
    feedback = [
        e for uid, events, group in world.presenter.shown if group for e in events if uid == ALICE
    ]
    assert any(isinstance(e, FeedbackGiven) for e in feedback)

    (request,) = world.presenter.rating_requests
    assert request.user_id == ALICE and request.score == 92
    own = world.service.rate(request.id, ALICE, Rating.STRONG, Language.EN)
    with pytest.raises(RoundError, match="your own answer"):
        await own
    with pytest.raises(RoundError, match="Only people who consented"):
        await world.service.rate(request.id, CAROL, Rating.USEFUL, Language.EN)
    with pytest.raises(RoundError, match="no longer available"):
        await world.service.rate(999, BOB, Rating.USEFUL, Language.EN)
    rated = await world.service.rate(request.id, BOB, Rating.UNCLEAR, Language.EN)
    assert rated == "Thanks, you rated it **unclear**."
    changed = await world.service.rate(request.id, BOB, Rating.STRONG, Language.EN)
    assert changed == "Changed your rating to **strong**."

    world.channel.answer(BOB, "weak answer from bob")
    await world.settle(run)
    assert run.done
    (summary, ending, stopped_by), *_ = world.presenter.summaries
    assert ending is None and stopped_by is None
    alice, bob = summary.participants
    assert alice.scores == (92,) and alice.ratings[Rating.STRONG] == 1
    assert bob.scores == (30,) and bob.ratings_given == 1
    assert summary.round.status is RoundStatus.FINISHED


async def test_only_the_host_or_a_manager_steers_and_stop_sums_up(world: World) -> None:
    run = await world.begin(RoundMode.GROUP, turns=2)
    for user in (ALICE, BOB, CAROL):
        await world.consent(run, user)
    for call in (
        world.service.next(GUILD, CAROL, False, Language.EN),
        world.service.skip(GUILD, BOB, CAROL, False, Language.EN),
        world.service.stop(GUILD, CAROL, False, Language.EN),
    ):
        with pytest.raises(RoundError) as refused:
            await call
        assert refused.value.reason == "host_only"
    assert await world.service.skip(GUILD, BOB, ALICE, False, Language.EN) == (
        "Bob's next turn will be skipped."
    )
    assert await world.service.next(GUILD, BOB, True, Language.EN) == (
        "Moving on to the next person."
    )
    await world.settle(run)
    assert world.presenter.notes[-1] == Note(NoteKind.MOVED_ON, "Alice")
    assert world.channel.listening == {CAROL}
    stopped = await world.service.stop(GUILD, ALICE, False, Language.EN)
    assert stopped.status is RoundStatus.STOPPED
    summary, ending, stopped_by = world.presenter.summaries[-1]
    assert (ending, stopped_by) == (Ending.STOP, ALICE)
    bob = next(p for p in summary.participants if p.user_id == BOB)
    assert (bob.answered, bob.passed) == (0, 1)
    with pytest.raises(RoundError) as gone:
        await world.service.stop(GUILD, ALICE, False, Language.EN)
    assert gone.value.reason == "nothing_running"


async def test_skipping_the_current_turn_skips_its_question(world: World) -> None:
    run = await world.begin(RoundMode.GROUP, turns=2)
    await world.consent(run, ALICE)
    await world.consent(run, BOB)
    reply = await world.service.skip(GUILD, ALICE, ALICE, False, Language.EN)
    assert reply == "Skipping Alice's turn."
    await world.settle(run)
    assert world.presenter.notes == [Note(NoteKind.SKIPPED, "Alice")]
    assert world.channel.listening == {BOB}
    with pytest.raises(RoundError) as solo_only:
        await world.service.skip(GUILD, CAROL, ALICE, False, Language.EN)
    assert solo_only.value.reason == "skip_not_consented"


async def test_people_leaving_move_on_and_an_empty_channel_ends_the_round(
    world: World,
) -> None:
    run = await world.begin(RoundMode.GROUP, turns=1)
    await world.consent(run, ALICE)
    await world.consent(run, BOB)
    world.channel.members.discard(ALICE)
    await world.service.member_left(GUILD, ALICE, VOICE)
    await world.settle(run)
    assert world.presenter.notes == [Note(NoteKind.LEFT, "Alice")]
    assert world.channel.listening == {BOB}
    world.channel.members.clear()
    await world.service.member_left(GUILD, BOB, VOICE)
    await world.settle(run)
    assert run.done
    assert world.presenter.summaries[-1][1] is Ending.EMPTY


async def test_a_second_round_in_a_server_is_refused(world: World) -> None:
    run = await world.begin(RoundMode.GROUP)
    with pytest.raises(RoundError) as here:
        world.service.check_free(GUILD, VOICE, Language.EN)
    assert here.value.reason == "busy_here"
    with pytest.raises(RoundError) as elsewhere:
        world.service.check_free(GUILD, VOICE + 1, Language.EN)
    assert f"<#{VOICE}>" in elsewhere.value.user_message
    world.service.check_free(GUILD + 1, VOICE, Language.EN)
    async with world.service.claim(GUILD + 1, VOICE, Language.EN):
        with pytest.raises(RoundError) as setting_up:
            world.service.check_free(GUILD + 1, VOICE, Language.EN)
        assert setting_up.value.reason == "busy_setting_up"
    world.service.check_free(GUILD + 1, VOICE, Language.EN)
    await world.service.disconnected(GUILD)
    await world.settle(run)
    assert run.done and world.presenter.summaries[-1][1] is Ending.DISCONNECTED


async def test_privacy_can_end_the_rounds_someone_is_in_and_restarts_are_cleaned_up(
    world: World,
) -> None:
    run = await world.begin(RoundMode.GROUP)
    assert await world.service.end_rounds_of(BOB) == []
    await world.consent(run, BOB)
    assert world.service.live_round(run.id) is run.round
    assert await world.service.end_rounds_of(BOB) == [run.id]
    assert run.done and world.service.live_round(run.id) is None
    stale = await world.store.create_round(
        Round(GUILD + 1, VOICE, BOB, Kind.CODING, Level.SENIOR, Language.EN, 1, T0)
    )
    assert await world.service.recover() == 1
    found = await world.store.get_round(stale.id or 0)
    assert found is not None and found.status is RoundStatus.STOPPED


async def test_a_korean_round_answers_in_korean() -> None:
    w = make_world()
    run = await w.begin(RoundMode.SOLO, language=Language.KO)
    try:
        with pytest.raises(RoundError) as refused:
            await w.service.consent(run.id, BOB, Language.EN)
        assert HANGUL.search(refused.value.user_message)
        assert HANGUL.search(await w.consent(run, ALICE))
        with pytest.raises(RoundError) as group_only:
            await w.service.next(GUILD, ALICE, False, Language.EN)
        assert HANGUL.search(group_only.value.user_message)
    finally:
        await w.service.shutdown()
    # Without a round, the caller's own language is used.
    with pytest.raises(RoundError) as nothing:
        await w.service.next(GUILD, ALICE, False, Language.KO)
    assert HANGUL.search(nothing.value.user_message)
