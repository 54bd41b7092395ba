"""A follow-up reply in another language is graded by its own rubric and noted like an answer."""

from __future__ import annotations

import logging
from pathlib import Path

from bot.catalog import Kind, Language, Level
from bot.catalog.bank import QuestionBank
from bot.coaching.offline_evaluator import OfflineEvaluator
from bot.coaching.rubric import Rubric
from bot.interview.engine import InterviewEngine, StartOptions
from bot.interview.events import FeedbackGiven, FollowUpAsked
from tests.fakes.sessions import InMemorySessionStore

log = logging.getLogger(__name__)

PROMPTS = Path(__file__).resolve().parents[2] / "prompts"
MAIN_KO = (
    "저희 팀은 결제 서비스 장애가 잦았습니다. "
    "그래서 모놀리식 구조를 세 개의 서비스로 나누는 "
    "마이그레이션을 진행했고 카나리 배포와 부하 테스트를 도입했습니다. "
    "결과적으로 장애가 90% 줄었습니다."
)


async def test_english_reply_in_a_korean_interview_is_noted_and_read_in_english() -> None:
    engine = InterviewEngine(
        InMemorySessionStore(),
        QuestionBank.load(PROMPTS),
        OfflineEvaluator(Rubric.load(PROMPTS)),
    )
    session, _ = await engine.start(
        StartOptions(
            user_id=1,
            guild_id=None,
            kind=Kind.BEHAVIORAL,
            level=Level.MID,
            count=1,
            language=Language.KO,
            question_ids=("beh-proud-project-ko",),
        )
    )
    assert session.id is not None
    events = await engine.answer(session.id, MAIN_KO)
    main = next(e for e in events if isinstance(e, FeedbackGiven)).evaluation
    assert "structure.task_missing" in {f.rule_id for f in main.problems}
    assert any(isinstance(e, FollowUpAsked) for e in events)
    events = await engine.answer(
        session.id,
        "I was the tech lead, responsible for the migration plan and the deadline of the project.",
    )
    reply = next(e for e in events if isinstance(e, FeedbackGiven)).evaluation
    rules = {f.rule_id for f in reply.findings}
    assert reply.answer_language == "en"
    assert "communication.language_mismatch" in rules
    # Read by the English rubric, the stated role is seen; the reply alone is not "too short".
    assert "structure.task_missing" not in rules
    assert "depth.shallow" not in rules
    assert reply.score >= main.score
