"""Value types of the story bank: stories, the answers that told them, competencies."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.catalog import Language

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Competency:
    """One competency stories are mapped to, with the question tags and words that show it."""

    id: str
    names: Mapping[Language, str]
    descriptions: Mapping[Language, str]
    tags: tuple[str, ...]
    cues: Mapping[Language, tuple[str, ...]]

    def name(self, language: Language) -> str:
        """Return the competency's name in ``language``."""
        return self.names.get(language) or self.names[Language.EN]


@dataclass(frozen=True, slots=True)
class Telling:
    """One answer that told a story: which interview, which question, how it scored."""

    turn_id: int
    session_id: int
    number: int
    question_id: str
    score: int
    at: datetime
    excerpt: str = ""


@dataclass(frozen=True, slots=True)
class StoryDraft:
    """A story recognised in one answer, before it is matched against the bank."""

    title: str
    terms: tuple[str, ...]
    strong: tuple[str, ...]
    competencies: tuple[str, ...]
    excerpt: str


@dataclass(frozen=True, slots=True)
class Story:
    """A STAR story in a user's bank and the answers that told it."""

    id: int
    user_id: int
    title: str
    competencies: tuple[str, ...]
    terms: tuple[str, ...]
    strong: tuple[str, ...]
    language: Language
    created_at: datetime
    updated_at: datetime
    tellings: tuple[Telling, ...] = field(default=())

    @property
    def uses(self) -> int:
        """Return how many answers told this story."""
        return len(self.tellings)

    def recent_tellings(self, now: datetime, days: int) -> tuple[Telling, ...]:
        """Return one telling per interview within the last ``days``, oldest first."""
        since = now - timedelta(days=days)
        seen: dict[int, Telling] = {}
        for t in sorted(self.tellings, key=lambda t: t.at):
            if t.at >= since:
                seen.setdefault(t.session_id, t)
        return tuple(seen.values())
