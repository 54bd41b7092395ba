"""End-of-round figures: answers, scores and peer ratings per participant."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.rounds.model import Rating, Round

log = logging.getLogger(__name__)


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

    @property
    def average_score(self) -> float | None:
        """Return the mean of every graded answer in the round, if any."""
        scores = [s for p in self.participants for s in p.scores]
        return sum(scores) / len(scores) if scores else None


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
