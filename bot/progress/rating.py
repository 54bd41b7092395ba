"""Spaced repetition for skills: the score-to-rating mapping and the ``fsrs`` scheduler.

FSRS models how memory of a flashcard fades, not how a skill grows; Mockingbird uses it to
decide *when to practise a skill again*, which is the same question in spirit: a skill
practised well is safe to leave for longer, a skill that failed needs practice soon. The
mapping from an observation (0-100, see ``graph.py``) to an FSRS rating is a choice:

=========  ==========  ==================================================================
score      rating      why
=========  ==========  ==================================================================
< 50       Again       a failing answer on the skill: FSRS counts only Again as a lapse
50-64      Hard        shown, but weakly: the interval grows little
65-84      Good        shown as expected for the level
>= 85      Easy        shown strongly: the interval grows most
=========  ==========  ==================================================================

The scheduler has no learning steps (skills are not practised minutes apart) and intervals
are capped in days. A skill is reviewed at most once a day upwards: a second good answer the
same day does not push the next drill further out, but a failure always counts.
"""

from __future__ import annotations

import logging
import zlib
from datetime import UTC, datetime, timezone

from fsrs import Card, Rating, Scheduler

from bot.progress.models import Schedule

log = logging.getLogger(__name__)

FAIL_BELOW = 50
GOOD_FROM = 65
EASY_FROM = 85
MAX_INTERVAL_DAYS = 45


def rating_for(score: int) -> Rating:
    """Return the FSRS rating of an observation (the table above)."""
    if score < FAIL_BELOW:
        return Rating.Again
    if score < GOOD_FROM:
        return Rating.Hard
    if score < EASY_FROM:
        return Rating.Good
    return Rating.Easy


def card_id(user_id: int, skill_id: str) -> int:
    """Return a stable card id for a user's skill (``Card()`` without one sleeps 1 ms)."""
    return zlib.crc32(f"{user_id}:{skill_id}".encode()) + 1


def utc(moment: datetime) -> datetime:
    """Return ``moment`` in ``datetime.timezone.utc``, the only zone fsrs accepts."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(timezone.utc)  # noqa: UP017 - fsrs compares with this object


class SkillScheduler:
    """Review skills' cards with ``fsrs``, configured for skills rather than flashcards."""

    def __init__(self, max_interval_days: int = MAX_INTERVAL_DAYS) -> None:
        self.max_interval_days = max_interval_days
        # No fuzzing: the same history gives the same plan (tests, and the user's trust).
        self._scheduler = Scheduler(
            learning_steps=(),
            relearning_steps=(),
            maximum_interval=max_interval_days,
            enable_fuzzing=False,
        )

    def review(
        self,
        schedule: Schedule | None,
        user_id: int,
        skill_id: str,
        score: int,
        now: datetime,
    ) -> Schedule | None:
        """Return the skill's schedule after one observation, or None when it stays as is."""
        now = utc(now)
        rating = rating_for(score)
        if schedule is None:
            card = Card(card_id=card_id(user_id, skill_id), due=now)
        else:
            same_day = utc(schedule.last_review).date() == now.date()
            if same_day and int(rating) >= schedule.last_rating:
                return None
            card = Card.from_dict(schedule.card)  # type: ignore[arg-type]
        card, _ = self._scheduler.review_card(card, rating, now)
        return Schedule(
            skill_id=skill_id,
            card=dict(card.to_dict()),
            due=utc(card.due),
            last_rating=int(rating),
            last_review=now,
        )
