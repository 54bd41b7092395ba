"""The rules the entry points used to hold: which interview a command or a message acts on,
who may answer, one grade at a time, and crash recovery; tested without Discord."""

from __future__ import annotations

import asyncio

import pytest

from bot.catalog import Kind, Language, Level
from bot.errors import AnswerBusy, CoachError, SessionAlreadyActive
from bot.interview.desk import InterviewDesk
from bot.interview.engine import InterviewEngine, StartOptions
from bot.interview.events import NoticeGiven, QuestionAsked, SessionEnded
from bot.interview.inbox import AnswerInbox, Delivery
from bot.interview.models import Session, TurnStatus
from bot.interview.ports import GradedAnswer
from tests.fakes.evaluator import ScriptedEvaluator, make_bank
from tests.fakes.sessions import InMemorySessionStore

USER, OTHER, GUILD, THREAD = 7, 8, 99, 555


def build() -> tuple[InterviewEngine, InMemorySessionStore, ScriptedEvaluator]:
    store = InMemorySessionStore()
    evaluator = ScriptedEvaluator()
    return InterviewEngine(store, make_bank(), evaluator), store, evaluator


def options(language: Language = Language.EN) -> StartOptions:
    return StartOptions(USER, GUILD, Kind.BEHAVIORAL, Level.MID, 2, language)


async def opened() -> int:
    return THREAD


async def keep(session: Session) -> int | None:
    return None


async def test_start_opens_the_place_only_when_no_interview_runs_here() -> None:
    engine, _, _ = build()
    desk = InterviewDesk(engine)
    calls: list[int] = []

    async def counting() -> int:
        calls.append(1)
        return THREAD

    first = await desk.start(options(), counting)
    with pytest.raises(SessionAlreadyActive) as refused:
        await desk.start(options(), counting)

    assert first.session.channel_id == THREAD
    assert isinstance(first.events[0], QuestionAsked)
    assert calls == [1]  # no empty thread for the refused start
    assert refused.value.running.id == first.session.id


async def test_commands_without_an_interview_say_so_in_the_callers_language() -> None:
    desk = InterviewDesk(build()[0])

    with pytest.raises(CoachError) as none_running:
        await desk.stop(USER, GUILD, Language.KO)
    with pytest.raises(CoachError) as none_yet:
        await desk.reevaluate(USER, GUILD, Language.EN)

    assert "진행 중인 면접이 없습니다" in none_running.value.user_message
    assert "no interviews here yet" in none_yet.value.user_message


async def test_stop_finishes_and_a_finished_interview_can_still_be_rewound() -> None:
    engine, _, _ = build()
    desk = InterviewDesk(engine)
    await desk.start(options(), opened)
    session = await engine.active_session(USER, GUILD)
    assert session is not None and session.id is not None
    await engine.answer(session.id, "an answer")

    stopped = await desk.stop(USER, GUILD, Language.EN)
    rewound = await desk.rewind(USER, GUILD, 1, keep, Language.EN)

    assert isinstance(stopped.events[-1], SessionEnded)
    assert rewound.session.id == session.id


async def test_resume_rebinds_to_a_new_thread_when_the_old_one_is_gone() -> None:
    engine, _, _ = build()
    desk = InterviewDesk(engine)
    await desk.start(options(), opened)

    async def reopened(session: Session) -> int:
        return 777

    outcome = await desk.resume(USER, GUILD, reopened, Language.EN)

    assert outcome.session.channel_id == 777
    assert (await engine.session_in_channel(777)) is not None


async def test_the_inbox_routes_owner_others_and_strangers() -> None:
    engine, _, _ = build()
    inbox = AnswerInbox(engine)
    await InterviewDesk(engine).start(options(), opened)

    async with inbox.receive(THREAD, USER) as owner:
        assert owner.delivery is Delivery.ANSWER
    async with inbox.receive(THREAD, OTHER) as first:
        assert first.delivery is Delivery.NOT_OWNER and first.warn
    async with inbox.receive(THREAD, OTHER) as again:
        assert again.delivery is Delivery.NOT_OWNER and not again.warn
    async with inbox.receive(12345, USER) as elsewhere:
        assert elsewhere.delivery is Delivery.IGNORE


async def test_one_answer_at_a_time_and_skip_waits_for_the_grade() -> None:
    engine, _, _ = build()
    inbox = AnswerInbox(engine)
    start = await InterviewDesk(engine).start(options(), opened)
    session_id = start.session.id
    assert session_id is not None

    async with inbox.receive(THREAD, USER) as claimed:
        assert claimed.delivery is Delivery.ANSWER
        assert inbox.busy(session_id)
        async with inbox.receive(THREAD, USER) as second:
            assert second.delivery is Delivery.BUSY
        with pytest.raises(AnswerBusy) as busy:
            await inbox.skip(session_id)
    assert "still grading" in busy.value.user_message
    assert not inbox.busy(session_id)


async def test_an_answer_saved_but_never_graded_is_recovered_first() -> None:
    engine, store, evaluator = build()
    inbox = AnswerInbox(engine)
    start = await InterviewDesk(engine).start(options(), opened)
    session = await engine.session(start.session.id or 0)
    turn = session.current_turn
    assert turn is not None and session.id is not None
    # What a crash between saving the answer and grading it leaves behind.
    turn.answer, turn.status = "saved before the crash", TurnStatus.ANSWERED
    await store.save_turn(session.id, turn)

    async with inbox.receive(THREAD, USER) as inbound:
        assert inbound.delivery is Delivery.RECOVER
    recovered = [item async for item in inbox.recover_all()]

    assert [s.id for s, _ in recovered] == [session.id]
    assert evaluator.calls and evaluator.calls[-1] == "saved before the crash"


async def test_claims_are_released_even_when_grading_fails() -> None:
    engine, _, _ = build()
    inbox = AnswerInbox(engine)
    start = await InterviewDesk(engine).start(options(), opened)
    session_id = start.session.id or 0

    with pytest.raises(RuntimeError):
        async with inbox.receive(THREAD, USER):
            raise RuntimeError("grading blew up")

    assert not inbox.busy(session_id)
    await asyncio.sleep(0)


class Watcher:
    """An observer that notes what it saw and says one thing per answer."""

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.seen: list[tuple[int | None, bool]] = []

    async def started(self, session: Session) -> list[NoticeGiven]:
        return [NoticeGiven("interview.hint", {"hint": "watch your pace"})]

    async def graded(self, graded: GradedAnswer) -> list[NoticeGiven]:
        if self.fail:
            raise RuntimeError("observer broke")
        self.seen.append((graded.turn.id, graded.retry))
        return [NoticeGiven("interview.hint", {"hint": "noted"}, (graded.turn.id or 0,))]


async def test_observers_learn_from_every_graded_answer_and_retry() -> None:
    store, watcher = InMemorySessionStore(), Watcher()
    engine = InterviewEngine(store, make_bank(), ScriptedEvaluator(), observers=[watcher])
    session, events = await engine.start(options())
    assert isinstance(events[0], NoticeGiven) and isinstance(events[1], QuestionAsked)
    assert session.id is not None

    graded = await engine.answer(session.id, "an answer")
    await engine.rewind(session.id, 1)
    retried = await engine.answer(session.id, "a better answer")

    assert any(isinstance(e, NoticeGiven) for e in graded)
    assert isinstance(retried[-1], NoticeGiven)
    assert [retry for _, retry in watcher.seen] == [False, True]


async def test_a_failing_observer_never_breaks_grading() -> None:
    engine = InterviewEngine(
        InMemorySessionStore(), make_bank(), ScriptedEvaluator(), observers=[Watcher(fail=True)]
    )
    session, _ = await engine.start(options())
    assert session.id is not None

    events = await engine.answer(session.id, "an answer")

    assert any(type(e).__name__ == "FeedbackGiven" for e in events)
