"""The NegotiationStore contract (SQLite and the in-memory fake pass the same checks), and a
negotiation resumed across a real restart of the database."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.catalog import Language
from bot.negotiation import (
    Negotiation,
    NegotiationService,
    Offer,
    RecruiterState,
    Setup,
    Speaker,
    Status,
    Style,
    Turn,
    default_currencies,
)
from bot.negotiation.debrief import build_debrief
from bot.negotiation.ports import NegotiationGone
from bot.negotiation.setup import Typed
from storage.db import Database
from storage.negotiations import SqliteNegotiationStore
from tests.fakes.clock import FixedClock
from tests.fakes.negotiation import InMemoryNegotiationStore

log = logging.getLogger(__name__)

T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
USER, GUILD = 7, 9
USD = default_currencies().get("USD")

Store = SqliteNegotiationStore | InMemoryNegotiationStore


@pytest.fixture(params=["sqlite", "memory"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    if request.param == "memory":
        yield InMemoryNegotiationStore()
        return
    async with Database(tmp_path / "contract.sqlite3") as db:
        yield SqliteNegotiationStore(db)


def new(user_id: int = USER, guild_id: int | None = GUILD, channel_id: int = 321) -> Negotiation:
    setup = Setup("Engineer", "USD", Offer(120_000, 10_000, None), 140_000, Style.FIRM, Language.EN)
    return Negotiation(
        user_id=user_id,
        guild_id=guild_id,
        setup=setup,
        seed=5,
        state=RecruiterState(offer=120_000, budget=131_000),
        channel_id=channel_id,
        turns=[Turn(Speaker.RECRUITER, "Offer: $120,000.", offer=120_000, source="offline", at=T0)],
        created_at=T0,
        updated_at=T0,
    )


async def test_create_get_and_turns_round_trip(store: Store) -> None:
    created = await store.create(new())
    assert created.id is not None
    await store.add_turn(created.id, Turn(Speaker.CANDIDATE, "I'd like 140k", spoken=True, at=T0))
    assert await store.awaiting_reply() == [created.id]
    state = RecruiterState(offer=125_000, budget=131_000, turns=1, asks=(140_000,))
    await store.save_reply(
        created.id,
        Turn(Speaker.RECRUITER, "$125,000.", offer=125_000, source="model:x", at=T0),
        state,
    )
    assert await store.awaiting_reply() == []
    got = await store.get(created.id)
    assert got is not None
    assert got.setup == created.setup and got.seed == 5 and got.state == state
    assert [(t.speaker, t.text, t.offer, t.spoken, t.source) for t in got.turns] == [
        (Speaker.RECRUITER, "Offer: $120,000.", 120_000, False, "offline"),
        (Speaker.CANDIDATE, "I'd like 140k", None, True, ""),
        (Speaker.RECRUITER, "$125,000.", 125_000, False, "model:x"),
    ]
    assert (await store.active(USER, GUILD)) is not None
    assert (await store.active(USER, None)) is None
    assert (await store.in_channel(321)) is not None
    await store.bind_channel(created.id, 654)
    assert (await store.in_channel(321)) is None and (await store.in_channel(654)) is not None


async def test_finish_keeps_the_debrief_for_history_and_patterns(store: Store) -> None:
    created = await store.create(new())
    assert created.id is not None
    created.state = created.state.evolve(ended=True)
    debrief = build_debrief(created, USD, T0)
    await store.finish(created.id, Status.STOPPED, debrief)
    assert await store.active(USER, GUILD) is None and await store.in_channel(321) is None
    got = await store.get(created.id)
    assert got is not None and got.status is Status.STOPPED and got.debrief == debrief
    rows = await store.history(USER, 5)
    assert [(r.negotiation_id, r.status, r.offer, r.overall) for r in rows] == [
        (created.id, Status.STOPPED, 120_000, debrief.overall)
    ]
    assert await store.recent_debriefs(USER, 3) == [debrief]
    assert await store.recent_debriefs(USER + 1, 3) == []


async def test_writing_to_a_deleted_negotiation_says_it_is_gone(tmp_path: Path) -> None:
    async with Database(tmp_path / "gone.sqlite3") as db:
        store = SqliteNegotiationStore(db)
        created = await store.create(new())
        assert created.id is not None
        await db.conn.execute("DELETE FROM negotiation_turns")
        await db.conn.execute("DELETE FROM negotiations")
        with pytest.raises(NegotiationGone):
            await store.add_turn(created.id, Turn(Speaker.CANDIDATE, "hello", at=T0))
        with pytest.raises(NegotiationGone):
            await store.save_reply(created.id, Turn(Speaker.RECRUITER, "x", at=T0), created.state)


async def test_one_running_negotiation_per_user_and_place_in_sqlite(tmp_path: Path) -> None:
    async with Database(tmp_path / "one.sqlite3") as db:
        store = SqliteNegotiationStore(db)
        await store.create(new())
        with pytest.raises(Exception, match="UNIQUE"):
            await store.create(new())
        await store.create(new(guild_id=None))


async def test_prune_drops_old_negotiations_and_their_turns(tmp_path: Path) -> None:
    async with Database(tmp_path / "prune.sqlite3") as db:
        store = SqliteNegotiationStore(db)
        old = await store.create(new())
        assert old.id is not None
        assert await store.prune(T0 - timedelta(days=1)) == 0
        assert await store.prune(T0 + timedelta(days=1)) == 1
        async with db.conn.execute("SELECT COUNT(*) FROM negotiation_turns") as cur:
            row = await cur.fetchone()
        assert row is not None and row[0] == 0


async def test_a_negotiation_resumes_after_the_bot_restarts(tmp_path: Path) -> None:
    path = tmp_path / "restart.sqlite3"
    typed = Typed("Engineer", "120k", "140k", "USD")
    async with Database(path) as db:
        svc = NegotiationService(
            SqliteNegotiationStore(db), default_currencies(), clock=FixedClock()
        )
        started = await svc.start(typed, USER, GUILD, seed=3)
        nid = started.negotiation.id
        assert nid is not None
        first = await svc.reply(nid, "Given my experience, I'd like 145k.")
        # The bot stops right after saving the next message, before answering it.
        await SqliteNegotiationStore(db).add_turn(
            nid, Turn(Speaker.CANDIDATE, "Could you do 140k?", at=T0)
        )
    async with Database(path) as db:
        svc = NegotiationService(
            SqliteNegotiationStore(db), default_currencies(), clock=FixedClock()
        )
        recovered = [r async for r in svc.recover()]
        assert len(recovered) == 1
        assert recovered[0].negotiation.state.offer >= first.negotiation.state.offer
        done = await svc.reply(nid, "Deal, I accept.")
        assert done.debrief is not None and done.debrief.final_offer == done.negotiation.state.offer
        texts = [t.text for t in done.negotiation.turns if t.speaker is Speaker.CANDIDATE]
        assert texts == [
            "Given my experience, I'd like 145k.",
            "Could you do 140k?",
            "Deal, I accept.",
        ]
