"""The interview engine on the in-memory session store with a scripted evaluator.

The tests named ``..._on_sqlite`` run the same engine on the real SQLite store, end to end.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.catalog import Kind, Level
from bot.errors import InvalidAnswer, SessionAlreadyActive, SessionNotFound
from bot.interview.engine import InterviewEngine, StartOptions
from bot.interview.events import (
    FeedbackGiven,
    FollowUpAsked,
    LevelChanged,
    QuestionAsked,
    SessionEnded,
)
from bot.interview.models import SessionStatus, TurnStatus
from storage.db import Database
from storage.sessions import SqliteSessionStore
from tests.fakes.evaluator import ScriptedEvaluator, make_bank
from tests.fakes.sessions import InMemorySessionStore
from tests.interview.helpers import opts

EngineEnv = tuple[InterviewEngine, ScriptedEvaluator, InMemorySessionStore]


@pytest.fixture
def engine() -> EngineEnv:
    store = InMemorySessionStore()
    evaluator = ScriptedEvaluator()
    return InterviewEngine(store, make_bank(), evaluator), evaluator, store


SqliteEnv = tuple[InterviewEngine, ScriptedEvaluator, Database]


@pytest.fixture
async def sqlite_engine(tmp_path: Path) -> AsyncIterator[SqliteEnv]:
    async with Database(tmp_path / "t.sqlite3") as db:
        evaluator = ScriptedEvaluator()
        yield InterviewEngine(SqliteSessionStore(db), make_bank(), evaluator), evaluator, db


async def test_start_asks_first_question_at_requested_level(engine: EngineEnv) -> None:
    eng, _, _ = engine
    session, events = await eng.start(opts())
    assert len(events) == 1 and isinstance(events[0], QuestionAsked)
    asked = events[0]
    assert asked.number == 1 and asked.total == 3
    assert Level.MID in asked.question.levels
    assert session.status is SessionStatus.ACTIVE


async def test_second_start_in_same_server_is_refused_but_other_server_allowed(
    engine: EngineEnv,
) -> None:
    eng, _, _ = engine
    first, _ = await eng.start(opts())
    with pytest.raises(SessionAlreadyActive) as info:
        await eng.start(opts())
    assert info.value.session_id == first.id
    other = StartOptions(7, 100, Kind.BEHAVIORAL, Level.MID, 3)
    second, _ = await eng.start(other)
    assert second.id != first.id


async def test_vague_answer_gets_follow_ups_capped_at_two(engine: EngineEnv) -> None:
    eng, _, _ = engine
    session, events = await eng.start(opts())
    first_q = events[0].turn.question_id  # type: ignore[union-attr]
    events = await eng.answer(session.id, "vague answer one")
    assert isinstance(events[0], FeedbackGiven)
    assert isinstance(events[1], FollowUpAsked)
    assert events[1].turn.prompt == "What was the result?"
    events = await eng.answer(session.id, "vague answer two")
    assert isinstance(events[1], FollowUpAsked)
    # The result was already probed once: the second follow-up asks something else.
    assert events[1].turn.prompt == "Anything else?"
    assert events[1].turn.probe_rule is None
    events = await eng.answer(session.id, "vague answer three")
    assert isinstance(events[0], FeedbackGiven)
    assert isinstance(events[-1], QuestionAsked)
    assert events[-1].turn.question_id != first_q


async def test_strong_answer_moves_on_without_follow_up(engine: EngineEnv) -> None:
    eng, _, _ = engine
    session, _ = await eng.start(opts())
    events = await eng.answer(session.id, "great answer")
    assert [type(e) for e in events] == [FeedbackGiven, QuestionAsked]


async def test_difficulty_needs_two_answers_and_moves_one_level(engine: EngineEnv) -> None:
    eng, _, _ = engine
    session, _ = await eng.start(opts(count=5, level=Level.JUNIOR))
    events = await eng.answer(session.id, "great one")
    assert not any(isinstance(e, LevelChanged) for e in events)
    events = await eng.answer(session.id, "great two")
    changes = [e for e in events if isinstance(e, LevelChanged)]
    assert len(changes) == 1
    assert (changes[0].old, changes[0].new) == (Level.JUNIOR, Level.MID)
    asked = events[-1]
    assert isinstance(asked, QuestionAsked) and asked.turn.level is Level.MID
    # One more great answer at the new level is not enough to move again.
    events = await eng.answer(session.id, "great three")
    assert not any(isinstance(e, LevelChanged) for e in events)


async def test_weak_answers_lower_level(engine: EngineEnv) -> None:
    eng, _, _ = engine
    session, _ = await eng.start(opts(count=4, level=Level.SENIOR))
    await eng.answer(session.id, "weak one")
    events = await eng.answer(session.id, "weak two")
    change = next(e for e in events if isinstance(e, LevelChanged))
    assert change.new is Level.MID


async def test_session_ends_after_count_with_summary(engine: EngineEnv) -> None:
    eng, _, _ = engine
    session, _ = await eng.start(opts(count=2))
    await eng.answer(session.id, "plain one")
    events = await eng.answer(session.id, "great two")
    ended = events[-1]
    assert isinstance(ended, SessionEnded) and not ended.stopped
    assert ended.summary.answered == 2
    assert ended.summary.scores == (65, 92)
    assert ended.summary.average_score == pytest.approx(78.5)
    assert ended.summary.best is not None and ended.summary.best.evaluation.score == 92  # type: ignore[union-attr]
    stored = await eng.session(session.id)
    assert stored.status is SessionStatus.FINISHED
    with pytest.raises(SessionNotFound):
        await eng.answer(session.id, "too late")


async def test_skip_and_finish_early(engine: EngineEnv) -> None:
    eng, _, _ = engine
    session, _ = await eng.start(opts(count=3))
    events = await eng.skip(session.id)
    assert isinstance(events[-1], QuestionAsked) and events[-1].number == 2
    events = await eng.finish(session.id)
    assert isinstance(events[0], SessionEnded)
    assert events[0].summary.skipped == 1 and events[0].summary.answered == 0


async def test_empty_and_oversized_answers_are_refused_and_nothing_changes(
    engine: EngineEnv,
) -> None:
    eng, _, _ = engine
    session, _ = await eng.start(opts())
    with pytest.raises(InvalidAnswer):
        await eng.answer(session.id, "   \n ")
    with pytest.raises(InvalidAnswer, match="25,000"):
        await eng.answer(session.id, "x " * 20_000)
    stored = await eng.session(session.id)
    assert stored.current_turn is not None and stored.current_turn.status is TurnStatus.ASKED


async def test_twenty_thousand_character_answer_is_graded(engine: EngineEnv) -> None:
    eng, evaluator, _ = engine
    session, _ = await eng.start(opts())
    long = ("plain words about the project and what I did. " * 430)[:20_000]
    events = await eng.answer(session.id, long)
    assert isinstance(events[0], FeedbackGiven)
    assert len(evaluator.calls[-1]) == len(long.strip())


async def test_crash_during_grading_keeps_answer_and_resume_grades_it(engine: EngineEnv) -> None:
    eng, evaluator, _ = engine
    session, _ = await eng.start(opts())
    evaluator.fail_next = True
    with pytest.raises(RuntimeError):
        await eng.answer(session.id, "plain answer that must survive")
    stored = await eng.session(session.id)
    turn = stored.current_turn
    assert turn is not None and turn.status is TurnStatus.ANSWERED
    assert turn.answer == "plain answer that must survive"
    assert await eng.sessions_awaiting_grade() == [session.id]
    events = await eng.resume(session.id)
    assert isinstance(events[0], FeedbackGiven)
    assert events[0].turn.answer == "plain answer that must survive"
    assert await eng.sessions_awaiting_grade() == []


async def test_resume_reasks_current_question(engine: EngineEnv) -> None:
    eng, _, _ = engine
    session, events = await eng.start(opts())
    again = await eng.resume(session.id)
    assert isinstance(again[0], QuestionAsked) and again[0].resumed
    assert again[0].turn.id == events[0].turn.id  # type: ignore[union-attr]


async def test_questions_do_not_repeat_and_cover_new_skills(engine: EngineEnv) -> None:
    eng, _, _ = engine
    session, events = await eng.start(opts(count=4))
    ids = [events[0].turn.question_id]  # type: ignore[union-attr]
    for _ in range(3):
        events = await eng.answer(session.id, "plain")
        asked = [e for e in events if isinstance(e, QuestionAsked)]
        ids.extend(e.turn.question_id for e in asked)
    assert len(ids) == len(set(ids)) == 4


async def test_hint_comes_from_the_bank(engine: EngineEnv) -> None:
    eng, _, _ = engine
    session, events = await eng.start(opts())
    stored = await eng.session(session.id)
    number = events[0].turn.question_id.removeprefix("beh-q")  # type: ignore[union-attr]
    assert eng.hint(stored) == f"Hint for {number}"


async def test_a_reply_to_a_follow_up_is_graded_with_its_question(engine: EngineEnv) -> None:
    eng, evaluator, _ = engine
    session, _ = await eng.start(opts())
    await eng.answer(session.id, "vague answer about the migration")
    events = await eng.answer(session.id, "great: checkout errors fell by half")
    feedback = events[0]

    assert isinstance(feedback, FeedbackGiven)
    # The grader saw the first answer and the reply together, and what was probed.
    assert evaluator.calls[-1] == (
        "vague answer about the migration\n\ngreat: checkout errors fell by half"
    )
    context = evaluator.contexts[-1]
    assert context.probe is not None and context.probe.rule_id == "structure.result_missing"
    assert context.probe.text == "What was the result?"
    assert context.asked == "Question number 10?" or context.asked.startswith("Question number")
    assert context.session_id == session.id and context.user_id == 7 and context.guild_id == 99
    result = feedback.evaluation.probe
    assert result is not None and result.answered and result.before == 40
    assert feedback.evaluation.score == 92


async def test_a_weak_reply_never_lowers_the_questions_grade(engine: EngineEnv) -> None:
    eng, _, _ = engine
    session, _ = await eng.start(opts(count=1))
    await eng.answer(session.id, "vague answer")
    events = await eng.answer(session.id, "vague reply that still gives no result")
    feedback = events[0]

    assert isinstance(feedback, FeedbackGiven)
    assert feedback.evaluation.probe is not None
    assert not feedback.evaluation.probe.answered
    assert feedback.evaluation.score == 40  # the question keeps the grade it had


async def test_the_summary_has_one_grade_per_question(engine: EngineEnv) -> None:
    eng, _, _ = engine
    session, _ = await eng.start(opts(count=2))
    await eng.answer(session.id, "vague first answer")  # 40, follow-up asked
    await eng.answer(session.id, "vague reply")  # question stays 40, another follow-up
    await eng.answer(session.id, "weak again")  # still 40 (a reply never lowers it)
    events = await eng.answer(session.id, "great second answer")  # 92, session ends
    ended = next(e for e in events if isinstance(e, SessionEnded))

    assert ended.summary.scores == (40, 92)
    assert ended.summary.average_score == 66
    assert ended.summary.answered == 2


async def test_a_first_answer_is_graded_alone_with_the_interview_so_far(engine: EngineEnv) -> None:
    eng, evaluator, _ = engine
    session, _ = await eng.start(opts())
    await eng.answer(session.id, "great first")
    await eng.answer(session.id, "great second")
    context = evaluator.contexts[-1]

    assert evaluator.calls[-1] == "great second"
    assert context.probe is None
    assert [t.answer for t in context.history] == ["great first"]
    assert context.ab_key == str(session.id)


# ---- the same engine on the real SQLite store, end to end ------------------------------------


async def test_a_whole_interview_with_a_follow_up_on_sqlite(sqlite_engine: SqliteEnv) -> None:
    eng, _, db = sqlite_engine
    session, _ = await eng.start(opts(count=2))
    assert session.id is not None
    events = await eng.answer(session.id, "vague first answer")
    assert [type(e) for e in events] == [FeedbackGiven, FollowUpAsked]
    events = await eng.answer(session.id, "great: it ended well")
    assert isinstance(events[-1], QuestionAsked)
    events = await eng.answer(session.id, "plain second answer")
    ended = events[-1]
    assert isinstance(ended, SessionEnded) and ended.summary.scores == (92, 65)

    # A fresh store on the same file reads back what the engine wrote.
    again = await SqliteSessionStore(db).get_session(session.id)
    assert again is not None and again.status is SessionStatus.FINISHED
    assert [(t.follow_up, t.status, t.answer) for t in again.turns] == [
        (0, TurnStatus.EVALUATED, "vague first answer"),
        (1, TurnStatus.EVALUATED, "great: it ended well"),
        (0, TurnStatus.EVALUATED, "plain second answer"),
    ]
    assert again.turns[1].probe_rule == "structure.result_missing"
    (row,) = await eng.history(7, 99, 10)
    assert (row.session_id, row.answered, row.status) == (session.id, 2, SessionStatus.FINISHED)


async def test_a_crash_during_grading_resumes_on_sqlite(sqlite_engine: SqliteEnv) -> None:
    eng, evaluator, _ = sqlite_engine
    session, _ = await eng.start(opts())
    assert session.id is not None
    evaluator.fail_next = True
    with pytest.raises(RuntimeError):
        await eng.answer(session.id, "plain answer that must survive")
    assert await eng.sessions_awaiting_grade() == [session.id]
    events = await eng.resume(session.id)
    assert isinstance(events[0], FeedbackGiven)
    assert events[0].turn.answer == "plain answer that must survive"
    assert await eng.sessions_awaiting_grade() == []
