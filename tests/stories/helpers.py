"""Builders for story tests: the shipped reader and rubric, real answers, graded answers."""

from __future__ import annotations

import logging
from functools import cache

from bot.catalog import Language, Level, Question
from bot.catalog.bank import QuestionBank, default_prompts_root
from bot.coaching.answer import Answer
from bot.coaching.models import Evaluation
from bot.coaching.rubric import Rubric
from bot.stories import CompetencySet, StoryReader

log = logging.getLogger(__name__)

OUTAGE = (
    "Last year at Acme I shipped a migration to our Postgres billing database that dropped an "
    "index, and checkout latency went from 200ms to 4 seconds for about 30 minutes. I was the "
    "on-call engineer and the change was mine, so I rolled it back within ten minutes, then I "
    "wrote the postmortem. I added a CI check that diffs indexes before every migration and I "
    "paired with two teammates to review the runbook. Since then we have had zero index "
    "regressions in 14 months, and the check caught three risky migrations."
)
OUTAGE_AGAIN = (
    "At Acme our Postgres billing migration once dropped an index and checkout latency jumped "
    "to 4 seconds. I was on call, I rolled the migration back in ten minutes and wrote the "
    "postmortem. Then I built a CI check that diffs indexes before each migration. In 14 "
    "months we had zero index regressions and the check caught three risky migrations."
)
MENTORING = (
    "In 2022 at Globex I mentored Priya, a new graduate on our payments team who struggled with "
    "code reviews. I set up weekly pairing sessions, I wrote a review checklist with her and I "
    "gave her ownership of the refund service. Within three months her pull requests needed "
    "half as many review rounds, and she led the Stripe webhook rewrite on her own."
)


@cache
def reader() -> StoryReader:
    """Return the shipped story reader."""
    root = default_prompts_root()
    return StoryReader.load(root, CompetencySet.load(root))


@cache
def bank() -> QuestionBank:
    """Return the shipped question bank."""
    return QuestionBank.load(default_prompts_root())


@cache
def rubric() -> Rubric:
    """Return the shipped rubric."""
    return Rubric.load(default_prompts_root())


def question(question_id: str) -> Question:
    """Return a bank question by id."""
    found = bank().get(question_id)
    assert found is not None, question_id
    return found


def grade(text: str, question_id: str, language: Language = Language.EN) -> Evaluation:
    """Grade an answer with the offline rubric."""
    return rubric().evaluate(Answer(text), question(question_id), Level.MID, language)
