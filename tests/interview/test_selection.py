"""Choosing the next question: varied between interviews, reproducible within one."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.catalog import Kind, Language, Level, Question
from bot.catalog.bank import QuestionBank, default_prompts_root
from bot.interview.models import Session, Turn
from bot.interview.selection import pick_question, question_seed

log = logging.getLogger(__name__)

# A fixed instant: the documented seed (user, creation instant, session id, questions asked)
# then gives one reproducible order.
T0 = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)


def _session(created_at: datetime = T0, session_id: int = 1, user_id: int = 7) -> Session:
    """Return the first session of a fresh database (id 1), created at ``created_at``."""
    return Session(
        user_id=user_id,
        guild_id=None,
        kind=Kind.BEHAVIORAL,
        level=Level.MID,
        start_level=Level.MID,
        question_count=5,
        language=Language.EN,
        role=None,
        channel_id=None,
        created_at=created_at,
        id=session_id,
    )


def _pool() -> list[Question]:
    return QuestionBank.load(default_prompts_root()).questions(Kind.BEHAVIORAL, Language.EN)


def test_fresh_databases_do_not_all_open_with_the_same_question() -> None:
    pool = _pool()
    firsts = {
        pick_question(_session(T0 + timedelta(minutes=n)), pool, Level.MID).id  # type: ignore[union-attr]
        for n in range(30)
    }
    assert len(firsts) >= 5, firsts


def test_new_users_of_one_database_get_different_first_questions() -> None:
    pool = _pool()
    firsts = {
        pick_question(_session(session_id=n, user_id=100 + n), pool, Level.MID).id  # type: ignore[union-attr]
        for n in range(1, 31)
    }
    assert len(firsts) >= 5, firsts


def test_the_same_session_always_gets_the_same_question() -> None:
    pool = _pool()
    first = pick_question(_session(), pool, Level.MID)
    assert first is not None
    again = pick_question(_session(), list(reversed(pool)), Level.MID)
    assert again is not None and again.id == first.id
    assert question_seed(_session()) == question_seed(_session())


def test_a_resumed_session_keeps_its_order_and_never_repeats_a_question() -> None:
    pool = _pool()
    session = _session()
    asked: list[str] = []
    for index in range(5):
        question = pick_question(session, pool, Level.MID)
        assert question is not None and question.id not in asked
        asked.append(question.id)
        session.turns.append(Turn(index, question.id, question.text, Level.MID))
    # The same session read back (as after a restart) chooses the same questions again.
    replay = _session()
    for index, question_id in enumerate(asked):
        question = pick_question(replay, pool, Level.MID)
        assert question is not None and question.id == question_id
        replay.turns.append(Turn(index, question.id, question.text, Level.MID))


def test_the_seed_survives_a_round_trip_through_another_time_zone() -> None:
    moved = T0.astimezone(ZoneInfo("Asia/Seoul"))
    assert question_seed(_session(moved)) == question_seed(_session(T0))
