"""Ports the negotiation domain needs: its store, the model's voice, the clock, the skill graph."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from bot.catalog import Language
from bot.negotiation.models import (
    Debrief,
    HistoryRow,
    Negotiation,
    RecruiterState,
    Status,
    Style,
    Turn,
)

log = logging.getLogger(__name__)


class NegotiationGone(Exception):
    """A store's answer: the negotiation was deleted (privacy delete, retention) meanwhile."""


class NegotiationStore(Protocol):
    """Persists negotiations: written after every message, so a restart resumes them."""

    async def create(self, negotiation: Negotiation) -> Negotiation:
        """Insert a negotiation with its opening turn(s); return it with its id."""
        ...

    async def add_turn(self, negotiation_id: int, turn: Turn) -> None:
        """Append one turn (the candidate's message is saved before it is answered)."""
        ...

    async def save_reply(self, negotiation_id: int, turn: Turn, state: RecruiterState) -> None:
        """Append the recruiter's reply and its new state in one transaction."""
        ...

    async def finish(self, negotiation_id: int, status: Status, debrief: Debrief) -> None:
        """Mark a negotiation ended and keep its debrief."""
        ...

    async def get(self, negotiation_id: int) -> Negotiation | None:
        """Return a negotiation with its turns, or None."""
        ...

    async def active(self, user_id: int, guild_id: int | None) -> Negotiation | None:
        """Return the user's running negotiation in this server (None: DMs/terminal)."""
        ...

    async def in_channel(self, channel_id: int) -> Negotiation | None:
        """Return the running negotiation bound to a channel, or None."""
        ...

    async def bind_channel(self, negotiation_id: int, channel_id: int) -> None:
        """Remember the channel (thread) a negotiation runs in."""
        ...

    async def awaiting_reply(self) -> list[int]:
        """Return running negotiations whose last turn is an unanswered candidate message."""
        ...

    async def history(self, user_id: int, limit: int) -> list[HistoryRow]:
        """Return the user's latest negotiations, newest first."""
        ...

    async def recent_debriefs(self, user_id: int, limit: int) -> list[Debrief]:
        """Return the debriefs of the user's latest ended negotiations, newest first."""
        ...

    async def prune(self, older_than: datetime) -> int:
        """Delete negotiations untouched since ``older_than``; return how many."""
        ...


@dataclass(frozen=True, slots=True)
class VoiceBrief:
    """What the model needs to say the recruiter's next line in character.

    The budget is not in it: the model voices the move the policy decided (``offline_line``
    says it plainly, ``offer`` is the base on the table after it) and cannot reveal a number
    it was never told; the leak guard checks every line anyway.
    """

    negotiation_id: int
    user_id: int
    guild_id: int | None
    language: Language
    style: Style
    role: str
    currency: str
    offer: str
    offline_line: str
    history: tuple[Turn, ...]
    message: str
    attempt: int = 1
    # Why the previous attempt was refused, for the retry ("it named an amount above the offer").
    correction: str | None = None
    moves: tuple[str, ...] = field(default=())

    def ids(self) -> str:
        """Return who the call is for, for log lines."""
        return f"negotiation {self.negotiation_id}, user {self.user_id}, guild {self.guild_id}"


@dataclass(frozen=True, slots=True)
class Voiced:
    """A line the model wrote, and which provider wrote it."""

    text: str
    provider: str


class RecruiterVoice(Protocol):
    """The LLM role-play: says the decided move in character (None: no model, or it failed)."""

    async def speak(self, brief: VoiceBrief) -> Voiced | None:
        """Return the recruiter's line, or None to use the offline line."""
        ...


class Clock(Protocol):
    """Tells the time (a port so tests can fix it)."""

    def now(self) -> datetime:
        """Return the current UTC time."""
        ...


class SkillFeed(Protocol):
    """The skill graph's intake for negotiation practice (``bot.negotiation.skills``)."""

    async def negotiation_practised(self, user_id: int, debrief: Debrief) -> None:
        """Record one finished negotiation as evidence for the "negotiation" skill."""
        ...
