"""The offline coach on published answers nobody here wrote: the figures it must hold.

The set (tests/data/calibration, see its README) pairs weaker and stronger published answers
to the same question, adds answers with a published rating, deliberately off-topic answers
and on-topic answers in their own words. These are quality figures, not timings.
"""

from __future__ import annotations

import logging
import statistics
from pathlib import Path

import pytest

from bot.catalog import Kind, Language, Level, Question
from bot.coaching.answer import Answer
from bot.coaching.calibration import CalibrationSet, Graded, Report, length, measure, rank
from bot.coaching.rubric import Rubric

log = logging.getLogger(__name__)

DATA = Path(__file__).resolve().parents[1] / "data" / "calibration"
PROMPTS = Path(__file__).resolve().parents[2] / "prompts"


@pytest.fixture(scope="module")
def data() -> CalibrationSet:
    return CalibrationSet.load(DATA)


@pytest.fixture(scope="module")
def rubric() -> Rubric:
    return Rubric.load(PROMPTS)


def grader(rubric: Rubric):  # type: ignore[no-untyped-def]
    def grade(question: str, answer: str, kind: Kind, language: Language, level: Level) -> Graded:
        q = Question("calibration", kind, language, (level,), (), question, "")
        evaluation = rubric.evaluate(Answer(answer), q, level, language)
        return Graded(evaluation.score, evaluation.on_topic)

    return grade


@pytest.fixture(scope="module")
def reports(data: CalibrationSet, rubric: Rubric) -> dict[Level, Report]:
    return {level: measure(data, grader(rubric), level) for level in Level}


def test_the_set_is_big_varied_and_sourced(data: CalibrationSet) -> None:
    pairs = data.pairs
    assert len(pairs) >= 60
    assert len(data.rated) >= 20
    assert {p.kind for p in pairs} == set(Kind)
    assert sum(1 for p in pairs if p.language is Language.KO) >= 10
    assert len({p.source for p in pairs}) >= 10
    assert all(p.source.startswith("http") for p in pairs)
    assert all(r.source.startswith("http") and 0 <= r.rating <= 1 for r in data.rated)
    assert sum(1 for p in pairs if p.hard) >= 20
    assert len(data.off_topic) >= 40 and len(data.on_topic) >= 20


def test_strong_answers_rank_above_weak_ones_better_than_length_does(
    reports: dict[Level, Report],
) -> None:
    mid = reports[Level.MID]
    assert mid.ranking.accuracy >= 0.95, mid.wrong_pairs
    assert mid.hard.accuracy >= 0.85, mid.wrong_pairs
    assert mid.ranking.accuracy > mid.length_ranking.accuracy
    assert mid.hard.accuracy > mid.length_hard.accuracy
    for level in (Level.JUNIOR, Level.SENIOR):
        # The other levels may lose a close pair to rounding, never the ranking.
        assert reports[level].ranking.accuracy >= 0.93, (level, reports[level].wrong_pairs)


def test_scores_are_calibrated_at_mid(reports: dict[Level, Report]) -> None:
    mid = reports[Level.MID]
    assert mid.strong_median >= 70
    assert mid.weak_median <= 45


def test_junior_is_kinder_and_senior_stricter_on_the_same_answers(
    data: CalibrationSet, rubric: Rubric
) -> None:
    grade = grader(rubric)
    answers = [(p.question, p.strong, p.kind, p.language) for p in data.pairs]
    answers += [(p.question, p.weak, p.kind, p.language) for p in data.pairs]
    strict = 0
    for question, text, kind, language in answers:
        junior, mid, senior = (grade(question, text, kind, language, lv).score for lv in Level)
        assert junior >= mid >= senior, (text[:60], junior, mid, senior)
        strict += junior > mid > senior
    assert strict >= 0.8 * len(answers)


def test_off_topic_is_precise_and_finds_what_is_off_topic(
    reports: dict[Level, Report],
) -> None:
    for level, report in reports.items():
        assert report.strong_off_topic == [], (level, report.strong_off_topic)
        assert report.on_topic_false_alarms == [], (level, report.on_topic_false_alarms)
        assert report.off_topic_recall.accuracy >= 0.9, (level, report.off_topic_missed)


def test_published_ratings_and_scores_agree(reports: dict[Level, Report]) -> None:
    correlation = reports[Level.MID].rated_correlation
    assert correlation is not None and correlation >= 0.6


def test_no_pair_ties_the_length_baseline_by_construction(data: CalibrationSet) -> None:
    # The baseline really is "longer wins", with ties counted as wrong.
    ranking = rank((length(p.weak), length(p.strong)) for p in data.pairs)
    assert 0.8 < ranking.accuracy < 1.0
    assert statistics.mean(length(p.strong) for p in data.pairs) > statistics.mean(
        length(p.weak) for p in data.pairs
    )
