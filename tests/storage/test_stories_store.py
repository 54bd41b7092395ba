"""The story store's contract on a real SQLite file and on the in-memory fake."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.catalog import Language
from bot.stories.models import StoryDraft, Telling
from storage.db import Database
from storage.stories import SqliteStoryStore
from tests.fakes.clock import T0
from tests.fakes.stories import InMemoryStoryStore

log = logging.getLogger(__name__)

USER, OTHER = 3, 4
DRAFT = StoryDraft("The outage", ("index", "acme"), ("acme",), ("failure",), "At Acme…")

Store = SqliteStoryStore | InMemoryStoryStore


def telling(n: int, day: int = 0) -> Telling:
    return Telling(n * 10, n, 1, "beh-q", 60 + n, T0 + timedelta(days=day), f"excerpt {n}")


@pytest.fixture(params=["sqlite", "memory"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    async with Database(tmp_path / "stories.sqlite3") as db:
        yield SqliteStoryStore(db) if request.param == "sqlite" else InMemoryStoryStore()


async def test_a_story_and_its_tellings_read_back(store: Store) -> None:
    story = await store.add_story(USER, DRAFT, telling(1), Language.KO)
    await store.add_telling(
        story.id, telling(2, 1), ("index", "acme", "pg"), ("acme",), ("failure", "ownership")
    )
    (found,) = await store.stories(USER)
    assert (found.id, found.title, found.language) == (story.id, "The outage", Language.KO)
    assert found.competencies == ("failure", "ownership") and found.terms[-1] == "pg"
    assert [t.excerpt for t in found.tellings] == ["excerpt 1", "excerpt 2"]
    assert await store.stories(OTHER) == []


async def test_rename_merge_delete_only_touch_the_owners_stories(store: Store) -> None:
    a = await store.add_story(USER, DRAFT, telling(1), Language.EN)
    b = await store.add_story(USER, DRAFT, telling(2, 1), Language.EN)
    theirs = await store.add_story(OTHER, DRAFT, telling(3), Language.EN)
    assert not await store.rename(USER, theirs.id, "mine", T0)
    assert await store.rename(USER, a.id, "Renamed", T0)
    assert not await store.merge(USER, a.id, a.id, (), (), (), T0)
    assert not await store.merge(USER, a.id, theirs.id, (), (), (), T0)
    assert await store.merge(USER, a.id, b.id, ("x",), (), ("failure",), T0)
    (kept,) = await store.stories(USER)
    assert kept.title == "Renamed" and len(kept.tellings) == 2 and kept.terms == ("x",)
    assert not await store.delete(USER, theirs.id)
    assert await store.delete(USER, kept.id)
    assert await store.stories(USER) == [] and len(await store.stories(OTHER)) == 1


async def test_prune_drops_old_tellings_and_stories_left_without_one(store: Store) -> None:
    old = await store.add_story(USER, DRAFT, telling(1, 0), Language.EN)
    fresh = await store.add_story(USER, DRAFT, telling(2, 0), Language.EN)
    await store.add_telling(fresh.id, telling(3, 100), fresh.terms, fresh.strong, ())
    assert await store.prune(T0 + timedelta(days=50)) >= 2
    (left,) = await store.stories(USER)
    assert left.id == fresh.id and [t.session_id for t in left.tellings] == [3]
    assert old.id != left.id
