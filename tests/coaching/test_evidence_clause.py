"""Praise and "X is fixed" quote a clause of the answer, and a result's figure beats a name."""

from __future__ import annotations

import logging

import pytest

from bot.catalog import Kind, Language, Level, Question
from bot.coaching.answer import Answer
from bot.coaching.followup import combined_answer, reply_evaluation
from bot.coaching.models import Probe
from bot.coaching.rubric import Rubric
from tests.coaching.conftest import PROMPTS

log = logging.getLogger(__name__)

DEADLINE = Question(
    "beh-deadline",
    Kind.BEHAVIORAL,
    Language.EN,
    (Level.MID,),
    ("x",),
    "Describe a time you realised you were going to miss a deadline. What did you do?",
    "",
    ("deadline", "late", "scope", "estimate", "manager", "priorities", "timeline", "risk"),
)
KO = Question(
    "beh-ko",
    Kind.BEHAVIORAL,
    Language.KO,
    (Level.MID,),
    ("x",),
    "일정을 지키지 못할 것 같다고 깨달았던 경험과 그때 어떻게 대처했는지 말해 주세요.",
    "",
    ("일정", "마감", "지연", "우선순위", "보고"),
)
PHASED = (
    "In 2023 I led our billing database migration with three engineers. I chose a phased "
    "rollout because a big-bang cutover risked hours of downtime. I wrote the runbook, ran dry "
    "runs, and we switched with zero downtime; p95 latency fell 40%. I learned to rehearse "
    "rollbacks."
)


@pytest.fixture(scope="module")
def rubric() -> Rubric:
    return Rubric.load(PROMPTS)


def _words(quote: str | None) -> int:
    return len((quote or "").split())


def test_a_result_number_is_the_figure_not_the_percentile_name(rubric: Rubric) -> None:
    evaluation = rubric.evaluate(Answer(PHASED), DEADLINE, Level.MID)
    metric = next(f for f in evaluation.findings if f.rule_id == "positive.metrics")

    assert "40%" in (metric.evidence.quote or "")
    assert "40%" in evaluation.coaching.praise or "p95" not in evaluation.coaching.praise


@pytest.mark.parametrize(
    ("question", "answer", "language"),
    [
        (DEADLINE, PHASED, Language.EN),
        (
            KO,
            "작년에 결제 시스템 마감을 2주 앞두고 일정이 늦어질 것 같다는 걸 알았습니다. "
            "바로 팀장님께 보고하고 범위를 줄이자고 제안했습니다. 그 결과 출시는 5% 범위만 "
            "줄인 채 제때 했습니다.",
            Language.KO,
        ),
    ],
)
def test_every_praise_quotes_a_clause(
    rubric: Rubric, question: Question, answer: str, language: Language
) -> None:
    evaluation = rubric.evaluate(Answer(answer), question, Level.MID, language)
    praise = [f for f in evaluation.findings if f.positive and not f.evidence.absent]

    assert praise
    for finding in praise:
        quote = finding.evidence.quote or ""
        assert _words(quote) >= 3, (finding.rule_id, quote)
        assert answer[finding.evidence.start or 0 : finding.evidence.end] == quote


def test_a_fixed_gap_quotes_a_clause_of_the_reply(rubric: Rubric) -> None:
    main = (
        "Um, so last year I led the migration of our billing database. I planned it in phases "
        "because downtime was costly and then the remote latency fell by 40%."
    )
    reply = (
        "I talked to the team lead first because the outage was hurting customers, and I set "
        "up a rollback plan."
    )
    before = rubric.evaluate(Answer(main), DEADLINE, Level.MID)
    combined, start = combined_answer([main], Answer(reply))
    graded = rubric.evaluate(combined, DEADLINE, Level.MID)
    probe = Probe("What was going on, and what did you do first?", "depth.shallow")
    evaluation = reply_evaluation(graded, start, Answer(reply), before, probe)

    assert evaluation.probe is not None and evaluation.probe.answered
    quote = evaluation.probe.evidence.quote or ""
    assert _words(quote) >= 3 and quote in reply
