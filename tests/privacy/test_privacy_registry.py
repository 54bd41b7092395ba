"""The registry over in-memory stores: one export document, one erase transaction, and the
claims it refuses (a table, count or export key taken twice, an undeclared count)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime

import pytest

from bot.privacy import (
    EXPORT_FORMAT,
    ExportPart,
    OnErase,
    PersonalDataRegistry,
    PersonalTable,
    RegistryError,
    StoreDeclaration,
    Via,
)
from tests.fakes.privacy import (
    MemoryPersonalStore,
    MemoryTables,
    MemoryTransactions,
    memory_registry,
)

log = logging.getLogger(__name__)

ALICE, BOB = 101_101, 202_202
PEOPLE = StoreDeclaration(
    name="people", tables=(PersonalTable("people", user_columns=("id",)),), counts=()
)
STORIES = StoreDeclaration(
    name="stories",
    tables=(
        PersonalTable("stories", user_columns=("owner_id",)),
        PersonalTable("story_uses", parents=(Via("story_id", "stories"),)),
    ),
    counts=("stories", "story_uses"),
)
CLUBS = StoreDeclaration(
    name="clubs",
    tables=(PersonalTable("clubs", user_columns=("host_id",), on_erase=OnErase.CLEAR),),
    counts=("clubs",),
    shared=("clubs",),
)


def seeded() -> MemoryTables:
    data = MemoryTables()
    for person in (ALICE, BOB):
        data.add("people", id=person)
        story = data.add("stories", owner_id=person, title=f"story of {person}")
        data.add("story_uses", story_id=story["id"], at="monday")
        data.add("story_uses", story_id=story["id"], at="friday")
    data.add("clubs", host_id=ALICE, name="alice's club")
    data.add("clubs", host_id=BOB, name="bob's club")
    return data


def stores(log: list[str] | None = None) -> list[MemoryPersonalStore]:
    return [MemoryPersonalStore(d, log=log) for d in (PEOPLE, STORIES, CLUBS)]


async def test_export_is_one_document_in_registration_order() -> None:
    registry = PersonalDataRegistry(
        MemoryTransactions(seeded()),
        stores(),
        now=lambda: datetime(2026, 11, 23, 9, tzinfo=UTC),
    )
    found = await registry.export(ALICE)
    doc = found.document
    assert list(doc)[:5] == ["format", "exported_at", "user_id", "notes", "counts"]
    assert doc["format"] == EXPORT_FORMAT and doc["user_id"] == ALICE
    assert doc["exported_at"] == "2026-11-23T09:00:00+00:00"
    assert doc["notes"][0].startswith("Audio is never stored")
    assert doc["counts"] == {"stories": 1, "story_uses": 2, "clubs": 1}
    assert found.counts.total == 3  # the shared club is not Alice's own row
    assert [s["title"] for s in doc["stories_stories"]] == [f"story of {ALICE}"]
    assert str(BOB) not in str(doc)


async def test_erase_runs_children_first_in_one_transaction() -> None:
    data = seeded()
    calls: list[str] = []
    tx = MemoryTransactions(data)
    registry = PersonalDataRegistry(tx, stores(calls))
    erasure = await registry.erase(ALICE)

    assert calls == ["erase clubs", "erase stories", "erase people"]
    assert tx.commits == 1
    assert erasure.counts.as_dict() == {"stories": 1, "story_uses": 2, "clubs": 1}
    assert erasure.outcome("clubs_cleared") == 1 and not erasure.nothing
    assert [r["owner_id"] for r in data.rows("stories")] == [BOB]
    assert len(data.rows("story_uses")) == 2
    assert [r["host_id"] for r in data.rows("clubs")] == [None, BOB]  # the club stays
    again = await registry.erase(ALICE)
    assert again.nothing and again.counts.total == 0


async def test_a_failing_store_erases_nothing() -> None:
    data = seeded()
    tx = MemoryTransactions(data)
    people, story, club = stores()
    story.fail_erase = True
    registry = PersonalDataRegistry(tx, [people, story, club])
    with pytest.raises(RuntimeError, match="stories failed"):
        await registry.erase(ALICE)
    assert tx.rollbacks == 1
    assert data.tables == seeded().tables


async def test_a_new_store_plugs_in_by_registering() -> None:
    data = seeded()
    drills = StoreDeclaration(
        name="drills",
        tables=(PersonalTable("drills", user_columns=("user_id",)),),
        counts=("drills",),
    )
    data.add("drills", user_id=ALICE, skill="star")
    registry = memory_registry(data, [*stores(), MemoryPersonalStore(drills)])
    doc = (await registry.export(ALICE)).document
    assert doc["counts"]["drills"] == 1 and doc["drills_drills"][0]["skill"] == "star"
    await registry.erase(ALICE)
    assert data.rows("drills") == []


def test_claims_are_made_once() -> None:
    tx = MemoryTransactions(MemoryTables())
    twin = StoreDeclaration(name="twin", tables=(PersonalTable("stories", user_columns=("x",)),))
    with pytest.raises(RegistryError, match="table stories"):
        PersonalDataRegistry(tx, [MemoryPersonalStore(STORIES), MemoryPersonalStore(twin)])
    with pytest.raises(RegistryError, match="store stories"):
        PersonalDataRegistry(tx, [MemoryPersonalStore(STORIES), MemoryPersonalStore(STORIES)])
    counted = StoreDeclaration(name="counted", counts=("stories",))
    with pytest.raises(RegistryError, match="count stories"):
        PersonalDataRegistry(tx, [MemoryPersonalStore(STORIES), MemoryPersonalStore(counted)])
    with pytest.raises(ValueError, match="user-id column or a parent"):
        PersonalTable("orphans")
    with pytest.raises(ValueError, match="not counts"):
        StoreDeclaration(name="bad", counts=("a",), shared=("b",))


class Clashing:
    """A store that exports a key another store already uses, and counts what it never said."""

    declaration = StoreDeclaration(name="clashing", counts=("mine",))

    def __init__(self, key: str, count: str = "mine") -> None:
        self.key = key
        self.count_key = count

    async def count(self, tx: MemoryTables, user_id: int) -> Mapping[str, int]:
        return {self.count_key: 1}

    async def export(self, tx: MemoryTables, user_id: int) -> ExportPart:
        return ExportPart(sections={self.key: []})

    async def erase(self, tx: MemoryTables, user_id: int) -> Mapping[str, int]:
        return {}


async def test_export_keys_and_counts_must_be_the_stores_own() -> None:
    tx = MemoryTransactions(seeded())
    with pytest.raises(RegistryError, match="'stories_stories'"):
        await PersonalDataRegistry(tx, [*stores(), Clashing("stories_stories")]).export(ALICE)
    with pytest.raises(RegistryError, match="'counts'"):
        await PersonalDataRegistry(tx, [*stores(), Clashing("counts")]).export(ALICE)
    with pytest.raises(RegistryError, match="undeclared"):
        await PersonalDataRegistry(tx, [Clashing("x", count="theirs")]).counts(ALICE)
