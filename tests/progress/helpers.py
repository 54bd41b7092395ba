"""Builders for progress tests: the shipped catalogues, findings, evaluations, answers."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import cache

from bot.catalog import Kind, Language, Level, Question
from bot.catalog.bank import QuestionBank, default_prompts_root
from bot.coaching.models import Coaching, Dimension, Evaluation, Evidence, Finding, Severity
from bot.progress import SkillCatalogue
from bot.progress.models import PracticeEntry
from tests.fakes.clock import T0

log = logging.getLogger(__name__)


@cache
def catalogue() -> SkillCatalogue:
    """Return the shipped skill catalogue."""
    return SkillCatalogue.load(default_prompts_root())


@cache
def bank() -> QuestionBank:
    """Return the shipped question bank."""
    return QuestionBank.load(default_prompts_root())


def question(kind: Kind = Kind.BEHAVIORAL, skills: tuple[str, ...] = ()) -> Question:
    """Return a question of ``kind`` with the given tags."""
    return Question(
        id=f"{kind.value}-q",
        kind=kind,
        language=Language.EN,
        levels=(Level.MID,),
        skills=skills,
        text="Tell me about a time you shipped something.",
        hint="",
    )


def finding(
    rule_id: str,
    severity: Severity = Severity.MAJOR,
    *,
    positive: bool = False,
    quote: str | None = None,
) -> Finding:
    """Return a finding of ``rule_id`` (absent evidence unless quoted)."""
    group = rule_id.split(".")[0]
    known = {d.value for d in Dimension}
    dimension = Dimension(group) if group in known and not positive else Dimension.STRUCTURE
    evidence = Evidence(quote, 0, len(quote)) if quote else Evidence.missing()
    return Finding(rule_id, dimension, severity, "message", "fix", evidence, positive)


def evaluation(score: int, *findings: Finding, on_topic: bool = True) -> Evaluation:
    """Return an evaluation with ``score`` on every dimension."""
    return Evaluation(
        score=score,
        dimensions={d: score for d in Dimension},
        findings=findings,
        coaching=Coaching("p", "f", "t"),
        on_topic=on_topic,
        word_count=120,
    )


def entry(
    n: int,
    *problems: str,
    kind: Kind = Kind.BEHAVIORAL,
    spoken: bool = False,
    at: datetime = T0,
) -> PracticeEntry:
    """Return practice-log entry ``n`` (turn n, interview 100 + n // 3)."""
    return PracticeEntry(
        turn_id=n,
        session_id=100 + n // 3,
        number=n % 3 + 1,
        kind=kind,
        level=Level.MID,
        language=Language.EN,
        score=60,
        at=at + timedelta(minutes=n),
        spoken=spoken,
        problems=problems,
        question_id=f"beh-{n}",
    )
