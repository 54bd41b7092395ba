"""Terminal lines of a Korean session carry no English tags: no "(offline)", no "[mid]"."""

from __future__ import annotations

import io
import logging

from bot.catalog import Kind, Language, Level, Question
from bot.cli.render import render_event, write_evaluation
from bot.coaching.models import OFFLINE, Coaching, Dimension, Evaluation
from bot.copy import text
from bot.interview.events import QuestionAsked
from bot.interview.models import Turn

log = logging.getLogger(__name__)


def test_korean_score_line_names_the_coach_in_korean_only() -> None:
    out = io.StringIO()
    evaluation = Evaluation(
        score=78,
        dimensions=dict.fromkeys(Dimension, 78),
        findings=(),
        coaching=Coaching("", "", ""),
        source=OFFLINE,
    )
    write_evaluation(evaluation, out, Language.KO)
    first = out.getvalue().splitlines()[0]
    assert "(offline)" not in first and "offline" not in first
    assert text("feedback.source.offline", Language.KO) in first


def test_korean_question_line_names_the_level_in_korean() -> None:
    question = Question(
        id="q", kind=Kind.BEHAVIORAL, language=Language.KO, levels=(Level.MID,),
        skills=("ownership",), text="질문입니다", hint="",
    )  # fmt: skip
    out = io.StringIO()
    render_event(
        QuestionAsked(Turn(0, "q", "질문입니다", Level.MID), question, 1, 4), out, Language.KO
    )
    line = out.getvalue().strip()
    assert "[mid]" not in line
    assert f"[{text('common.levels.mid', Language.KO)}]" in line
