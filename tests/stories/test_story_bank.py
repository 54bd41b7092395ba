"""The story bank's rules: a retelling matches, overuse, coverage, titles, merges."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from bot.catalog import Language
from bot.errors import CoachError
from bot.stories.bank import (
    MAX_TITLE,
    best_match,
    check_merge,
    clean_title,
    coverage,
    overused,
    similarity,
)
from bot.stories.models import Story, Telling
from tests.fakes.clock import T0
from tests.stories.helpers import MENTORING, OUTAGE, OUTAGE_AGAIN, grade, question, reader

log = logging.getLogger(__name__)


def banked(story_id: int, text: str, question_id: str, *sessions: int) -> Story:
    q = question(question_id)
    draft = reader().read(q, text, grade(text, q.id), Language.EN)
    assert draft is not None
    tellings = tuple(
        Telling(turn_id=s * 10, session_id=s, number=1, question_id=q.id, score=70,
                at=T0 + timedelta(days=s))
        for s in sessions
    )  # fmt: skip
    return Story(
        story_id, 1, draft.title, draft.competencies, draft.terms, draft.strong, Language.EN,
        T0, T0, tellings,
    )  # fmt: skip


def test_a_retelling_in_other_words_matches_and_another_story_does_not() -> None:
    outage = banked(1, OUTAGE, "beh-mistake-in-production", 1)
    mentoring = banked(2, MENTORING, "beh-mentored-someone", 2)
    q = question("beh-mistake-in-production")
    again = reader().read(q, OUTAGE_AGAIN, grade(OUTAGE_AGAIN, q.id), Language.EN)
    assert again is not None
    assert best_match(again, [mentoring, outage]) is outage
    assert similarity(again.terms, again.strong, mentoring.terms, mentoring.strong) < 0.1
    fresh = reader().read(q, MENTORING, grade(MENTORING, q.id), Language.EN)
    assert fresh is not None and best_match(fresh, [outage]) is None


def test_three_recent_interviews_make_a_story_overused() -> None:
    story = banked(1, OUTAGE, "beh-mistake-in-production", 1, 2)
    now = T0 + timedelta(days=3)
    assert overused([story], now) == []
    told_thrice = banked(1, OUTAGE, "beh-mistake-in-production", 1, 2, 3)
    assert overused([told_thrice], now) == [told_thrice]
    # Long ago does not count, and two retries in one interview count once.
    assert overused([told_thrice], now + timedelta(days=40)) == []


def test_coverage_lists_every_competency() -> None:
    outage = banked(1, OUTAGE, "beh-mistake-in-production", 1)
    found = coverage([outage], reader().competencies)
    assert set(found) == {c.id for c in reader().competencies}
    assert found["failure"] == [1] and found["conflict"] == []


@pytest.mark.parametrize("title", ["", "   ", "\n\t"])
def test_an_empty_title_is_refused(title: str) -> None:
    with pytest.raises(CoachError) as caught:
        clean_title(title, Language.EN)
    assert caught.value.key == "stories.rename.empty"
    assert "Nothing was changed" in caught.value.message_in(Language.EN)


def test_a_2000_character_title_is_refused_and_a_fine_one_is_tidied() -> None:
    with pytest.raises(CoachError) as caught:
        clean_title("x" * 2000, Language.KO)
    assert caught.value.key == "stories.rename.too_long"
    assert "2,000" in caught.value.message_in(Language.EN)
    assert str(MAX_TITLE) in caught.value.message_in(Language.KO)
    assert clean_title("  The  checkout\noutage ", Language.EN) == "The checkout outage"


def test_a_story_cannot_be_merged_with_itself() -> None:
    with pytest.raises(CoachError) as caught:
        check_merge(3, 3, Language.EN)
    assert caught.value.key == "stories.merge.same"
    check_merge(3, 4, Language.EN)
