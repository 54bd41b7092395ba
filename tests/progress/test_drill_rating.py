"""Spaced repetition: the documented score-to-rating mapping and fsrs set up for skills."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from fsrs import Rating

from bot.progress.rating import MAX_INTERVAL_DAYS, SkillScheduler, card_id, rating_for
from tests.fakes.clock import T0

log = logging.getLogger(__name__)


@pytest.mark.parametrize(
    ("score", "rating"),
    [(0, Rating.Again), (49, Rating.Again), (50, Rating.Hard), (64, Rating.Hard),
     (65, Rating.Good), (84, Rating.Good), (85, Rating.Easy), (100, Rating.Easy)],
)  # fmt: skip
def test_score_to_rating(score: int, rating: Rating) -> None:
    assert rating_for(score) is rating


def test_a_failing_score_is_a_lapse_due_again_within_days_not_minutes() -> None:
    scheduler = SkillScheduler()
    good = scheduler.review(None, 1, "results", 80, T0)
    assert good is not None and good.due - T0 >= timedelta(days=1)
    later = T0 + timedelta(days=10)
    failed = scheduler.review(good, 1, "results", 20, later)
    assert failed is not None and failed.last_rating == int(Rating.Again)
    # No minute-level relearning steps: the next practice is a day or more away.
    assert timedelta(days=1) <= failed.due - later < good.due - T0 + timedelta(days=10)


def test_intervals_are_capped_in_days() -> None:
    scheduler = SkillScheduler(max_interval_days=10)
    schedule = None
    now = T0
    for _ in range(12):
        schedule = scheduler.review(schedule, 1, "results", 95, now)
        assert schedule is not None
        assert schedule.due - now <= timedelta(days=10)
        now = schedule.due
    assert MAX_INTERVAL_DAYS >= 30


def test_one_upward_review_a_day_but_a_failure_always_counts() -> None:
    scheduler = SkillScheduler()
    first = scheduler.review(None, 1, "results", 70, T0)
    assert first is not None
    assert scheduler.review(first, 1, "results", 90, T0 + timedelta(hours=1)) is None
    worse = scheduler.review(first, 1, "results", 30, T0 + timedelta(hours=2))
    assert worse is not None and worse.last_rating == int(Rating.Again)
    assert worse.due <= first.due


def test_cards_have_stable_ids_and_round_trip() -> None:
    assert card_id(1, "results") == card_id(1, "results") != card_id(2, "results")
    schedule = SkillScheduler().review(None, 1, "results", 70, T0)
    assert schedule is not None and schedule.card["card_id"] == card_id(1, "results")
