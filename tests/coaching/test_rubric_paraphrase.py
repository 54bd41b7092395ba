"""Structure, reasons and topic are recognised however they are said, in English and Korean."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from bot.catalog import Kind, Language, Level, Question
from bot.coaching.answer import Answer
from bot.coaching.models import Evaluation
from bot.coaching.rubric import Rubric

log = logging.getLogger(__name__)

Grade = Callable[..., Evaluation]


def ask(text: str, kind: Kind = Kind.BEHAVIORAL, language: Language = Language.EN) -> Question:
    return Question("adhoc", kind, language, (Level.MID,), (), text, "")


def fired(evaluation: Evaluation) -> set[str]:
    return {f.rule_id for f in evaluation.findings}


def test_the_issues_technical_decision_is_on_topic_and_not_penalised(rubric: Rubric) -> None:
    answer = (
        "I led the migration of our billing jobs to a queue; I chose SQS over Kafka because "
        "ordering was per-customer only, and failed payments fell 30 percent"
    )
    evaluation = rubric.evaluate(
        Answer(answer), ask("Tell me about a technical decision you made"), Level.MID
    )

    assert evaluation.on_topic
    assert "communication.off_topic" not in fired(evaluation)
    assert {"positive.tradeoffs", "positive.reasoning"} & fired(evaluation) or (
        "depth.no_reasoning" not in fired(evaluation)
    )


@pytest.mark.parametrize(
    ("text", "absent_rule"),
    [
        (
            "The goal I was given was to halve checkout errors before launch. I traced them to "
            "a race in the cart service and added a lock. Errors fell by 60 percent in a week.",
            "structure.task_missing",
        ),
        (
            "Our mobile team had been shipping late for three sprints in a row. I set up a "
            "weekly planning session and split the work into smaller tickets. By the next "
            "quarter we shipped on time.",
            "structure.situation_missing",
        ),
        (
            "At a fintech startup the nightly reconciliation took six hours. I rewrote the "
            "slowest query and cached the exchange rates. The job now finishes in 40 minutes.",
            "structure.result_missing",
        ),
    ],
)
def test_star_parts_are_found_in_paraphrase(rubric: Rubric, text: str, absent_rule: str) -> None:
    evaluation = rubric.evaluate(
        Answer(text), ask("Tell me about a time you improved something at work."), Level.MID
    )
    assert absent_rule not in fired(evaluation)


def test_a_result_in_the_opening_sentence_is_not_the_storys_result(rubric: Rubric) -> None:
    text = (
        "The launch was two days away, which meant every hour counted. I split the work "
        "into tasks and asked for help on the testing. I kept a checklist for the team."
    )
    evaluation = rubric.evaluate(
        Answer(text), ask("Tell me about a time you worked to a tight deadline."), Level.MID
    )
    assert "structure.result_missing" in fired(evaluation)


@pytest.mark.parametrize(
    ("text", "kind", "present"),
    [
        (
            "A relational store fits here since the data has many joins, whereas a document "
            "store would make the reporting queries painful.",
            Kind.TECHNICAL,
            "positive.tradeoffs",
        ),
        (
            "Let me assume ten million daily users and a read to write ratio of about 100 to 1 "
            "before I sketch the components.",
            Kind.SYSTEM_DESIGN,
            "positive.assumptions",
        ),
        (
            "I walk the array once with a dictionary, so it runs in linear time and uses "
            "linear extra space for the map.",
            Kind.CODING,
            "positive.complexity",
        ),
    ],
)
def test_tradeoffs_assumptions_and_complexity_in_paraphrase(
    rubric: Rubric, text: str, kind: Kind, present: str
) -> None:
    evaluation = rubric.evaluate(Answer(text), ask("How would you approach this?", kind), Level.MID)
    assert present in fired(evaluation)


def test_a_reason_negated_is_not_a_reason(rubric: Rubric) -> None:
    rushed = (
        "I'd skim the logs, patch whatever I spot and push it out fast, instead of spending "
        "time on analysis or thorough testing."
    )
    careful = (
        "I'd read the logs to see what happened, reproduce it, fix the code and then check "
        "that the errors have gone away."
    )
    question = ask("How do you fix a bug that shows up in production?", Kind.TECHNICAL)
    assert (
        rubric.evaluate(Answer(careful), question, Level.MID).score
        > rubric.evaluate(Answer(rushed), question, Level.MID).score
    )


@pytest.mark.parametrize(
    ("text", "absent_rule"),
    [
        (
            "작년에 결제 오류가 계속 늘었습니다. 제 목표는 출시 전까지 오류를 절반으로 줄이는 "
            "것이었습니다. 제가 재시도 로직을 고쳤고, 그 결과 오류가 60% 줄었습니다.",
            "structure.task_missing",
        ),
        (
            "이전 회사에서 배포가 자주 늦어졌습니다. 제가 작업을 작게 나누자고 제안했습니다. "
            "그 뒤로 세 번의 스프린트 동안 일정이 밀리지 않았습니다.",
            "structure.result_missing",
        ),
    ],
)
def test_korean_star_parts_in_paraphrase(rubric: Rubric, text: str, absent_rule: str) -> None:
    question = ask("업무에서 무언가를 개선했던 경험을 말씀해 주세요.", language=Language.KO)
    evaluation = rubric.evaluate(Answer(text), question, Level.MID, Language.KO)
    assert absent_rule not in fired(evaluation)
    assert evaluation.on_topic


def test_an_answer_in_own_words_is_on_topic_in_both_languages(rubric: Rubric) -> None:
    en = rubric.evaluate(
        Answer(
            "Priya wanted to ship the retries right away; I thought we needed idempotency keys "
            "first. We went back and forth for two days, then I suggested we each write down "
            "the worst outcome of the other plan, and we shipped a small version first."
        ),
        ask("Tell me about a conflict with a teammate and how you resolved it."),
        Level.MID,
    )
    ko = rubric.evaluate(
        Answer(
            "동료는 새 기능을 바로 배포하자고 했고 저는 중복 결제를 막는 장치가 먼저라고 봤습니다. "
            "이틀 동안 맞섰지만 제가 최악의 상황을 적어 보자고 제안해서 축소 버전부터 내기로 "
            "합의했습니다."
        ),
        ask("팀원과 의견이 달랐던 경험을 말씀해 주세요.", language=Language.KO),
        Level.MID,
        Language.KO,
    )
    assert en.on_topic and ko.on_topic
