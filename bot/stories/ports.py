"""Ports the story bank needs, implemented by adapters (storage)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Protocol

from bot.catalog import Language
from bot.stories.models import Story, StoryDraft, Telling

log = logging.getLogger(__name__)


class StoryStore(Protocol):
    """Persists each user's stories and the answers that told them."""

    async def stories(self, user_id: int) -> list[Story]:
        """Return the user's stories with their tellings, oldest story first."""
        ...

    async def add_story(
        self, user_id: int, draft: StoryDraft, telling: Telling, language: Language
    ) -> Story:
        """Bank a new story told by one answer and return it with its id."""
        ...

    async def add_telling(
        self,
        story_id: int,
        telling: Telling,
        terms: tuple[str, ...],
        strong: tuple[str, ...],
        competencies: tuple[str, ...],
    ) -> None:
        """Record another answer that told a story, with the story's widened words."""
        ...

    async def rename(self, user_id: int, story_id: int, title: str, now: datetime) -> bool:
        """Rename one of the user's stories; False when it is not theirs."""
        ...

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
        """Move ``other_id``'s tellings into ``keep_id`` and drop ``other_id``, in one step."""
        ...

    async def delete(self, user_id: int, story_id: int) -> bool:
        """Delete one of the user's stories (the answers stay); False when not theirs."""
        ...

    async def prune(self, older_than: datetime) -> int:
        """Delete tellings older than ``older_than`` and stories left with none."""
        ...
