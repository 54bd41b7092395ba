"""In-memory doubles of the per-server ports: settings, server questions, round history."""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from bot.catalog import Question
from bot.guilds.settings import GuildSettings
from bot.rounds.history import MemberRound, PastRound

log = logging.getLogger(__name__)


@dataclass
class InMemorySettingsStore:
    """The SettingsStore port in memory."""

    rows: dict[int, GuildSettings] = field(default_factory=dict)

    async def all(self) -> list[GuildSettings]:
        """Return every server's stored settings."""
        return [self.rows[g] for g in sorted(self.rows)]

    async def save(self, settings: GuildSettings) -> None:
        """Insert or replace one server's settings."""
        self.rows[settings.guild_id] = settings


@dataclass
class InMemoryServerQuestionStore:
    """The ServerQuestionStore port in memory (ids unique across servers, as in SQLite)."""

    rows: list[tuple[int, Question]] = field(default_factory=list)

    async def all(self) -> list[tuple[int, Question]]:
        """Return (server, question) for every stored question."""
        return list(self.rows)

    async def add(self, guild_id: int, questions: Sequence[Question]) -> None:
        """Store questions for a server (all or none)."""
        taken = {q.id for _, q in self.rows}
        if any(q.id in taken for q in questions):
            raise ValueError("UNIQUE constraint failed: server_questions.question_id")
        self.rows += [(guild_id, q) for q in questions]

    async def remove(self, guild_id: int, question_id: str) -> bool:
        """Delete one of a server's questions; tell if it existed."""
        before = len(self.rows)
        self.rows = [(g, q) for g, q in self.rows if not (g == guild_id and q.id == question_id)]
        return len(self.rows) < before


@dataclass
class InMemoryHistoryStore:
    """The HistoryStore port over scripted rounds and figures, keeping opt-ins."""

    rounds: list[PastRound] = field(default_factory=list)
    figures: dict[int, list[MemberRound]] = field(default_factory=dict)
    optins: set[tuple[int, int]] = field(default_factory=set)

    async def past_rounds(self, guild_id: int, limit: int) -> list[PastRound]:
        """Return the scripted rounds, newest first."""
        return sorted(self.rounds, key=lambda r: r.started_at, reverse=True)[:limit]

    async def member_rounds(
        self, guild_id: int, user_ids: Collection[int], limit: int
    ) -> dict[int, list[MemberRound]]:
        """Return the scripted figures of the asked members only."""
        return {u: self.figures.get(u, [])[:limit] for u in user_ids}

    async def opted_in(self, guild_id: int) -> set[int]:
        """Return the members who share their scores."""
        return {u for g, u in self.optins if g == guild_id}

    async def set_opt_in(self, guild_id: int, user_id: int, on: bool, at: datetime) -> bool:
        """Opt a member in (or out); tell if anything changed."""
        key = (guild_id, user_id)
        if on == (key in self.optins):
            return False
        if on:
            self.optins.add(key)
        else:
            self.optins.discard(key)
        return True


if TYPE_CHECKING:
    from bot.guilds.questions import ServerQuestionStore
    from bot.guilds.settings import SettingsStore
    from bot.rounds.history import HistoryStore

    _settings: SettingsStore = InMemorySettingsStore()
    _questions: ServerQuestionStore = InMemoryServerQuestionStore()
    _history: HistoryStore = InMemoryHistoryStore()
