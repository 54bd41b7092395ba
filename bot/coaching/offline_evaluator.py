"""The Evaluator port served by the deterministic rubric alone."""

from __future__ import annotations

import logging

from bot.catalog import Question
from bot.coaching.answer import Answer
from bot.coaching.grading import GradingContext
from bot.coaching.models import Evaluation
from bot.coaching.rubric import Rubric

log = logging.getLogger(__name__)


class OfflineEvaluator:
    """Grade with the rubric: no model key needed, same answer always gets the same grade."""

    def __init__(self, rubric: Rubric) -> None:
        self._rubric = rubric

    async def evaluate(
        self, answer: Answer, question: Question, context: GradingContext
    ) -> Evaluation:
        """Return the rubric's evaluation of ``answer``."""
        return self._rubric.evaluate(answer, question, context.level, context.language)
