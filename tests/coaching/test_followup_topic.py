"""A reply that answers the follow-up is not off topic; a reply about something else is."""

from __future__ import annotations

import logging

import pytest

from bot.catalog import Kind, Language, Level, Question
from bot.coaching.answer import Answer
from bot.coaching.followup import combined_answer, reply_evaluation
from bot.coaching.models import Evaluation, Probe
from bot.coaching.rubric import Rubric
from tests.coaching.conftest import PROMPTS

log = logging.getLogger(__name__)

OFF = "communication.off_topic"


def _q(qid: str, text: str, keywords: tuple[str, ...], language: Language) -> Question:
    return Question(qid, Kind.BEHAVIORAL, language, (Level.MID,), ("x",), text, "", keywords)


DEADLINE = _q(
    "beh-deadline",
    "Describe a time you realised you were going to miss a deadline. What did you do?",
    ("deadline", "late", "scope", "estimate", "manager", "priorities", "timeline", "risk"),
    Language.EN,
)
CONFLICT = _q(
    "beh-conflict",
    "Tell me about a time you disagreed with a teammate. How did you resolve it?",
    ("conflict", "disagreement", "teammate", "compromise", "resolve"),
    Language.EN,
)
KO_FAILURE = _q(
    "beh-ko-failure",
    "일정을 지키지 못할 것 같다고 깨달았던 경험과 그때 어떻게 대처했는지 말해 주세요.",
    ("일정", "마감", "지연", "우선순위", "보고"),
    Language.KO,
)

EXCHANGES = [
    (
        DEADLINE,
        "Um, so last year I led the migration of our billing database. I planned it in phases "
        "because downtime was costly and then the remote latency fell by 40%.",
        "Take me through that in more detail: what was going on, and what did you do first?",
        "I talked to the team lead first because the outage was hurting customers, and I set "
        "up a rollback plan.",
    ),
    pytest.param(
        DEADLINE,
        "Two weeks before launch I saw the payment integration would slip by a week. I told my "
        "manager the same day and proposed cutting the refund screen from the first release.",
        "How did the stakeholders react, and what happened to the incident queue meanwhile?",
        "The on-call engineer was paged twice that week for a database outage, so I handled "
        "the incident rollback myself and the postmortem showed the alerts were misconfigured.",
        # Known gap: the offline rubric does not see the follow-up's words, only the question's.
        marks=pytest.mark.xfail(strict=True, reason="reply judged without the probe's words"),
    ),
    (
        CONFLICT,
        "A teammate wanted to rewrite our search service in Rust and I disagreed, because the "
        "team did not know Rust. We agreed to build a small prototype first.",
        "What did the prototype show, and how did that settle it?",
        "The prototype cut p99 latency from 300 ms to 120 ms but took twice as long to write, "
        "so we kept the Rust rewrite for the ranking module only.",
    ),
    (
        KO_FAILURE,
        "작년에 결제 시스템 마감을 2주 앞두고 일정이 늦어질 것 같다는 걸 알았습니다. "
        "바로 팀장님께 보고하고 범위를 줄이자고 제안했습니다.",
        "조금 더 자세히 말씀해 주시겠어요? 어떤 상황이었고, 가장 먼저 무엇을 하셨나요?",
        "당시 장애가 계속 나서 고객 불만이 많았습니다. 그래서 먼저 동료와 롤백 계획을 세우고 "
        "장애 원인을 분석했습니다.",
    ),
]


@pytest.fixture(scope="module")
def rubric() -> Rubric:
    return Rubric.load(PROMPTS)


def _reply(rubric: Rubric, question: Question, main: str, probe: str, reply: str) -> Evaluation:
    language = question.language
    before = rubric.evaluate(Answer(main), question, Level.MID, language)
    assert before.on_topic
    combined, start = combined_answer([main], Answer(reply))
    graded = rubric.evaluate(combined, question, Level.MID, language)
    return reply_evaluation(graded, start, Answer(reply), before, Probe(probe, None))


@pytest.mark.parametrize(("question", "main", "probe", "reply"), EXCHANGES)
def test_a_reply_that_answers_the_follow_up_is_not_off_topic(
    rubric: Rubric, question: Question, main: str, probe: str, reply: str
) -> None:
    evaluation = _reply(rubric, question, main, probe, reply)

    assert evaluation.on_topic
    assert OFF not in {f.rule_id for f in evaluation.findings}


@pytest.mark.parametrize(
    ("question", "main", "probe", "reply"),
    [
        (
            CONFLICT,
            str(EXCHANGES[2][1]),
            str(EXCHANGES[2][2]),
            "My favourite pizza is a margherita. You need a very hot oven, good flour and "
            "fresh basil, and the dough should rise overnight in the fridge before baking.",
        ),
        pytest.param(
            KO_FAILURE,
            EXCHANGES[3][1],
            EXCHANGES[3][2],
            "저는 주말마다 등산을 다니는데 북한산 정상에서 보는 경치가 정말 좋습니다. "
            "김밥을 싸 가서 친구들과 같이 먹으면 더 맛있습니다.",
            # Known gap: a short Korean answer with no work words gets the benefit of the doubt.
            marks=pytest.mark.xfail(strict=True, reason="short small talk reads as on topic"),
        ),
    ],
)
def test_a_reply_about_something_else_is_off_topic(
    rubric: Rubric, question: Question, main: str, probe: str, reply: str
) -> None:
    evaluation = _reply(rubric, question, main, probe, reply)

    assert OFF in {f.rule_id for f in evaluation.findings}
