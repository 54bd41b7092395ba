"""The summary and /interview history count the same thing: questions answered."""

from __future__ import annotations

from bot.catalog import Language
from bot.interview.engine import InterviewEngine
from bot.interview.events import SessionEnded
from bot.presenters import clock, summary_lines
from tests.fakes.evaluator import ScriptedEvaluator, make_bank
from tests.fakes.sessions import InMemorySessionStore
from tests.interview.helpers import opts


async def test_follow_up_reply_is_part_of_its_question_in_summary_and_history() -> None:
    eng = InterviewEngine(InMemorySessionStore(), make_bank(), ScriptedEvaluator())
    session, _ = await eng.start(opts(count=3))
    assert session.id is not None
    await eng.answer(session.id, "vague first")  # graded, then a follow-up is asked
    await eng.answer(session.id, "plain reply")  # the follow-up's reply: same question
    ended = (await eng.finish(session.id, stopped=True))[0]
    assert isinstance(ended, SessionEnded)
    summary = ended.summary
    [row] = await eng.history(session.user_id, session.guild_id)
    assert summary.answered == row.answered == 1
    assert row.average_score == summary.average_score
    # One answered question is not "the strongest" of anything.
    assert summary.best is None
    lines = "\n".join(summary_lines(summary, Language.EN))
    assert "Strongest" not in lines and "Questions answered: 1" in lines


def test_clock_cuts_to_the_second_like_the_report() -> None:
    assert clock(900) == "0:00" and clock(72_400) == "1:12"
