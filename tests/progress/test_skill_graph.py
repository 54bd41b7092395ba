"""The skill-graph update rules: touched skills, observations, level, trend, evidence."""

from __future__ import annotations

import logging

from bot.catalog import Kind
from bot.coaching.models import Severity
from bot.progress.graph import Trend, advance, evidence_of, observe, trend
from bot.progress.models import SkillState
from tests.fakes.clock import T0
from tests.progress.helpers import catalogue, evaluation, finding, question

log = logging.getLogger(__name__)


def scores(obs: list) -> dict[str, int]:  # type: ignore[type-arg]
    return {o.skill_id: o.score for o in obs}


def test_an_answer_touches_its_tags_its_kind_and_its_findings() -> None:
    ev = evaluation(70, finding("structure.result_missing"), finding("seniority.no_stakeholders"))
    got = scores(observe(catalogue(), question(skills=("mentoring",)), ev, spoken=False))
    assert got["results"] == 35  # a major criticism caps the observation
    assert got["stakeholders"] == 35
    assert got["leadership"] == 70  # the question's tag: practised, nothing said against it
    assert got["context_setting"] == 70  # every behavioral answer practises structure
    assert "fillers" not in got  # only a voice answer shows filler words
    assert "algorithms" not in got


def test_severity_sets_the_cap_and_praise_lifts() -> None:
    ev = evaluation(
        80,
        finding("communication.hedging", Severity.MINOR),
        finding("positive.metrics", positive=True),
        finding("positive.example", positive=True),
    )
    got = scores(observe(catalogue(), question(), ev, spoken=False))
    assert got["confidence"] == 55
    assert got["quantified_impact"] == 88
    assert got["concrete_examples"] == 88


def test_filler_words_count_only_in_voice_answers() -> None:
    spike = evaluation(75, finding("delivery.filler_spike", Severity.INFO))
    assert scores(observe(catalogue(), question(), spike, spoken=True))["fillers"] == 45
    clean = evaluation(75)
    assert scores(observe(catalogue(), question(), clean, spoken=True))["fillers"] == 80
    assert "fillers" not in scores(observe(catalogue(), question(), clean, spoken=False))


def test_an_off_topic_answer_says_nothing_about_the_other_skills() -> None:
    ev = evaluation(15, finding("communication.off_topic"), on_topic=False)
    got = scores(observe(catalogue(), question(Kind.CODING, ("graphs",)), ev, spoken=False))
    assert got == {"relevance": 15}


def test_level_is_a_moving_average_and_the_trend_reads_the_last_answers() -> None:
    obs = observe(catalogue(), question(), evaluation(40), spoken=False)[0]
    state = advance(None, obs, T0)
    assert state.level == 40 and state.recent == (40,)
    for score in (40, 40, 80, 80, 80):
        state = advance(state, type(obs)(obs.skill_id, score), T0)
    assert 60 < state.level < 80
    assert trend(state) == (Trend.UP, 40)
    falling = SkillState("results", 50, 6, (80, 80, 80, 40, 40, 40), T0)
    assert trend(falling) == (Trend.DOWN, -40)
    assert trend(SkillState("results", 50, 3, (50, 60, 70), T0)) == (Trend.NEW, 0)
    assert trend(SkillState("results", 50, 6, (60, 60, 60, 62, 58, 61), T0))[0] is Trend.FLAT


def test_recent_keeps_the_last_eight_observations() -> None:
    obs = observe(catalogue(), question(), evaluation(50), spoken=False)[0]
    state = advance(None, obs, T0)
    for i in range(20):
        state = advance(state, type(obs)(obs.skill_id, i), T0)
    assert state.recent == tuple(range(12, 20)) and state.observations == 21


def test_evidence_keeps_each_finding_and_its_quote() -> None:
    ev = evaluation(60, finding("communication.we_without_i", Severity.MINOR, quote="we did it"))
    obs = observe(catalogue(), question(), ev, spoken=False)
    rows = evidence_of(obs, turn_id=5, session_id=9, now=T0)
    (row,) = rows
    assert (row.skill_id, row.rule_id, row.quote) == (
        "ownership_voice",
        "communication.we_without_i",
        "we did it",
    )
    assert (row.turn_id, row.session_id, row.score) == (5, 9, 55)
