"""A grader with a script, and a small question bank, for engine and cog tests."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.catalog import Kind, Language, Level, Question
from bot.catalog.bank import QuestionBank
from bot.coaching.answer import Answer
from bot.coaching.grading import GradingContext
from bot.coaching.models import Coaching, Dimension, Evaluation, Evidence, Finding, Severity

log = logging.getLogger(__name__)


def _question(n: int, levels: tuple[Level, ...], skill: str) -> Question:
    return Question(
        id=f"beh-q{n}",
        kind=Kind.BEHAVIORAL,
        language=Language.EN,
        levels=levels,
        skills=(skill,),
        text=f"Question number {n}?",
        hint=f"Hint for {n}",
    )


def make_bank() -> QuestionBank:
    """Return four questions per level and follow-ups for a missing result."""
    questions = [_question(i, (Level.JUNIOR,), f"s{i}") for i in range(4)]
    questions += [_question(10 + i, (Level.MID,), f"m{i}") for i in range(4)]
    questions += [_question(20 + i, (Level.SENIOR,), f"x{i}") for i in range(4)]
    return QuestionBank(
        questions,
        follow_ups={
            Language.EN: {"structure.result_missing": ["What was the result?", "How did it end?"]}
        },
        generic_follow_ups={Language.EN: ["Anything else?"]},
    )


def evaluation(score: int, missing_result: bool = False) -> Evaluation:
    """Return an evaluation with one score everywhere, and optionally a missing result."""
    findings: tuple[Finding, ...] = ()
    if missing_result:
        findings = (
            Finding(
                "structure.result_missing",
                Dimension.STRUCTURE,
                Severity.MAJOR,
                "No result",
                "Say how it ended.",
                Evidence.missing(),
            ),
        )
    return Evaluation(
        score=score,
        dimensions={d: score for d in Dimension},
        findings=findings,
        coaching=Coaching("good", "fix", "tip"),
    )


class ScriptedEvaluator:
    """Return evaluations from a script keyed by the answer text (its last paragraph).

    A reply to a follow-up is graded with what was said before it; the script looks at the
    reply, the part after the last blank line.
    """

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.contexts: list[GradingContext] = []
        self.fail_next = False

    async def evaluate(
        self, answer: Answer, question: Question, context: GradingContext
    ) -> Evaluation:
        """Return the scripted evaluation for the answer's last paragraph."""
        self.calls.append(answer.text)
        self.contexts.append(context)
        text = answer.text.rsplit("\n\n", 1)[-1]
        if self.fail_next:
            self.fail_next = False
            raise RuntimeError("grader crashed")
        if text.startswith("vague"):
            return evaluation(40, missing_result=True)
        if text.startswith("great"):
            return evaluation(92)
        if text.startswith("weak"):
            return evaluation(30)
        return evaluation(65)


if TYPE_CHECKING:
    from bot.coaching.grading import Evaluator

    _evaluator: Evaluator = ScriptedEvaluator()
