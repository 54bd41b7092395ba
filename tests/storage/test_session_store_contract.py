"""The SessionStore contract: the SQLite store and the in-memory fake pass the same checks."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.catalog import Kind, Language, Level
from bot.coaching.models import Coaching, Dimension, Evaluation
from bot.interview.models import Attempt, Session, SessionStatus, Turn, TurnStatus
from storage.db import Database
from storage.sessions import SqliteSessionStore
from tests.fakes.sessions import ConstraintViolation, InMemorySessionStore
from tests.storage.evaluations import rich_evaluation

T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
USER, OTHER, GUILD = 7, 8, 9
# What each store raises for a write its schema refuses.
REFUSED = (sqlite3.IntegrityError, ConstraintViolation)

Store = SqliteSessionStore | InMemorySessionStore


@pytest.fixture(params=["sqlite", "memory"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    """Yield the SQLite store and the in-memory fake the domain tests use, in turn."""
    if request.param == "memory":
        yield InMemorySessionStore()
        return
    async with Database(tmp_path / "contract.sqlite3") as db:
        yield SqliteSessionStore(db)


def new_session(
    user_id: int = USER,
    guild_id: int | None = GUILD,
    *,
    channel_id: int | None = 321,
    created_at: datetime = T0,
) -> Session:
    return Session(
        user_id=user_id,
        guild_id=guild_id,
        kind=Kind.BEHAVIORAL,
        level=Level.MID,
        start_level=Level.JUNIOR,
        question_count=3,
        language=Language.KO,
        role="Backend engineer",
        channel_id=channel_id,
        created_at=created_at,
    )


def graded(score: int) -> Evaluation:
    return Evaluation(score, {d: score for d in Dimension}, (), Coaching("p", "f", "t"))


async def created(
    store: Store,
    user_id: int = USER,
    guild_id: int | None = GUILD,
    *,
    channel_id: int | None = 321,
    created_at: datetime = T0,
) -> int:
    session = new_session(user_id, guild_id, channel_id=channel_id, created_at=created_at)
    await store.create_session(session)
    assert session.id is not None
    return session.id


def id_of(found: Session | None) -> int | None:
    return found.id if found is not None else None


async def test_a_session_round_trips_and_reads_are_copies(store: Store) -> None:
    session = new_session()
    returned = await store.create_session(session)
    assert returned is session and session.id is not None
    loaded = await store.get_session(session.id)
    assert loaded is not None and loaded is not session
    assert loaded == session
    assert loaded.rewind_turn_id is None and loaded.turns == []
    loaded.status = SessionStatus.STOPPED  # not saved: the store keeps its own copy
    again = await store.get_session(session.id)
    assert again is not None and again.status is SessionStatus.ACTIVE
    assert await store.get_session(session.id + 1000) is None


async def test_update_saves_level_status_and_channel_only(store: Store) -> None:
    session_id = await created(store)
    session = await store.get_session(session_id)
    assert session is not None
    session.level, session.status, session.channel_id = Level.SENIOR, SessionStatus.FINISHED, 55
    session.role, session.question_count = "Changed", 9
    session.turns.append(Turn(0, "q", "Not saved by update?", Level.MID))
    await store.update_session(session)
    loaded = await store.get_session(session_id)
    assert loaded is not None
    assert (loaded.level, loaded.status, loaded.channel_id) == (
        Level.SENIOR,
        SessionStatus.FINISHED,
        55,
    )
    assert (loaded.role, loaded.question_count, loaded.turns) == ("Backend engineer", 3, [])


async def test_turns_round_trip_with_their_evaluation_in_index_order(store: Store) -> None:
    session_id = await created(store)
    second = Turn(1, "q2", "Follow-up?", Level.MID, follow_up=1, probe_rule="structure.x")
    first = Turn(0, "q1", "Question?", Level.MID)
    assert (await store.save_turn(session_id, second)) is second and second.id is not None
    await store.save_turn(session_id, first)
    assert first.id is not None and first.id != second.id
    first.status, first.answer = TurnStatus.EVALUATED, "my answer ✓"
    first.evaluation = rich_evaluation()
    await store.save_turn(session_id, first)  # an update: same id
    loaded = await store.get_session(session_id)
    assert loaded is not None
    assert loaded.turns == [first, second]
    assert loaded.turns[0].evaluation == rich_evaluation()
    assert loaded.turns[1].probe_rule == "structure.x" and loaded.turns[1].is_follow_up
    assert await store.turn_owner(first.id) == session_id
    assert await store.turn_owner(first.id + second.id + 1000) is None


async def test_writes_the_schema_refuses(store: Store) -> None:
    session_id = await created(store)
    await store.save_turn(session_id, Turn(0, "q", "Question?", Level.MID))
    with pytest.raises(REFUSED):
        await store.save_turn(session_id, Turn(0, "q", "Same index", Level.MID))
    with pytest.raises(REFUSED):
        await store.save_turn(session_id + 1000, Turn(0, "q", "No session", Level.MID))
    bad = Turn(1, "q", "Score", Level.MID, status=TurnStatus.EVALUATED, evaluation=graded(101))
    with pytest.raises(REFUSED):
        await store.save_turn(session_id, bad)
    with pytest.raises(REFUSED):
        await store.save_attempt(Attempt(999_999, "retry", graded(50), T0))
    with pytest.raises(REFUSED):
        await store.set_rewind(session_id, 999_999)
    with pytest.raises(REFUSED):
        await store.create_session(replace(new_session(OTHER), question_count=0))
    loaded = await store.get_session(session_id)
    assert loaded is not None and [t.prompt for t in loaded.turns] == ["Question?"]


async def test_one_active_session_per_user_and_server(store: Store) -> None:
    first = await created(store)
    with pytest.raises(REFUSED):
        await store.create_session(new_session())
    elsewhere = await created(store, guild_id=GUILD + 1)
    direct = await created(store, guild_id=None)
    with pytest.raises(REFUSED):
        await store.create_session(new_session(guild_id=0))  # no server and 0 are one place
    found = await store.active_session(USER, GUILD)
    assert found is not None and found.id == first
    assert id_of(await store.active_session(USER, GUILD + 1)) == elsewhere
    assert id_of(await store.active_session(USER, 0)) == direct
    assert await store.active_session(OTHER, GUILD) is None
    session = await store.get_session(first)
    assert session is not None
    session.status = SessionStatus.FINISHED
    await store.update_session(session)
    assert await store.active_session(USER, GUILD) is None
    replacement = await created(store)
    session.status = SessionStatus.ACTIVE  # a second active one by update is refused too
    with pytest.raises(REFUSED):
        await store.update_session(session)
    found = await store.active_session(USER, GUILD)
    assert found is not None and found.id == replacement


async def test_channel_lookups_latest_session_and_pending_rewind(store: Store) -> None:
    older = await created(store, channel_id=321)
    session = await store.get_session(older)
    assert session is not None
    turn = await store.save_turn(older, Turn(0, "q", "Question?", Level.MID))
    session.status = SessionStatus.FINISHED
    await store.update_session(session)
    newer = await created(store, channel_id=321, created_at=T0 + timedelta(minutes=5))
    assert id_of(await store.session_in_channel(321)) == newer
    shared = await created(store, user_id=OTHER, channel_id=321)  # two people, one channel
    assert id_of(await store.session_in_channel(321)) == shared  # the newest wins
    assert await store.session_in_channel(999) is None
    latest = await store.latest_session(USER, GUILD)
    assert latest is not None and latest.id == newer
    assert await store.latest_session(USER, GUILD + 1) is None

    assert await store.rewind_in_channel(321) is None
    await store.set_rewind(older, turn.id)  # a finished session can wait for a retry
    waiting = await store.rewind_in_channel(321)
    assert waiting is not None and waiting.id == older and waiting.rewind_turn_id == turn.id
    assert waiting.rewind_turn is not None and waiting.rewind_turn.id == turn.id
    other_turn = await store.save_turn(shared, Turn(0, "q", "Question?", Level.MID))
    await store.set_rewind(shared, other_turn.id)
    assert id_of(await store.rewind_in_channel(321)) == shared  # the newest wins
    await store.set_rewind(shared, None)
    await store.set_rewind(older, None)
    assert await store.rewind_in_channel(321) is None


async def test_latest_session_goes_by_creation_time_then_id(store: Store) -> None:
    later = await created(store, created_at=T0 + timedelta(hours=1))
    session = await store.get_session(later)
    assert session is not None
    session.status = SessionStatus.STOPPED
    await store.update_session(session)
    await created(store, created_at=T0)  # inserted after, but created earlier
    latest = await store.latest_session(USER, GUILD)
    assert latest is not None and latest.id == later


async def test_history_is_newest_first_with_answered_count_and_average(store: Store) -> None:
    ids = []
    for minute, scores in ((0, [40, 80]), (1, []), (2, [70])):
        session_id = await created(store, created_at=T0 + timedelta(minutes=minute))
        ids.append(session_id)
        for index, score in enumerate(scores):
            turn = Turn(
                index, "q", "Q?", Level.MID, status=TurnStatus.EVALUATED, evaluation=graded(score)
            )
            await store.save_turn(session_id, turn)
        await store.save_turn(session_id, Turn(len(scores), "q", "Unanswered?", Level.MID))
        session = await store.get_session(session_id)
        assert session is not None
        session.status = SessionStatus.FINISHED
        await store.update_session(session)
    await created(store, guild_id=GUILD + 1)
    history = await store.history(USER, GUILD, 10)
    assert [h.session_id for h in history] == ids[::-1]
    assert [(h.answered, h.average_score) for h in history] == [(1, 70), (0, None), (2, 60)]
    first = history[-1]
    assert (first.kind, first.level, first.status, first.language) == (
        Kind.BEHAVIORAL,
        Level.MID,
        SessionStatus.FINISHED,
        Language.KO,
    )
    assert first.created_at == T0
    assert [h.session_id for h in await store.history(USER, GUILD, 2)] == ids[:0:-1]
    assert await store.history(OTHER, GUILD, 10) == []


async def test_sessions_awaiting_grade_are_active_with_an_answered_newest_turn(
    store: Store,
) -> None:
    waiting = await created(store)
    await store.save_turn(
        waiting, Turn(0, "q", "Q?", Level.MID, status=TurnStatus.EVALUATED, answer="a")
    )
    await store.save_turn(
        waiting, Turn(1, "q", "Q?", Level.MID, status=TurnStatus.ANSWERED, answer="a")
    )
    graded_one = await created(store, user_id=OTHER)
    await store.save_turn(
        graded_one, Turn(0, "q", "Q?", Level.MID, status=TurnStatus.ANSWERED, answer="a")
    )
    await store.save_turn(graded_one, Turn(1, "q", "Q?", Level.MID))
    finished = await created(store, user_id=OTHER + 1)
    await store.save_turn(
        finished, Turn(0, "q", "Q?", Level.MID, status=TurnStatus.ANSWERED, answer="a")
    )
    session = await store.get_session(finished)
    assert session is not None
    session.status = SessionStatus.STOPPED
    await store.update_session(session)
    await created(store, user_id=OTHER + 2)  # no turn yet
    assert await store.sessions_awaiting_grade() == [waiting]


async def test_attempts_are_kept_in_order_per_turn(store: Store) -> None:
    session_id = await created(store)
    turn = await store.save_turn(session_id, Turn(0, "q", "Q?", Level.MID))
    other = await store.save_turn(session_id, Turn(1, "q", "Q?", Level.MID))
    assert turn.id is not None and other.id is not None
    assert await store.attempts(turn.id) == []
    first = Attempt(turn.id, "retry one", rich_evaluation(), T0)
    assert (await store.save_attempt(first)) is first and first.id is not None
    await store.save_attempt(Attempt(other.id, "elsewhere", graded(10), T0))
    await store.save_attempt(Attempt(turn.id, "retry two", graded(90), T0 + timedelta(seconds=1)))
    found = await store.attempts(turn.id)
    assert [a.answer for a in found] == ["retry one", "retry two"]
    assert found[0] == first and found[0].evaluation == rich_evaluation()
    assert found[1].created_at == T0 + timedelta(seconds=1)


async def test_prune_deletes_sessions_untouched_since_the_cutoff(store: Store) -> None:
    session_id = await created(store)
    turn = await store.save_turn(session_id, Turn(0, "q", "Q?", Level.MID))
    assert turn.id is not None
    written = datetime.now(UTC)
    await asyncio.sleep(0.01)
    await store.save_attempt(Attempt(turn.id, "retry", graded(50), T0))
    # A retry is activity: the session was touched after ``written``.
    assert await store.prune(written) == 0
    now = datetime.now(UTC)
    assert await store.prune(now - timedelta(days=1)) == 0
    assert await store.prune(now + timedelta(seconds=1)) == 1
    assert await store.get_session(session_id) is None
    assert await store.turn_owner(turn.id) is None
    assert await store.attempts(turn.id) == []
