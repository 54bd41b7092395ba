"""The shared presenters: the summary's strongest answer agrees with its average and scores."""

from __future__ import annotations

import logging

import pytest

from bot.catalog import Language
from bot.interview.engine import InterviewEngine
from bot.interview.events import FollowUpAsked, SessionEnded
from bot.presenters import summary_lines
from tests.fakes.evaluator import ScriptedEvaluator, make_bank
from tests.fakes.sessions import InMemorySessionStore
from tests.interview.helpers import opts

log = logging.getLogger(__name__)


async def _ended_after_a_follow_up() -> SessionEnded:
    """Run two questions: the first answer is vague (40), its follow-up reply great (92)."""
    engine = InterviewEngine(InMemorySessionStore(), make_bank(), ScriptedEvaluator())
    session, _ = await engine.start(opts(count=2))
    assert session.id is not None
    events = await engine.answer(session.id, "vague story without an ending")
    assert any(isinstance(e, FollowUpAsked) for e in events)
    await engine.answer(session.id, "great: it shipped and errors fell by half")
    events = await engine.answer(session.id, "plain second answer")
    ended = events[-1]
    assert isinstance(ended, SessionEnded)
    return ended


@pytest.mark.parametrize("language", [Language.EN, Language.KO])
async def test_strongest_answer_uses_the_question_grade_the_average_uses(
    language: Language,
) -> None:
    summary = (await _ended_after_a_follow_up()).summary
    # The first question's own first answer scored 40; its grade after the follow-up is 92.
    assert summary.scores == (92, 65)
    best = summary.best
    assert best is not None and best.evaluation is not None and best.evaluation.score == 40
    lines = summary_lines(summary, language)
    strongest = [line for line in lines if best.prompt in line]
    assert len(strongest) == 1
    assert "(92/100)" in strongest[0]
    assert "(40/100)" not in "\n".join(lines)
    assert max(summary.scores) == 92
