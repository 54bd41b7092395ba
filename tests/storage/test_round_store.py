"""Rounds on SQLite: round trip, one vote per rater per answer, cascades for data deletion."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.catalog import Kind, Language, Level
from bot.rounds import Participant, Rating, Round, RoundMode, RoundStatus, RoundStore
from storage.db import Database
from storage.rounds import SqliteRoundStore
from tests.fakes.rounds import InMemoryRoundStore

T0 = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)
GUILD, HOST, BOB, CAROL = 500, 1, 2, 3


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database(tmp_path / "rounds.sqlite3").open()
    yield database
    await database.close()


def new_round(mode: RoundMode = RoundMode.GROUP) -> Round:
    return Round(
        guild_id=GUILD,
        voice_channel_id=600,
        host_id=HOST,
        kind=Kind.TECHNICAL,
        level=Level.SENIOR,
        language=Language.KO,
        turns_each=3,
        created_at=T0,
        mode=mode,
        thread_id=700,
    )


async def seeded(store: RoundStore) -> tuple[int, int, int]:
    """Create a round with host and Bob; return (round id, host answer id, bob answer id)."""
    round_ = await store.create_round(new_round())
    assert round_.id is not None
    await store.save_participant(round_.id, Participant(HOST, 0, T0))
    await store.save_participant(round_.id, Participant(BOB, 1, T0 + timedelta(seconds=5)))
    a = await store.record_answer(round_.id, HOST, None, None, 0, 81, T0)
    b = await store.record_answer(round_.id, BOB, None, None, 0, 55, T0)
    return round_.id, a.id, b.id


async def test_round_and_participants_round_trip(db: Database) -> None:
    store = SqliteRoundStore(db)
    round_ = await store.create_round(new_round(RoundMode.SOLO))
    assert round_.id is not None
    p = await store.save_participant(round_.id, Participant(HOST, 0, T0, session_id=None))
    assert p.id is not None
    round_.participants.append(p)
    p.turns, p.answered, p.skipped, p.left = 2, 1, 1, True
    round_.finish(T0 + timedelta(minutes=5), stopped=True)
    await store.save_round(round_)
    loaded = await store.get_round(round_.id)
    assert loaded is not None
    assert (loaded.mode, loaded.kind, loaded.level, loaded.language) == (
        RoundMode.SOLO,
        Kind.TECHNICAL,
        Level.SENIOR,
        Language.KO,
    )
    assert loaded.status is RoundStatus.STOPPED and loaded.ended_at == T0 + timedelta(minutes=5)
    assert loaded.thread_id == 700 and loaded.turns_each == 3
    (q,) = loaded.participants
    assert (q.user_id, q.turns, q.answered, q.skipped, q.left) == (HOST, 2, 1, 1, True)
    assert q.consented_at == T0
    assert await store.live_round(GUILD) is None


async def test_live_round_and_restart_cleanup(db: Database) -> None:
    store = SqliteRoundStore(db)
    old = await store.create_round(new_round())
    current = await store.create_round(new_round())
    live = await store.live_round(GUILD)
    assert live is not None and live.id == current.id
    assert current.id is not None and old.id is not None
    assert await store.end_unfinished(T0, keep={current.id}) == 1
    stale = await store.get_round(old.id)
    assert stale is not None and stale.status is RoundStatus.STOPPED and stale.ended_at == T0
    assert await store.end_unfinished(T0) == 1
    assert await store.live_round(GUILD) is None


async def test_one_vote_per_rater_per_answer_and_changes_replace_it(db: Database) -> None:
    store = SqliteRoundStore(db)
    round_id, host_answer, bob_answer = await seeded(store)
    assert await store.rate(host_answer, BOB, Rating.UNCLEAR, T0) is False
    assert await store.rate(host_answer, BOB, Rating.STRONG, T0) is True
    assert await store.rate(bob_answer, HOST, Rating.USEFUL, T0) is False
    ratings = await store.ratings(round_id)
    assert [(r.answer_id, r.rater_id, r.rating) for r in ratings] == [
        (host_answer, BOB, Rating.STRONG),
        (bob_answer, HOST, Rating.USEFUL),
    ]
    with pytest.raises(sqlite3.IntegrityError):
        await db.conn.execute(
            "INSERT INTO peer_ratings (answer_id, rater_id, rating, created_at, updated_at)"
            " VALUES (?, ?, 'useful', 'now', 'now')",
            (host_answer, BOB),
        )
    with pytest.raises(sqlite3.IntegrityError):
        await db.conn.execute(
            "UPDATE peer_ratings SET rating = 'meh' WHERE answer_id = ?", (host_answer,)
        )


async def test_answers_are_listed_with_their_owner(db: Database) -> None:
    store = SqliteRoundStore(db)
    round_id, host_answer, _ = await seeded(store)
    answers = await store.answers(round_id)
    assert [(a.user_id, a.score) for a in answers] == [(HOST, 81), (BOB, 55)]
    one = await store.get_answer(host_answer)
    assert one is not None and one.round_id == round_id and one.user_id == HOST
    assert await store.get_answer(999_999) is None
    with pytest.raises(LookupError):
        await store.record_answer(round_id, CAROL, None, None, 0, 70, T0)


async def test_deleting_a_user_cascades_to_their_consent_answers_and_votes(db: Database) -> None:
    store = SqliteRoundStore(db)
    round_id, host_answer, bob_answer = await seeded(store)
    await store.rate(host_answer, BOB, Rating.STRONG, T0)
    await store.rate(bob_answer, HOST, Rating.USEFUL, T0)
    await db.conn.execute("DELETE FROM users WHERE id = ?", (BOB,))
    round_ = await store.get_round(round_id)
    assert round_ is not None and [p.user_id for p in round_.participants] == [HOST]
    assert [a.user_id for a in await store.answers(round_id)] == [HOST]
    # Bob's vote on the host's answer and the host's vote on Bob's answer are both gone.
    assert await store.ratings(round_id) == []
    # The host leaving removes nobody else's rows: the round keeps going without a host.
    await db.conn.execute("DELETE FROM users WHERE id = ?", (HOST,))
    round_ = await store.get_round(round_id)
    assert round_ is not None and round_.host_id == 0 and round_.participants == []


async def test_deleting_a_guild_removes_its_rounds(db: Database) -> None:
    store = SqliteRoundStore(db)
    round_id, _, _ = await seeded(store)
    await db.conn.execute("DELETE FROM guilds WHERE id = ?", (GUILD,))
    assert await store.get_round(round_id) is None
    async with db.conn.execute("SELECT COUNT(*) FROM round_answers") as cur:
        row = await cur.fetchone()
    assert row is not None and row[0] == 0


@pytest.fixture(params=["sqlite", "memory"])
async def any_store(request: pytest.FixtureRequest, db: Database) -> RoundStore:
    """Return the SQLite store and the in-memory fake the domain tests use, in turn."""
    return SqliteRoundStore(db) if request.param == "sqlite" else InMemoryRoundStore()


async def test_the_fake_store_keeps_the_sqlite_stores_contract(any_store: RoundStore) -> None:
    store = any_store
    round_id, host_answer, bob_answer = await seeded(store)
    assert await store.rate(host_answer, BOB, Rating.UNCLEAR, T0) is False
    assert await store.rate(host_answer, BOB, Rating.STRONG, T0) is True
    assert await store.rate(bob_answer, HOST, Rating.USEFUL, T0) is False
    assert [(r.answer_id, r.rater_id, r.rating) for r in await store.ratings(round_id)] == [
        (host_answer, BOB, Rating.STRONG),
        (bob_answer, HOST, Rating.USEFUL),
    ]
    assert [(a.user_id, a.score) for a in await store.answers(round_id)] == [(HOST, 81), (BOB, 55)]
    assert await store.get_answer(999_999) is None
    with pytest.raises(LookupError):
        await store.record_answer(round_id, CAROL, None, None, 0, 70, T0)
    loaded = await store.get_round(round_id)
    assert loaded is not None and [p.user_id for p in loaded.participants] == [HOST, BOB]
    bob = loaded.participants[1]
    bob.turns, bob.skipped, bob.left = 1, 1, True
    loaded.finish(T0 + timedelta(minutes=2), stopped=True)
    await store.save_round(loaded)
    again = await store.get_round(round_id)
    assert again is not None and again.status is RoundStatus.STOPPED
    assert (again.participants[1].skipped, again.participants[1].left) == (1, True)
    other = await store.create_round(new_round())
    assert other.id is not None and await store.end_unfinished(T0, keep={other.id}) == 0
    assert await store.end_unfinished(T0) == 1
    assert await store.get_round(123_456) is None
