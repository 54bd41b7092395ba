"""Voice sessions and study-group rounds: who consented, whose turn it is, what peers said."""

from __future__ import annotations

import enum
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from bot.catalog import Kind, Language, Level
from bot.errors import CoachError

log = logging.getLogger(__name__)

MAX_TURNS_EACH = 10


class RoundError(CoachError):
    """A round action that cannot be done; the message is safe to show."""


class RoundMode(enum.StrEnum):
    """One candidate interviewed alone, or a study group taking turns."""

    SOLO = "solo"
    GROUP = "group"


class RoundStatus(enum.StrEnum):
    """Lifecycle of a voice session or round."""

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
    """A voice session: a solo interview or a round-robin study group."""

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
        """Return who answers next: fewest turns taken first, then consent order."""
        waiting = [
            p for p in self.participants if not p.left and not p.done and p.turns < self.turns_each
        ]
        if not waiting:
            return None
        return min(waiting, key=lambda p: (p.turns, p.position))

    # ---- changes -------------------------------------------------------------------

    def join(self, user_id: int, at: datetime) -> tuple[Participant, bool]:
        """Add a consenting user to the end of the queue; return (participant, newly added)."""
        if not self.status.live:
            raise RoundError("That voice session has already ended.")
        existing = self.participant(user_id)
        if existing is not None:
            rejoined = existing.left
            existing.left = False
            return existing, rejoined
        if self.mode is RoundMode.SOLO and user_id != self.host_id:
            raise RoundError("This is a one-to-one voice interview; only its candidate can join.")
        participant = Participant(user_id=user_id, position=len(self.participants), consented_at=at)
        self.participants.append(participant)
        return participant, True

    def leave(self, user_id: int) -> bool:
        """Take a participant out of the queue (they left the channel); tell if they were in."""
        participant = self.participant(user_id)
        if participant is None or participant.left:
            return False
        participant.left = True
        return True

    def begin_turn(self, user_id: int) -> Participant:
        """Make ``user_id`` the one answering now."""
        participant = self.participant(user_id)
        if participant is None:
            raise RoundError("Only people who pressed Consent can take a turn.")
        if not self.status.live:
            raise RoundError("That voice session has already ended.")
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


# ---- summaries -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AnswerRecord:
    """One graded answer given during a round."""

    id: int
    round_id: int
    user_id: int
    session_id: int | None
    turn_index: int | None
    score: int | None


@dataclass(frozen=True, slots=True)
class RatingRecord:
    """One peer's rating of one answer."""

    answer_id: int
    rater_id: int
    rating: Rating


@dataclass(frozen=True, slots=True)
class ParticipantSummary:
    """One participant's figures for the round."""

    user_id: int
    consented_at: datetime
    answered: int
    passed: int
    scores: tuple[int, ...]
    ratings: dict[Rating, int]
    ratings_given: int

    @property
    def average_score(self) -> float | None:
        """Return the mean score of the graded answers, if any."""
        return sum(self.scores) / len(self.scores) if self.scores else None


@dataclass(frozen=True, slots=True)
class RoundSummary:
    """End-of-round figures per participant, in queue order."""

    round: Round
    participants: tuple[ParticipantSummary, ...]

    @property
    def answers(self) -> int:
        """Return how many answers were graded in the round."""
        return sum(len(p.scores) for p in self.participants)


def summarise(
    round_: Round, answers: Sequence[AnswerRecord], ratings: Sequence[RatingRecord]
) -> RoundSummary:
    """Aggregate scores and peer ratings per participant."""
    owner = {a.id: a.user_id for a in answers}
    received: dict[int, dict[Rating, int]] = {}
    given: dict[int, int] = {}
    for r in ratings:
        candidate = owner.get(r.answer_id)
        if candidate is None or candidate == r.rater_id:
            continue  # a stale or self-rating never counts
        counts = received.setdefault(candidate, dict.fromkeys(Rating, 0))
        counts[r.rating] += 1
        given[r.rater_id] = given.get(r.rater_id, 0) + 1
    rows = []
    for p in sorted(round_.participants, key=lambda p: p.position):
        mine = [a for a in answers if a.user_id == p.user_id]
        rows.append(
            ParticipantSummary(
                user_id=p.user_id,
                consented_at=p.consented_at,
                answered=max(p.answered, len(mine)),
                passed=p.skipped,
                scores=tuple(a.score for a in mine if a.score is not None),
                ratings=received.get(p.user_id, dict.fromkeys(Rating, 0)),
                ratings_given=given.get(p.user_id, 0),
            )
        )
    return RoundSummary(round_, tuple(rows))


# ---- port ----------------------------------------------------------------------------


class RoundStore(Protocol):
    """Persists rounds, consents, answers and peer ratings."""

    async def create_round(self, round_: Round) -> Round:
        """Insert a round and return it with its id."""
        ...

    async def save_round(self, round_: Round) -> None:
        """Save the round's own fields (status, thread, ended time)."""
        ...

    async def get_round(self, round_id: int) -> Round | None:
        """Return a round with its participants, or None."""
        ...

    async def save_participant(self, round_id: int, participant: Participant) -> Participant:
        """Insert or update one participant (their consent); return it with its id."""
        ...

    async def end_unfinished(self, at: datetime, keep: set[int] | None = None) -> int:
        """Mark rounds left live by a restart (all but ``keep``) as stopped; return how many."""
        ...

    async def record_answer(
        self,
        round_id: int,
        user_id: int,
        session_id: int | None,
        turn_id: int | None,
        turn_index: int | None,
        score: int | None,
        at: datetime,
    ) -> AnswerRecord:
        """Store one answer given in the round."""
        ...

    async def get_answer(self, answer_id: int) -> AnswerRecord | None:
        """Return one round answer, or None."""
        ...

    async def rate(self, answer_id: int, rater_id: int, rating: Rating, at: datetime) -> bool:
        """Store a rater's vote, replacing their earlier one; tell if it replaced one."""
        ...

    async def answers(self, round_id: int) -> list[AnswerRecord]:
        """Return the round's answers in order."""
        ...

    async def ratings(self, round_id: int) -> list[RatingRecord]:
        """Return every peer rating given in the round."""
        ...
