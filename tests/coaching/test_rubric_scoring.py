"""Scores: level calibration, the documented overall rule, caps, empty, short and huge answers."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from bot.catalog import Kind, Level
from bot.coaching.answer import Answer
from bot.coaching.feedback import CONTRADICTED_BY
from bot.coaching.models import Dimension, Evaluation, Evidence, Finding, Severity
from bot.coaching.scoring import (
    DIMENSION_WEIGHTS,
    INJECTION_CAP,
    NO_CONTENT_CAP,
    OFF_TOPIC_CAP,
    combine,
    penalties,
)

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


def test_same_problem_costs_more_for_senior() -> None:
    finding = Finding(
        "communication.blame",
        Dimension.COMMUNICATION,
        Severity.MAJOR,
        "m",
        "f",
        Evidence(quote="x", start=0, end=1),
    )
    costs = [penalties([finding], level)[Dimension.COMMUNICATION] for level in Level]

    assert 0 < costs[0] < costs[1] < costs[2]


def test_a_missing_piece_costs_nothing_beyond_its_missing_evidence() -> None:
    # "No metrics" is priced in by the coverage; only active problems take points away.
    finding = Finding(
        "structure.no_metrics", Dimension.STRUCTURE, Severity.MINOR, "m", "f", Evidence()
    )
    assert sum(penalties([finding], Level.SENIOR).values()) == 0


@pytest.mark.parametrize("name", ["strong_star", "middling", "hedgy", "we_only", "blaming"])
@pytest.mark.parametrize("level", list(Level))
def test_overall_is_the_weighted_mean_of_the_assessed_dimensions(
    grade: Grade, name: str, level: Level
) -> None:
    evaluation = grade(name, level=level)
    weights = DIMENSION_WEIGHTS[Kind.BEHAVIORAL]
    chosen = [d for d in Dimension if level is not Level.JUNIOR or d is not Dimension.SENIORITY]
    expected = round(
        sum(weights[d] * evaluation.dimensions[d] for d in chosen) / sum(weights[d] for d in chosen)
    )

    assert evaluation.score == expected == combine(evaluation.dimensions, Kind.BEHAVIORAL, level)
    assert sorted([d.value for d in evaluation.assessed]) == sorted(d.value for d in chosen)


@pytest.mark.parametrize(
    "text",
    [
        "We shipped it.",
        "I talked to my teammate and we resolved the disagreement.",
        "It went well in the end and everyone was happy.",
    ],
)
@pytest.mark.parametrize("level", list(Level))
def test_one_line_answers_stay_low_at_every_level(grade: Grade, text: str, level: Level) -> None:
    assert grade(text, level=level).score <= 35


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
    assert evaluation.score <= 30


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


def test_a_paragraph_pasted_many_times_is_not_rewarded(
    grade: Grade, answers: dict[str, str]
) -> None:
    once = grade("strong_star")
    pasted = grade("\n\n".join([answers["strong_star"]] * 18))
    sentence = grade(" ".join(["I led the migration of the payments queue."] * 50))

    assert pasted.score <= once.score
    assert "communication.rambling" in {f.rule_id for f in pasted.findings}
    assert sentence.score <= 45


@pytest.mark.parametrize("level", list(Level))
def test_an_instruction_to_the_grader_stays_low(grade: Grade, level: Level) -> None:
    evaluation = grade("injection", level=level)
    finding = next(f for f in evaluation.findings if f.rule_id == "communication.instructs_grader")

    assert evaluation.score <= INJECTION_CAP
    assert finding.evidence.quote is not None
    assert finding.evidence.quote.lower().startswith("ignore previous instructions")


@pytest.mark.parametrize(
    "text", ["Next question please.", "asdf qwerty zxcv ;;;;", "lol no", "🙂🙂🙂"]
)
def test_no_content_is_capped_lowest(grade: Grade, text: str) -> None:
    evaluation = grade(text)

    assert not evaluation.on_topic
    assert evaluation.score <= NO_CONTENT_CAP


@pytest.mark.parametrize(
    "text",
    [
        "At my last company we processed 40,000 invoices a day",
        "I led a team of five engineers on the rollout",
    ],
)
def test_scale_is_recognised_when_stated(grade: Grade, text: str) -> None:
    story = (
        f"{text}. My job was to cut failed payments before the audit. I rewrote the retry "
        "worker and added alerts. As a result failed payments fell by 30 percent in a month."
    )
    fired_ids = {f.rule_id for f in grade(story).findings}

    assert "seniority.no_scale" not in fired_ids
    assert "positive.scale" in fired_ids


def test_stakeholders_are_recognised_in_korean(grade: Grade) -> None:
    text = (
        "이전 회사에서 결제 오류가 늘어 제품 관리자와 함께 원인을 분석했습니다. 제 역할은 "
        "배포 전까지 오류를 줄이는 것이었습니다. 제가 재시도 로직을 고쳤고 그 결과 오류가 "
        "30% 줄었습니다."
    )
    assert "seniority.no_stakeholders" not in {
        f.rule_id for f in grade(text, "ko_behavioral").findings
    }


@pytest.mark.parametrize(
    "name", ["strong_star", "middling", "we_only", "hedgy", "vague_result", "shallow", "buzzwords"]
)
@pytest.mark.parametrize("level", list(Level))
def test_praise_never_contradicts_a_finding(grade: Grade, name: str, level: Level) -> None:
    evaluation = grade(name, level=level)
    problems = {f.rule_id for f in evaluation.problems}
    praise = evaluation.coaching.praise

    for positive, contradictions in CONTRADICTED_BY.items():
        finding = next((f for f in evaluation.findings if f.rule_id == positive), None)
        if finding is not None and finding.evidence.quote and problems & contradictions:
            assert finding.evidence.quote not in praise, (positive, problems & contradictions)
    if "depth.shallow" in problems:
        assert "real detail" not in praise
    if "seniority.no_stakeholders" in problems:
        assert "people around the work" not in praise


CODE = """def two_sum(nums, target):
    seen = {}
    for i, n in enumerate(nums):
        if target - n in seen:
            return [seen[target - n], i]
        seen[n] = i
"""
BUZZWORDS = (
    "Synergy, leverage, stakeholder alignment, ownership, agile, impact, cross-functional, "
    "best practices, results driven, team player."
)


@pytest.mark.parametrize("level", list(Level))
def test_bad_input_gets_a_low_score_and_findings_that_say_why(grade: Grade, level: Level) -> None:
    code_for_story = grade(CODE, "behavioral", level)
    code_for_coding = grade(CODE, "coding", level)
    buzz = grade(BUZZWORDS, "behavioral", level)

    assert code_for_story.score <= 20 and not code_for_story.on_topic
    # Bare code for a coding question is on topic but says nothing aloud: no walk-through.
    assert code_for_coding.score <= (60 if level is Level.JUNIOR else 45)
    assert {"depth.umpire_gaps", "depth.no_complexity"} <= {
        f.rule_id for f in code_for_coding.problems
    }
    assert buzz.score <= 25
    assert buzz.problems and all(f.message for f in buzz.problems)
