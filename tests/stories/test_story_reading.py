"""Recognising a STAR story in a graded behavioral answer, and what identifies it."""

from __future__ import annotations

import logging
from dataclasses import replace

from bot.catalog import Kind, Language
from tests.stories.helpers import MENTORING, OUTAGE, bank, grade, question, reader

log = logging.getLogger(__name__)


def test_a_story_answer_is_recognised_with_a_title_words_and_competencies() -> None:
    q = question("beh-mistake-in-production")
    draft = reader().read(q, OUTAGE, grade(OUTAGE, q.id), Language.EN)
    assert draft is not None
    assert draft.title.startswith("Last year at Acme I shipped a migration")
    assert len(draft.title) <= 60
    assert {"200ms", "acm", "postgr"} <= set(draft.strong)
    assert "failure" in draft.competencies and len(draft.competencies) <= 3
    assert draft.excerpt.startswith("Last year at Acme")


def test_habits_instead_of_an_episode_are_no_story() -> None:
    q = question("beh-mistake-in-production")
    habits = (
        "I usually try to be careful with production changes. In general I always test my code "
        "and I think it is important to communicate with the team and learn from mistakes, "
        "because mistakes happen to everyone and the important thing is to improve over time."
    )
    assert reader().read(q, habits, grade(habits, q.id), Language.EN) is None


def test_a_question_about_the_candidate_asks_for_no_story() -> None:
    about_you = [
        q
        for q in bank().questions(Kind.BEHAVIORAL, Language.EN)
        if reader().asks_for_the_candidate(q)
    ]
    assert about_you, "the bank has a question about the candidate"
    q = about_you[0]
    assert reader().read(q, MENTORING, grade(MENTORING, q.id), Language.EN) is None
    story = question("beh-mistake-in-production")
    assert not reader().asks_for_the_candidate(story)


def test_a_short_or_off_topic_answer_is_no_story() -> None:
    q = question("beh-mistake-in-production")
    short = "I broke production once and fixed it."
    assert reader().read(q, short, grade(short, q.id), Language.EN) is None
    off = replace(grade(OUTAGE, q.id), on_topic=False)
    assert reader().read(q, OUTAGE, off, Language.EN) is None


def test_a_story_about_cutting_outages_is_leadership_not_failure() -> None:
    # Outages are the story's topic here, not the candidate's own setback.
    text = (
        "At my last company our checkout service had outages every week and incidents kept "
        "paging the on-call engineers. I led the migration to a managed queue and coordinated "
        "the rollout with the payments team. I wrote the runbook, ran the cutover rehearsals "
        "and went through every incident report to find what the outages had in common. "
        "After six months outages were down 90% and on-call pages fell from twenty a week "
        "to two, which let the team ship the new checkout a quarter early."
    )
    q = question("beh-proudest-project")
    draft = reader().read(q, text, grade(text, q.id), Language.EN)
    assert draft is not None
    assert "leadership" in draft.competencies
    assert "failure" not in draft.competencies
