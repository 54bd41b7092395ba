"""The progress store's contract on a real SQLite file and on the in-memory fake, and what
only SQLite does: rows that rest on an answer go with it."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from bot.catalog import Kind, Language, Level
from bot.coaching.models import Coaching, Evaluation
from bot.interview.models import Session, SessionStatus, Turn, TurnStatus
from bot.progress.models import (
    DrillRecord,
    DrillSkill,
    Evidence,
    GraphUpdate,
    PracticeEntry,
    Schedule,
    SkillState,
)
from storage.db import Database
from storage.progress import EVIDENCE_PER_SKILL, SqliteProgressStore
from storage.sessions import SqliteSessionStore
from tests.fakes.clock import T0
from tests.fakes.progress import InMemoryProgressStore

log = logging.getLogger(__name__)

USER = 31


@dataclass
class Env:
    store: SqliteProgressStore | InMemoryProgressStore
    db: Database
    turns: list[tuple[int, int]]  # (session id, turn id)


async def seed_turns(db: Database, sessions: int, per_session: int) -> list[tuple[int, int]]:
    """Store graded turns so rows that point at answers have answers to point at."""
    store = SqliteSessionStore(db)
    found = []
    for s in range(sessions):
        session = await store.create_session(
            Session(USER, None, Kind.BEHAVIORAL, Level.MID, Level.MID, per_session, Language.EN,
                    None, None, T0 + timedelta(days=s), status=SessionStatus.FINISHED)
        )  # fmt: skip
        assert session.id is not None
        for i in range(per_session):
            turn = Turn(i, f"beh-{i}", "Q?", Level.MID, status=TurnStatus.EVALUATED)
            turn.answer = "an answer"
            turn.evaluation = Evaluation(60, {}, (), Coaching("p", "f", "t"))
            await store.save_turn(session.id, turn)
            assert turn.id is not None
            found.append((session.id, turn.id))
    return found


@pytest.fixture(params=["sqlite", "memory"])
async def env(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Env]:
    async with Database(tmp_path / "progress.sqlite3") as db:
        turns = await seed_turns(db, 3, 3)
        store = SqliteProgressStore(db) if request.param == "sqlite" else InMemoryProgressStore()
        yield Env(store, db, turns)


def update(session_id: int, turn_id: int, number: int, score: int, day: int = 0) -> GraphUpdate:
    at = T0 + timedelta(days=day, minutes=turn_id)
    entry = PracticeEntry(
        turn_id, session_id, number, Kind.BEHAVIORAL, Level.MID, Language.KO, score, at,
        problems=("structure.result_missing",), question_id=f"beh-{number}",
    )  # fmt: skip
    state = SkillState("results", float(score), 1, (score,), at)
    evidence = Evidence("results", turn_id, session_id, 35, at, "structure.result_missing",
                        quote="we shipped")  # fmt: skip
    schedule = Schedule("results", {"card_id": 1}, at + timedelta(days=2), 1, at)
    return GraphUpdate(USER, entry, (state,), (evidence,), (schedule,))


async def test_an_update_reads_back(env: Env) -> None:
    session_id, turn_id = env.turns[0]
    await env.store.record(update(session_id, turn_id, 1, 42))
    states = await env.store.skills(USER)
    assert states["results"].level == 42 and states["results"].recent == (42,)
    schedules = await env.store.schedules(USER)
    assert schedules["results"].due == T0 + timedelta(days=2, minutes=turn_id)
    assert schedules["results"].card == {"card_id": 1}
    (entry,) = await env.store.practice(USER, 5)
    assert entry.problems == ("structure.result_missing",) and entry.language is Language.KO
    (ev,) = await env.store.evidence(USER, "results", 5)
    assert ev.quote == "we shipped" and ev.turn_id == turn_id
    assert await env.store.skills(USER + 1) == {}


async def test_practice_outside_an_interview_reads_back(env: Env) -> None:
    state = SkillState("negotiation", 64.0, 1, (64,), T0)
    schedule = Schedule("negotiation", {"card_id": 7}, T0 + timedelta(days=3), 3, T0)
    await env.store.practised(USER, state, schedule)
    later = SkillState("negotiation", 70.0, 2, (64, 76), T0 + timedelta(days=1))
    await env.store.practised(USER, later, None)
    assert (await env.store.skills(USER))["negotiation"] == later
    assert (await env.store.schedules(USER))["negotiation"] == schedule
    assert await env.store.practice(USER, 5) == []
    # Someone whose first practice is a negotiation has no interview (and no user row) yet.
    await env.store.practised(USER + 9, state, None)
    assert (await env.store.skills(USER + 9))["negotiation"] == state


async def test_evidence_is_bounded_per_skill(env: Env) -> None:
    session_id, turn_id = env.turns[0]
    for n in range(EVIDENCE_PER_SKILL + 5):
        await env.store.record(update(session_id, turn_id, 1, n))
    rows = await env.store.evidence(USER, "results", 100)
    assert len(rows) == EVIDENCE_PER_SKILL
    assert len(await env.store.practice(USER, 100)) == EVIDENCE_PER_SKILL + 5


async def test_the_summary_counts_interviews_days_and_question_grades(env: Env) -> None:
    (s1, t1), (_, t2), _, (s2, t4), *_ = env.turns
    await env.store.record(update(s1, t1, 1, 40, day=0))
    await env.store.record(update(s1, t2, 1, 80, day=0))  # a follow-up reply: question 1 again
    await env.store.record(update(s2, t4, 1, 50, day=1))
    summary = await env.store.summary(USER, 10)
    assert summary.interviews == 2
    assert [s.average for s in summary.sessions] == [80, 50]
    assert summary.days == ((T0 + timedelta(days=1)).date(), T0.date())
    assert summary.language is Language.KO


async def test_drills_read_back(env: Env) -> None:
    session_id, _ = env.turns[0]
    drill = DrillRecord(
        session_id, USER, (DrillSkill("results", "due", 40, 2), DrillSkill("scale", "new")),
        ("beh-1", "beh-2"), T0,
    )  # fmt: skip
    await env.store.save_drill(drill)
    assert await env.store.drill(session_id) == drill
    assert await env.store.drill(session_id + 99) is None


async def test_prune_drops_what_was_untouched_since_the_cutoff(env: Env) -> None:
    (s1, t1), *_ = env.turns
    await env.store.record(update(s1, t1, 1, 40, day=0))
    assert await env.store.prune(T0 - timedelta(days=1)) == 0
    assert await env.store.prune(T0 + timedelta(days=30)) > 0
    assert await env.store.skills(USER) == {} and await env.store.practice(USER, 5) == []


async def test_rows_resting_on_an_answer_go_with_its_interview(tmp_path: Path) -> None:
    async with Database(tmp_path / "cascade.sqlite3") as db:
        (s1, t1), *_ = await seed_turns(db, 1, 1)
        store = SqliteProgressStore(db)
        await store.record(update(s1, t1, 1, 40))
        await store.save_drill(DrillRecord(s1, USER, (), (), T0))
        # Retention pruning deletes sessions; the practice log, evidence and drill follow.
        assert await SqliteSessionStore(db).prune(T0 + timedelta(days=3650)) == 1
        assert await store.practice(USER, 5) == []
        assert await store.evidence(USER, "results", 5) == []
        assert await store.drill(s1) is None
        # The skill levels they built stay (until their own retention).
        assert "results" in await store.skills(USER)
