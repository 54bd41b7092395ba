"""Rewind (answer an earlier question again) and re-evaluation in the engine.

The engine runs on the in-memory session store; ``..._on_sqlite`` tests use the real one.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.catalog import Question
from bot.coaching.answer import Answer
from bot.coaching.grading import GradingContext
from bot.coaching.models import Dimension, Evaluation, Fallback, ModelGap, Provenance
from bot.errors import CoachError
from bot.interview.engine import InterviewEngine
from bot.interview.events import (
    Comparison,
    FeedbackGiven,
    QuestionAsked,
    RetryGraded,
    RewindAsked,
    SessionEnded,
)
from bot.interview.models import SessionStatus, TurnStatus
from storage.db import Database
from storage.sessions import SqliteSessionStore
from tests.fakes.evaluator import ScriptedEvaluator, evaluation, make_bank
from tests.fakes.sessions import InMemorySessionStore
from tests.interview.helpers import opts


class SwitchableEvaluator(ScriptedEvaluator):
    """Grade like the scripted evaluator, as the model or as a failed/limited model."""

    def __init__(self) -> None:
        super().__init__()
        self.mode = "llm"

    async def evaluate(
        self, answer: Answer, question: Question, context: GradingContext
    ) -> Evaluation:
        base = await super().evaluate(answer, question, context)
        if self.mode == "down":
            return replace(base, fallback=Fallback(ModelGap.UNAVAILABLE, "DOWN-NOTE"))
        if self.mode == "budget":
            return replace(base, fallback=Fallback(ModelGap.BUDGET, "BUDGET-NOTE"))
        if self.mode == "offline":
            return base
        return replace(
            base, score=base.score + 5, source="llm", provenance=Provenance(provider="openai")
        )


EngineEnv = tuple[InterviewEngine, SwitchableEvaluator]


@pytest.fixture
def env() -> EngineEnv:
    evaluator = SwitchableEvaluator()
    evaluator.mode = "offline"
    return InterviewEngine(InMemorySessionStore(), make_bank(), evaluator), evaluator


async def test_retry_is_stored_as_an_attempt_and_compared(env: EngineEnv) -> None:
    eng, _ = env
    session, _ = await eng.start(opts(count=3))
    assert session.id is not None
    await eng.answer(session.id, "vague first")  # 40, result missing -> follow-up
    before = await eng.session(session.id)
    rewind = await eng.rewind(session.id, 1)
    assert isinstance(rewind, RewindAsked) and rewind.number == 1 and rewind.attempts == 1
    events = await eng.answer(session.id, "great retry")
    assert len(events) == 1 and isinstance(events[0], RetryGraded)
    retry = events[0]
    assert retry.attempt_number == 2
    assert retry.comparison.dimensions[Dimension.STRUCTURE] == (40, 92)
    assert retry.comparison.fixed == ("structure.result_missing",)
    assert retry.comparison.new == () and retry.comparison.score_delta == 52
    after = await eng.session(session.id)
    # The original answer, the open follow-up, the level and the summary are untouched.
    assert [(t.status, t.answer) for t in after.turns] == [
        (t.status, t.answer) for t in before.turns
    ]
    assert after.level is before.level and after.rewind_turn_id is None
    assert eng.summarise(after).scores == (40,)
    attempts = await eng.attempts(after.turns[0].id or 0)
    assert [(a.answer, a.evaluation.score) for a in attempts] == [("great retry", 92)]
    # A second rewind compares with the latest attempt, not the first answer.
    await eng.rewind(session.id, 1)
    again = (await eng.answer(session.id, "vague third"))[0]
    assert isinstance(again, RetryGraded) and again.attempt_number == 3
    assert again.comparison.before.score == 92 and again.comparison.new == (
        "structure.result_missing",
    )


async def test_retry_keeps_the_current_prompt_pending_and_answers_resume(env: EngineEnv) -> None:
    eng, _ = env
    session, _ = await eng.start(opts(count=2))
    assert session.id is not None
    events = await eng.answer(session.id, "great one")
    second = next(e for e in events if isinstance(e, QuestionAsked))
    await eng.rewind(session.id, 1)
    retry = (await eng.answer(session.id, "plain retry"))[0]
    assert isinstance(retry, RetryGraded) and retry.pending is not None
    assert retry.pending.id == second.turn.id
    events = await eng.answer(session.id, "great two")
    assert isinstance(events[0], FeedbackGiven) and isinstance(events[-1], SessionEnded)


async def test_rewind_refusals_are_friendly(env: EngineEnv) -> None:
    eng, _ = env
    session, _ = await eng.start(opts(count=3))
    assert session.id is not None
    with pytest.raises(CoachError, match="hasn't been answered"):
        await eng.rewind(session.id, 1)
    await eng.skip(session.id)
    with pytest.raises(CoachError, match="skipped"):
        await eng.rewind(session.id, 1)
    with pytest.raises(CoachError, match=r"no question 5.*1 to 2"):
        await eng.rewind(session.id, 5)
    with pytest.raises(CoachError, match="no question 0"):
        await eng.rewind(session.id, 0)
    assert (await eng.session(session.id)).rewind_turn_id is None


async def test_rewind_on_a_finished_session(env: EngineEnv) -> None:
    eng, _ = env
    session, _ = await eng.start(opts(count=1))
    assert session.id is not None
    await eng.answer(session.id, "plain only")
    assert (await eng.session(session.id)).status is SessionStatus.FINISHED
    latest = await eng.latest_session(7, 99)
    assert latest is not None and latest.id == session.id
    asked = await eng.rewind(session.id, 1)
    assert not asked.session_active
    found = await eng.rewind_in_channel(0)
    assert found is None  # the session is bound to no channel in this test
    retry = (await eng.answer(session.id, "great retry"))[0]
    assert isinstance(retry, RetryGraded) and retry.pending is None
    from bot.errors import SessionNotFound

    with pytest.raises(SessionNotFound):
        await eng.answer(session.id, "no retry pending any more")


async def test_cancel_rewind(env: EngineEnv) -> None:
    eng, _ = env
    session, _ = await eng.start(opts(count=3))
    assert session.id is not None
    await eng.answer(session.id, "great one")
    await eng.rewind(session.id, 1)
    assert await eng.cancel_rewind(session.id) is True
    assert await eng.cancel_rewind(session.id) is False
    events = await eng.answer(session.id, "plain two")
    assert isinstance(events[0], FeedbackGiven)


async def test_reevaluate_regrades_only_answers_the_model_missed(env: EngineEnv) -> None:
    eng, evaluator = env
    session, _ = await eng.start(opts(count=3))
    assert session.id is not None
    evaluator.mode = "down"
    await eng.answer(session.id, "great one")
    evaluator.mode = "llm"
    await eng.answer(session.id, "plain two")
    evaluator.mode = "down"
    await eng.answer(session.id, "weak three")
    calls = len(evaluator.calls)
    result = await eng.reevaluate(session.id)
    assert result.stopped == "unavailable" and result.remaining == 2 and result.note == "DOWN-NOTE"
    evaluator.mode = "budget"
    assert (await eng.reevaluate(session.id)).stopped == "budget"
    evaluator.mode = "offline"
    assert (await eng.reevaluate(session.id)).stopped == "no_model"
    evaluator.mode = "llm"
    result = await eng.reevaluate(session.id)
    assert result.stopped is None and len(result.regraded) == 2
    assert [r.comparison.score_delta for r in result.regraded] == [5, 5]
    assert evaluator.calls[calls:].count("plain two") == 0
    stored = await eng.session(session.id)
    assert [t.evaluation.source for t in stored.turns if t.evaluation] == ["llm"] * 3
    assert (await eng.reevaluate(session.id)).needed == 0


async def test_reevaluate_counts_answers_graded_without_any_model(env: EngineEnv) -> None:
    eng, _ = env
    session, _ = await eng.start(opts(count=2))
    assert session.id is not None
    await eng.answer(session.id, "plain one")
    result = await eng.reevaluate(session.id)
    assert result.needed == 0 and result.offline_only == 1


def test_comparison_lists_fixed_new_and_still_open_rules() -> None:
    vague = evaluation(40, missing_result=True)
    great = evaluation(92)
    assert Comparison.of(vague, vague).still == ("structure.result_missing",)
    flipped = Comparison.of(great, vague)
    assert flipped.new == ("structure.result_missing",) and flipped.fixed == ()
    assert flipped.dimensions[Dimension.DEPTH] == (92, 40)


async def test_rewind_survives_a_restart_on_sqlite(tmp_path: Path) -> None:
    path = tmp_path / "restart.sqlite3"
    async with Database(path) as db:
        eng = InterviewEngine(SqliteSessionStore(db), make_bank(), ScriptedEvaluator())
        session, _ = await eng.start(opts(count=3))
        assert session.id is not None
        await eng.answer(session.id, "great one")
        await eng.bind_channel(session.id, 555)
        await eng.rewind(session.id, 1)
    async with Database(path) as db:
        eng = InterviewEngine(SqliteSessionStore(db), make_bank(), ScriptedEvaluator())
        found = await eng.rewind_in_channel(555)
        assert found is not None and found.rewind_turn is not None
        assert found.rewind_turn.status is TurnStatus.EVALUATED
        retry = (await eng.answer(session.id, "vague retry"))[0]
        assert isinstance(retry, RetryGraded) and retry.comparison.score_delta == -52
