"""Scores: level calibration, the junior floor, the off-topic cap, empty and huge answers."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from bot.catalog import Level
from bot.coaching.answer import Answer
from bot.coaching.models import Dimension, Evaluation, Evidence, Finding, Severity
from bot.coaching.scoring import JUNIOR_FLOOR, OFF_TOPIC_CAP, score

log = logging.getLogger(__name__)

Grade = Callable[..., Evaluation]


def fired(evaluation: Evaluation) -> set[str]:
    """Return the rule ids that fired."""
    return {f.rule_id for f in evaluation.findings}


@pytest.mark.parametrize("name", ["no_result", "middling", "vague_result", "hedgy", "we_only"])
def test_senior_is_stricter_than_mid_and_mid_than_junior(grade: Grade, name: str) -> None:
    junior = grade(name, level=Level.JUNIOR).score
    mid = grade(name, level=Level.MID).score
    senior = grade(name, level=Level.SENIOR).score

    assert junior > mid > senior


def test_same_finding_costs_more_for_senior() -> None:
    finding = Finding(
        "structure.no_metrics",
        Dimension.STRUCTURE,
        Severity.MINOR,
        "m",
        "f",
        Evidence.missing(),
    )
    scores = [score([finding], level, on_topic=True).overall for level in Level]

    assert scores[0] > scores[1] > scores[2]


def test_junior_floor_holds_for_a_weak_on_topic_answer(grade: Grade) -> None:
    text = "We kind of talked to the teammate about the disagreement, maybe."
    junior = grade(text, level=Level.JUNIOR)
    senior = grade(text, level=Level.SENIOR)

    assert junior.on_topic
    assert junior.score >= JUNIOR_FLOOR
    # The floor is doing the work: without it this answer would score lower.
    assert senior.score < JUNIOR_FLOOR


def test_junior_floor_in_the_scoring_function() -> None:
    findings = [
        Finding(f"structure.r{i}", Dimension.STRUCTURE, Severity.MAJOR, "m", "f", Evidence())
        for i in range(10)
    ]

    assert score(findings, Level.JUNIOR, on_topic=True).overall == JUNIOR_FLOOR
    assert score(findings, Level.MID, on_topic=True).overall == 0
    assert score(findings, Level.JUNIOR, on_topic=False).overall < JUNIOR_FLOOR


@pytest.mark.parametrize("level", list(Level))
def test_off_topic_is_capped_at_every_level(grade: Grade, level: Level) -> None:
    evaluation = grade("off_topic", level=level)
    finding = next(f for f in evaluation.findings if f.rule_id == "communication.off_topic")

    assert not evaluation.on_topic
    assert evaluation.score <= OFF_TOPIC_CAP
    assert finding.evidence.absent
    assert evaluation.problems[0].rule_id == "communication.off_topic"


def test_well_written_off_topic_answer_is_still_capped(
    grade: Grade, answers: dict[str, str]
) -> None:
    # A great story about the wrong thing: nothing but the topic is wrong.
    evaluation = grade(answers["strong_star"], "system_design", Level.JUNIOR)

    assert not evaluation.on_topic
    assert evaluation.score <= OFF_TOPIC_CAP


@pytest.mark.parametrize("text", ["", "   ", "\n\t  \n", "um, uh...", "..."])
def test_empty_answer_scores_zero_with_a_clear_finding(grade: Grade, text: str) -> None:
    evaluation = grade(Answer(text), level=Level.JUNIOR)

    assert evaluation.score == 0
    assert set(evaluation.dimensions.values()) == {0}
    assert not evaluation.on_topic
    assert [f.rule_id for f in evaluation.findings] == ["depth.shallow"]
    assert evaluation.findings[0].evidence.absent
    assert evaluation.findings[0].message == "No answer was given."
    assert evaluation.coaching.fix


def test_shallow_answer_quotes_itself(grade: Grade, answers: dict[str, str]) -> None:
    evaluation = grade("shallow")
    finding = next(f for f in evaluation.findings if f.rule_id == "depth.shallow")

    assert finding.evidence.quote == answers["shallow"].rstrip(".")
    assert "10 words" in finding.message


def test_huge_answer_is_evaluated_and_rambles(grade: Grade, answers: dict[str, str]) -> None:
    paragraphs = [answers[k] for k in ("strong_star", "no_result", "hedgy", "middling")]
    text = " ".join(paragraphs)
    while len(text) < 20_000:
        text += " " + " ".join(paragraphs)
    text = text[:20_000]

    evaluation = grade(text, level=Level.SENIOR)
    rambling = next(f for f in evaluation.findings if f.rule_id == "communication.rambling")

    assert rambling.severity is Severity.MAJOR
    assert rambling.evidence.quote == text[rambling.evidence.start : rambling.evidence.end]
    assert 0 <= evaluation.score <= 100
    assert evaluation.word_count > 3000


def test_pathological_input_is_handled(grade: Grade) -> None:
    # Inputs that make backtracking regexes explode: long runs of one character.
    for text in (
        "O(" * 5000,
        "O(" + "n" * 20_000,
        "a'" * 10_000,
        "1." * 10_000,
        "x" * 20_000,
        "!" * 20_000 + "x",
        "a!" * 10_000,
        "\n" * 20_000 + "x",
    ):
        evaluation = grade(text, "coding")
        assert 0 <= evaluation.score <= 100


def test_long_run_on_sentence_rambles(grade: Grade, answers: dict[str, str]) -> None:
    run_on = answers["strong_star"].replace(". ", ", and then ")
    evaluation = grade(run_on)

    assert "communication.rambling" in fired(evaluation)
    assert "communication.rambling" not in fired(grade("strong_star"))


def test_repeating_oneself_rambles(grade: Grade, answers: dict[str, str]) -> None:
    text = answers["middling"] + " " + answers["middling"] + " " + answers["middling"]
    evaluation = grade(text)
    rambling = next(f for f in evaluation.findings if f.rule_id == "communication.rambling")

    assert rambling.evidence.start is not None
    assert rambling.evidence.start >= len(answers["middling"])


@pytest.mark.parametrize("name", ["strong_star", "middling", "no_result", "hedgy"])
@pytest.mark.parametrize("level", list(Level))
def test_fillers_never_lower_the_score(
    grade: Grade, name: str, level: Level, answers: dict[str, str]
) -> None:
    words = answers[name].split(" ")
    fillers = ["um,", "uh", "like,", "um", "you know,", "like"]
    noisy = " ".join(
        f"{fillers[i % len(fillers)]} {w}" if i % 4 == 1 else w for i, w in enumerate(words)
    )
    clean = grade(name, level=level)
    dirty = grade(noisy, level=level)

    assert noisy != answers[name]
    assert dirty.score >= clean.score
    assert dirty.word_count == clean.word_count


def test_scores_and_dimensions_stay_in_range(grade: Grade, answers: dict[str, str]) -> None:
    for name in answers:
        for kind in ("behavioral", "technical", "system_design", "coding"):
            evaluation = grade(name, kind, Level.SENIOR)
            assert 0 <= evaluation.score <= 100
            assert set(evaluation.dimensions) == set(Dimension)
            assert all(0 <= v <= 100 for v in evaluation.dimensions.values())
