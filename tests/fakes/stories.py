"""An in-memory fake of the story store port."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from bot.catalog import Language
from bot.stories.models import Story, StoryDraft, Telling

log = logging.getLogger(__name__)


class InMemoryStoryStore:
    """The StoryStore port in a dictionary (same rules as the SQLite store)."""

    def __init__(self) -> None:
        self.rows: dict[int, Story] = {}
        self._next = 1

    async def stories(self, user_id: int) -> list[Story]:
        """Return the user's stories, oldest first."""
        return [s for s in sorted(self.rows.values(), key=lambda s: s.id) if s.user_id == user_id]

    async def add_story(
        self, user_id: int, draft: StoryDraft, telling: Telling, language: Language
    ) -> Story:
        """Bank a new story."""
        story = Story(
            id=self._next,
            user_id=user_id,
            title=draft.title,
            competencies=draft.competencies,
            terms=draft.terms,
            strong=draft.strong,
            language=language,
            created_at=telling.at,
            updated_at=telling.at,
            tellings=(telling,),
        )
        self.rows[story.id] = story
        self._next += 1
        return story

    async def add_telling(
        self,
        story_id: int,
        telling: Telling,
        terms: tuple[str, ...],
        strong: tuple[str, ...],
        competencies: tuple[str, ...],
    ) -> None:
        """Record another telling."""
        story = self.rows.get(story_id)
        if story is None:
            return
        self.rows[story_id] = replace(
            story,
            terms=terms,
            strong=strong,
            competencies=competencies,
            updated_at=telling.at,
            tellings=(*story.tellings, telling),
        )

    async def rename(self, user_id: int, story_id: int, title: str, now: datetime) -> bool:
        """Rename a story of the user's."""
        story = self.rows.get(story_id)
        if story is None or story.user_id != user_id:
            return False
        self.rows[story_id] = replace(story, title=title, updated_at=now)
        return True

    async def merge(
        self,
        user_id: int,
        keep_id: int,
        other_id: int,
        terms: tuple[str, ...],
        strong: tuple[str, ...],
        competencies: tuple[str, ...],
        now: datetime,
    ) -> bool:
        """Fold one story into another."""
        keep, other = self.rows.get(keep_id), self.rows.get(other_id)
        if keep_id == other_id or keep is None or other is None:
            return False
        if keep.user_id != user_id or other.user_id != user_id:
            return False
        self.rows[keep_id] = replace(
            keep,
            terms=terms,
            strong=strong,
            competencies=competencies,
            updated_at=now,
            tellings=tuple(sorted((*keep.tellings, *other.tellings), key=lambda t: t.at)),
        )
        del self.rows[other_id]
        return True

    async def delete(self, user_id: int, story_id: int) -> bool:
        """Delete a story of the user's."""
        story = self.rows.get(story_id)
        if story is None or story.user_id != user_id:
            return False
        del self.rows[story_id]
        return True

    async def prune(self, older_than: datetime) -> int:
        """Drop old tellings and the stories left with none."""
        deleted = 0
        for story_id, story in list(self.rows.items()):
            kept = tuple(t for t in story.tellings if t.at >= older_than)
            deleted += len(story.tellings) - len(kept)
            if not kept and story.updated_at < older_than:
                del self.rows[story_id]
                deleted += 1
            else:
                self.rows[story_id] = replace(story, tellings=kept)
        return deleted


if TYPE_CHECKING:
    from bot.stories.ports import StoryStore

    _store: StoryStore = InMemoryStoryStore()
