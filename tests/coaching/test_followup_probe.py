"""A follow-up reply raises its question's grade only when it supplies what the probe asked."""

from __future__ import annotations

import logging

import pytest

from bot.catalog import Kind, Language, Level, Question
from bot.coaching.answer import Answer
from bot.coaching.followup import combined_answer, reply_evaluation, reply_in_other_language
from bot.coaching.models import Evaluation, Probe
from bot.coaching.rubric import Rubric
from tests.coaching.conftest import PROMPTS

log = logging.getLogger(__name__)

PROUD = Question(
    id="beh-proud",
    kind=Kind.BEHAVIORAL,
    language=Language.EN,
    levels=(Level.SENIOR,),
    skills=("ownership",),
    text=(
        "Tell me about the project you are most proud of and the part you personally played in it."
    ),
    hint="",
)
PROUD_KO = Question(
    id="beh-proud-ko",
    kind=Kind.BEHAVIORAL,
    language=Language.KO,
    levels=(Level.MID,),
    skills=("ownership",),
    text="가장 자부심을 느끼는 프로젝트 하나를 골라, 본인이 맡은 역할과 성과를 말씀해 주세요.",
    hint="",
)
MAIN = (
    "At Acme Payments our checkout service had frequent outages during peak sales. I was the "
    "tech lead responsible for reliability. I led the migration from a monolith to three "
    "services, wrote the rollout plan, added canary deploys and load tests, and moved traffic "
    "over in four weeks. Outages dropped by 90% and checkout latency fell from 800 ms to 300 ms, "
    "which kept our biggest merchant from leaving."
)
MAIN_KO = (
    "저희 팀은 결제 서비스 장애가 잦았습니다. "
    "그래서 모놀리식 구조를 세 개의 서비스로 나누는 "
    "마이그레이션을 진행했고 카나리 배포와 부하 테스트를 도입했습니다. "
    "결과적으로 장애가 90% 줄었습니다."
)
MENTORING = Probe(
    "How did you help others on the team grow through this?", "seniority.no_mentoring"
)
DIFFERENTLY = Probe("What would you do differently if you faced the same situation again?", None)
MORE_KO = Probe(
    "조금 더 자세히 말씀해 주시겠어요? 어떤 상황이었고, 가장 먼저 무엇을 하셨나요?", "depth.shallow"
)


@pytest.fixture(scope="module")
def rubric() -> Rubric:
    return Rubric.load(PROMPTS)


def _reply(
    rubric: Rubric,
    question: Question,
    level: Level,
    language: Language,
    main: str,
    probe: Probe,
    reply: str,
) -> tuple[Evaluation, Evaluation]:
    before = rubric.evaluate(Answer(main), question, level, language)
    combined, start = combined_answer([main], Answer(reply))
    graded = rubric.evaluate(combined, question, level, language)
    return before, reply_evaluation(graded, start, Answer(reply), before, probe)


@pytest.mark.parametrize(
    ("probe", "reply"),
    [
        (MENTORING, "We shipped it."),
        (
            MENTORING,
            "I was the tech lead and I owned the rollout plan and the deadline "
            "for the whole project.",
        ),
        (DIFFERENTLY, "We shipped it."),
        (DIFFERENTLY, "The weather was nice that summer and our office moved to a new floor."),
    ],
)
def test_a_reply_that_adds_nothing_asked_for_leaves_the_grade(
    rubric: Rubric, probe: Probe, reply: str
) -> None:
    before, after = _reply(rubric, PROUD, Level.SENIOR, Language.EN, MAIN, probe, reply)
    assert after.probe is not None and not after.probe.answered
    assert after.score == before.score


@pytest.mark.parametrize(
    ("probe", "reply"),
    [
        (
            MENTORING,
            "I paired with two junior engineers every week, reviewed their pull requests and "
            "coached one of them to run the final cutover herself.",
        ),
        (
            DIFFERENTLY,
            "I would start the load tests earlier, because we found a connection pool limit only "
            "in week three and that cost us a week.",
        ),
    ],
)
def test_a_reply_that_supplies_what_was_asked_raises_the_grade(
    rubric: Rubric, probe: Probe, reply: str
) -> None:
    before, after = _reply(rubric, PROUD, Level.SENIOR, Language.EN, MAIN, probe, reply)
    assert after.probe is not None and after.probe.answered
    assert after.score > before.score


def test_korean_one_word_reply_to_tell_me_more_answers_nothing(rubric: Rubric) -> None:
    before, after = _reply(
        rubric, PROUD_KO, Level.MID, Language.KO, MAIN_KO, MORE_KO, "배포했습니다."
    )
    assert after.probe is not None and not after.probe.answered
    assert after.score == before.score


def test_korean_reply_with_the_missing_role_raises_the_grade(rubric: Rubric) -> None:
    reply = (
        "저는 그 프로젝트의 테크 리드로서 마이그레이션 계획과 일정을 책임지는 역할을 맡았습니다."
    )
    before, after = _reply(rubric, PROUD_KO, Level.MID, Language.KO, MAIN_KO, MORE_KO, reply)
    assert after.probe is not None and after.probe.answered
    assert after.score > before.score


def test_reply_language_is_told_from_what_came_before() -> None:
    english = Answer("I was the tech lead, responsible for the migration plan and the deadline.")
    assert reply_in_other_language([MAIN_KO], english, Language.KO)
    assert not reply_in_other_language([MAIN], english, Language.KO)
    assert not reply_in_other_language(
        [MAIN_KO], Answer("네, 맞습니다. 제가 리드였습니다."), Language.KO
    )
    assert not reply_in_other_language([MAIN_KO], Answer("OK."), Language.KO)
