"""In-memory fakes of the negotiation ports: the store, the model's voice, the skill feed."""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.negotiation.models import (
    Debrief,
    HistoryRow,
    Negotiation,
    RecruiterState,
    Speaker,
    Status,
    Turn,
)
from bot.negotiation.ports import VoiceBrief, Voiced

log = logging.getLogger(__name__)


class InMemoryNegotiationStore:
    """The NegotiationStore port in a dict (copies in and out, like a database)."""

    def __init__(self) -> None:
        self.rows: dict[int, Negotiation] = {}
        self._next = 1

    async def create(self, negotiation: Negotiation) -> Negotiation:
        """Insert a negotiation with its opening turn(s); return it with its id."""
        negotiation.id = self._next
        self._next += 1
        self.rows[negotiation.id] = copy.deepcopy(negotiation)
        return negotiation

    async def add_turn(self, negotiation_id: int, turn: Turn) -> None:
        """Append one turn."""
        self.rows[negotiation_id].turns.append(turn)
        self.rows[negotiation_id].updated_at = turn.at

    async def save_reply(self, negotiation_id: int, turn: Turn, state: RecruiterState) -> None:
        """Append the recruiter's reply and its new state."""
        row = self.rows[negotiation_id]
        row.turns.append(turn)
        row.state = state
        row.updated_at = turn.at

    async def finish(self, negotiation_id: int, status: Status, debrief: Debrief) -> None:
        """Mark a negotiation ended and keep its debrief."""
        row = self.rows[negotiation_id]
        row.status = status
        row.debrief = debrief
        row.state = row.state.evolve(ended=True, outcome=debrief.outcome)

    async def get(self, negotiation_id: int) -> Negotiation | None:
        """Return a negotiation with its turns, or None."""
        row = self.rows.get(negotiation_id)
        return copy.deepcopy(row) if row is not None else None

    async def active(self, user_id: int, guild_id: int | None) -> Negotiation | None:
        """Return the user's running negotiation in this server."""
        for row in self.rows.values():
            if row.user_id == user_id and row.guild_id == guild_id and row.status is Status.ACTIVE:
                return copy.deepcopy(row)
        return None

    async def in_channel(self, channel_id: int) -> Negotiation | None:
        """Return the running negotiation bound to a channel."""
        for row in self.rows.values():
            if row.channel_id == channel_id and row.status is Status.ACTIVE:
                return copy.deepcopy(row)
        return None

    async def bind_channel(self, negotiation_id: int, channel_id: int) -> None:
        """Remember the channel a negotiation runs in."""
        self.rows[negotiation_id].channel_id = channel_id

    async def awaiting_reply(self) -> list[int]:
        """Return running negotiations whose last turn is an unanswered candidate message."""
        return [
            i
            for i, row in sorted(self.rows.items())
            if row.status is Status.ACTIVE
            and row.turns
            and row.turns[-1].speaker is Speaker.CANDIDATE
        ]

    async def history(self, user_id: int, limit: int) -> list[HistoryRow]:
        """Return the user's latest negotiations, newest first."""
        mine = [r for r in self.rows.values() if r.user_id == user_id]
        mine.sort(key=lambda r: r.id or 0, reverse=True)
        return [
            HistoryRow(
                negotiation_id=r.id or 0,
                role=r.setup.role,
                currency=r.setup.currency,
                offer=r.setup.offer.base,
                final_offer=r.debrief.final_offer if r.debrief else None,
                status=r.status,
                outcome=r.debrief.outcome if r.debrief else None,
                overall=r.debrief.overall if r.debrief else None,
                language=r.setup.language,
                created_at=r.created_at or datetime(2026, 1, 1, tzinfo=UTC),
            )
            for r in mine[:limit]
        ]

    async def recent_debriefs(self, user_id: int, limit: int) -> list[Debrief]:
        """Return the debriefs of the user's latest ended negotiations, newest first."""
        ended = [r for r in self.rows.values() if r.user_id == user_id and r.debrief is not None]
        ended.sort(key=lambda r: r.id or 0, reverse=True)
        return [replace(r.debrief, patterns=()) for r in ended[:limit] if r.debrief is not None]

    async def prune(self, older_than: datetime) -> int:
        """Delete negotiations untouched since ``older_than``."""
        old = [i for i, r in self.rows.items() if r.updated_at and r.updated_at < older_than]
        for i in old:
            del self.rows[i]
        return len(old)


class ScriptedVoice:
    """A model voice that answers from a script (a string, None, an exception, or a function)."""

    def __init__(
        self,
        *replies: str | Exception | Callable[[VoiceBrief], str | None] | None,
        provider: str = "fake",
    ) -> None:
        self.replies = list(replies)
        self.provider = provider
        self.briefs: list[VoiceBrief] = []

    async def speak(self, brief: VoiceBrief) -> Voiced | None:
        """Return the next scripted line (the last one repeats)."""
        self.briefs.append(brief)
        reply = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        if isinstance(reply, Exception):
            raise reply
        if callable(reply):
            reply = reply(brief)
        return None if reply is None else Voiced(reply, self.provider)


class RecordingSkillFeed:
    """The SkillFeed port: remembers what it was given."""

    def __init__(self) -> None:
        self.recorded: list[tuple[int, Debrief]] = []

    async def negotiation_practised(self, user_id: int, debrief: Debrief) -> None:
        """Remember one finished negotiation."""
        self.recorded.append((user_id, debrief))


if TYPE_CHECKING:
    from bot.negotiation.ports import Clock, NegotiationStore, RecruiterVoice, SkillFeed
    from tests.fakes.clock import FixedClock

    _store: NegotiationStore = InMemoryNegotiationStore()
    _voice: RecruiterVoice = ScriptedVoice("hi")
    _skills: SkillFeed = RecordingSkillFeed()
    _clock: Clock = FixedClock()
