"""Memory counts a question once, however many follow-ups and retries it had."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

from bot.catalog import Kind, Language, Level
from bot.progress.catalogue import SkillCatalogue
from bot.progress.memory import by_question, recurring_habits, refs_text
from bot.progress.models import PracticeEntry

log = logging.getLogger(__name__)

RULE = "seniority.no_mentoring"
AT = datetime(2026, 11, 26, tzinfo=UTC)


def _entry(turn: int, number: int, problems: tuple[str, ...], session: int = 1) -> PracticeEntry:
    return PracticeEntry(
        turn_id=turn,
        session_id=session,
        number=number,
        kind=Kind.BEHAVIORAL,
        level=Level.SENIOR,
        language=Language.EN,
        score=70,
        at=AT,
        problems=problems,
    )


def test_follow_ups_merge_into_their_question() -> None:
    # Newest first: Q2, then Q1's two follow-ups and Q1 itself.
    entries = [
        _entry(4, 2, (RULE,)),
        _entry(3, 1, (RULE,)),
        _entry(2, 1, ()),
        _entry(1, 1, (RULE,)),
    ]
    merged = by_question(entries)
    assert [(e.session_id, e.number) for e in merged] == [(1, 2), (1, 1)]
    assert merged[1].problems == (RULE,)


def test_a_habit_names_each_question_once() -> None:
    catalogue = SkillCatalogue.load(Path(__file__).resolve().parents[2] / "prompts")
    entries = [
        _entry(8, 1, (RULE,), session=2),
        _entry(4, 2, (RULE,)),
        _entry(3, 1, (RULE,)),
        _entry(2, 1, (RULE,)),
        _entry(1, 1, (RULE,)),
    ]
    habit = next(h for h in recurring_habits(entries, catalogue) if h.key == RULE)
    assert (habit.count, habit.window) == (3, 3)
    refs = refs_text(habit.sources, Language.EN)
    assert refs == "#1 Q1, #1 Q2, #2 Q1"


def test_an_answer_in_another_language_moves_no_skill() -> None:
    from bot.catalog import Question
    from bot.coaching.models import (
        Coaching,
        Dimension,
        Evaluation,
        Evidence,
        Finding,
        Severity,
    )  # fmt: skip
    from bot.progress.graph import observe

    catalogue = SkillCatalogue.load(Path(__file__).resolve().parents[2] / "prompts")
    question = Question(
        id="q", kind=Kind.BEHAVIORAL, language=Language.KO, levels=(Level.MID,),
        skills=("ownership",), text="질문", hint="",
    )  # fmt: skip
    short = Finding(
        "depth.shallow", Dimension.DEPTH, Severity.MAJOR, "short", "say more", Evidence.missing()
    )
    evaluation = Evaluation(
        score=45,
        dimensions=dict.fromkeys(Dimension, 45),
        findings=(short,),
        coaching=Coaching("", "", ""),
        on_topic=True,
        word_count=27,
    )
    assert observe(catalogue, question, evaluation, spoken=False)
    mismatched = Evaluation(
        score=45,
        dimensions=dict.fromkeys(Dimension, 45),
        findings=(short,),
        coaching=Coaching("", "", ""),
        on_topic=True,
        word_count=27,
        answer_language="en",
    )
    assert observe(catalogue, question, mismatched, spoken=False) == []
