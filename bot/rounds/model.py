"""A round: who consented, in which order they answer, whose turn it is, how it ends.

A round is a solo interview or a round-robin study group, wherever it runs (a voice channel
today, a text channel later); nothing here knows how people are heard.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass, field
from datetime import datetime

from bot.catalog import Kind, Language, Level
from bot.rounds.errors import RoundError

log = logging.getLogger(__name__)

MAX_TURNS_EACH = 10


class RoundMode(enum.StrEnum):
    """One candidate interviewed alone, or a study group taking turns."""

    SOLO = "solo"
    GROUP = "group"


class RoundMedium(enum.StrEnum):
    """Where a round runs: in a voice channel, or in a thread of a text channel."""

    VOICE = "voice"
    TEXT = "text"


class RoundStatus(enum.StrEnum):
    """Lifecycle of a round."""

    GATHERING = "gathering"
    RUNNING = "running"
    FINISHED = "finished"
    STOPPED = "stopped"

    @property
    def live(self) -> bool:
        """Tell whether the round has not ended yet."""
        return self in (RoundStatus.GATHERING, RoundStatus.RUNNING)


class Rating(enum.StrEnum):
    """A peer's reaction to one answer."""

    USEFUL = "useful"
    UNCLEAR = "unclear"
    STRONG = "strong"


@dataclass(slots=True)
class Participant:
    """Someone who consented to be listened to in this round."""

    user_id: int
    position: int
    consented_at: datetime
    session_id: int | None = None
    turns: int = 0
    answered: int = 0
    skipped: int = 0
    left: bool = False
    done: bool = False
    id: int | None = None


@dataclass(slots=True)
class Round:
    """A solo interview or a round-robin study group.

    ``voice_channel_id`` is where the round gathers people (the stored column keeps its
    historic name: a text round's is its text channel); ``thread_id`` is where it posts.
    ``priority`` lists people who go first once they consent (a schedule's RSVPs), in order.
    """

    guild_id: int
    voice_channel_id: int
    host_id: int
    kind: Kind
    level: Level
    language: Language
    turns_each: int
    created_at: datetime
    mode: RoundMode = RoundMode.GROUP
    thread_id: int | None = None
    status: RoundStatus = RoundStatus.GATHERING
    ended_at: datetime | None = None
    participants: list[Participant] = field(default_factory=list)
    current: int | None = None
    id: int | None = None
    medium: RoundMedium = RoundMedium.VOICE
    priority: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        self.turns_each = max(1, min(MAX_TURNS_EACH, self.turns_each))

    # ---- queries -------------------------------------------------------------------

    def participant(self, user_id: int) -> Participant | None:
        """Return the participant with this user id, if they consented."""
        return next((p for p in self.participants if p.user_id == user_id), None)

    def has_consented(self, user_id: int) -> bool:
        """Tell whether the user opted in to being listened to."""
        return self.participant(user_id) is not None

    @property
    def current_participant(self) -> Participant | None:
        """Return whoever is answering now."""
        return None if self.current is None else self.participant(self.current)

    def is_host(self, user_id: int) -> bool:
        """Tell whether the user started this round."""
        return user_id == self.host_id

    def next_speaker(self) -> Participant | None:
        """Return who answers next: fewest turns taken first, then priority, then consent order."""
        waiting = [
            p for p in self.participants if not p.left and not p.done and p.turns < self.turns_each
        ]
        if not waiting:
            return None
        return min(waiting, key=lambda p: (p.turns, self._rank(p)))

    def _rank(self, participant: Participant) -> int:
        """Return the queue rank: people in ``priority`` first (in its order), then the rest."""
        if participant.user_id in self.priority:
            return self.priority.index(participant.user_id)
        return len(self.priority) + participant.position

    # ---- changes -------------------------------------------------------------------

    def join(self, user_id: int, at: datetime) -> tuple[Participant, bool]:
        """Add a consenting user to the end of the queue; return (participant, newly added)."""
        if not self.status.live:
            raise RoundError("already_ended", self.language)
        existing = self.participant(user_id)
        if existing is not None:
            rejoined = existing.left
            existing.left = False
            return existing, rejoined
        if self.mode is RoundMode.SOLO and user_id != self.host_id:
            raise RoundError("solo_only_candidate", self.language)
        participant = Participant(user_id=user_id, position=len(self.participants), consented_at=at)
        self.participants.append(participant)
        return participant, True

    def leave(self, user_id: int) -> bool:
        """Take a participant out of the queue (they left); tell if they were in."""
        participant = self.participant(user_id)
        if participant is None or participant.left:
            return False
        participant.left = True
        return True

    def begin_turn(self, user_id: int) -> Participant:
        """Make ``user_id`` the one answering now."""
        participant = self.participant(user_id)
        if participant is None:
            raise RoundError("turn_needs_consent", self.language)
        if not self.status.live:
            raise RoundError("already_ended", self.language)
        self.current = user_id
        self.status = RoundStatus.RUNNING
        return participant

    def end_turn(self, answered: bool) -> Participant | None:
        """Close the current turn, counting it as answered or passed."""
        participant = self.current_participant
        self.current = None
        if participant is None:
            return None
        participant.turns += 1
        if answered:
            participant.answered += 1
        else:
            participant.skipped += 1
        return participant

    def skip(self, user_id: int) -> bool:
        """Pass ``user_id``'s turn (the current one, or their next); tell if anything changed."""
        participant = self.participant(user_id)
        if participant is None or participant.done or participant.turns >= self.turns_each:
            return False
        if self.current == user_id:
            self.end_turn(answered=False)
        else:
            participant.turns += 1
            participant.skipped += 1
        return True

    def finish(self, at: datetime, stopped: bool = False) -> None:
        """End the round."""
        self.current = None
        self.status = RoundStatus.STOPPED if stopped else RoundStatus.FINISHED
        self.ended_at = at
