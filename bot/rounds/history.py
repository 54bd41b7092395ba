"""A server's round history: past rounds with attendance, and members' scores over time.

Attendance (who took part in which round) is shown to the server; a member's scores and peer
ratings are shown only for members who opted in, and to the member themself.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from bot.rounds.model import Rating, RoundMode, RoundStatus
from bot.rounds.ports import Clock

log = logging.getLogger(__name__)

ROUNDS_SHOWN = 10
MEMBER_ROUNDS_SHOWN = 8


@dataclass(frozen=True, slots=True)
class PastRound:
    """One past group round of a server and who took part."""

    round_id: int
    channel_id: int
    started_at: datetime
    ended_at: datetime | None
    status: RoundStatus
    mode: RoundMode
    attendees: tuple[int, ...]
    answers: int


@dataclass(frozen=True, slots=True)
class MemberRound:
    """One member's figures in one round."""

    round_id: int
    at: datetime
    answered: int
    scores: tuple[int, ...]
    ratings: dict[Rating, int]

    @property
    def average(self) -> float | None:
        """Return the mean score of the member's graded answers in the round."""
        return sum(self.scores) / len(self.scores) if self.scores else None


@dataclass(frozen=True, slots=True)
class GroupHistory:
    """What `round history` shows: rounds with attendance, and opted-in members' figures."""

    rounds: tuple[PastRound, ...]
    members: dict[int, tuple[MemberRound, ...]] = field(default_factory=dict)
    viewer_opted_in: bool = False
    viewer_id: int = 0


class HistoryStore(Protocol):
    """Reads past rounds and keeps members' opt-ins."""

    async def past_rounds(self, guild_id: int, limit: int) -> list[PastRound]:
        """Return the server's ended group rounds, newest first."""
        ...

    async def member_rounds(
        self, guild_id: int, user_ids: Collection[int], limit: int
    ) -> dict[int, list[MemberRound]]:
        """Return each member's newest rounds in the server with scores and ratings received."""
        ...

    async def opted_in(self, guild_id: int) -> set[int]:
        """Return the members who let the server see their scores."""
        ...

    async def set_opt_in(self, guild_id: int, user_id: int, on: bool, at: datetime) -> bool:
        """Opt a member in (or out); tell if anything changed."""
        ...


class RoundHistory:
    """Answer `round history` and members' opt-ins."""

    def __init__(self, store: HistoryStore, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    async def history(self, guild_id: int, viewer_id: int) -> GroupHistory:
        """Return the server's past rounds, opted-in members' figures, and the viewer's own."""
        rounds = await self.store.past_rounds(guild_id, ROUNDS_SHOWN)
        opted = await self.store.opted_in(guild_id)
        # The viewer always sees their own figures (the reply is private).
        shown = opted | {viewer_id}
        figures = await self.store.member_rounds(guild_id, shown, MEMBER_ROUNDS_SHOWN)
        members = {
            user_id: tuple(found)
            for user_id, found in figures.items()
            if found and user_id in shown
        }
        return GroupHistory(
            tuple(rounds), members, viewer_opted_in=viewer_id in opted, viewer_id=viewer_id
        )

    async def share(self, guild_id: int, user_id: int, on: bool) -> bool:
        """Opt the member in to (or out of) showing their scores; tell if it changed."""
        changed = await self.store.set_opt_in(guild_id, user_id, on, self.clock.now())
        log.info(
            "User %s %s round history in guild %s", user_id, "shares" if on else "hides", guild_id
        )
        return changed
