"""Behavioral answers: STAR parts, results, metrics, hedging, "we" without "I"."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from bot.catalog import Level
from bot.coaching.answer import Answer
from bot.coaching.models import Dimension, Evaluation, Severity

log = logging.getLogger(__name__)

Grade = Callable[..., Evaluation]


def fired(evaluation: Evaluation) -> set[str]:
    """Return the rule ids that fired."""
    return {f.rule_id for f in evaluation.findings}


@pytest.mark.parametrize(
    ("level", "floor"), [(Level.JUNIOR, 85), (Level.MID, 80), (Level.SENIOR, 75)]
)
def test_strong_star_answer_scores_high_without_structure_findings(
    grade: Grade, level: Level, floor: int
) -> None:
    evaluation = grade("strong_star", level=level)

    assert evaluation.score >= floor
    assert evaluation.on_topic
    assert not [f for f in evaluation.findings if f.rule_id.startswith("structure.")]
    assert not evaluation.problems
    assert {"positive.metrics", "positive.ownership", "positive.structure"} <= fired(evaluation)


def test_strong_answer_praise_quotes_its_number(grade: Grade, answers: dict[str, str]) -> None:
    evaluation = grade("strong_star")
    metric = next(f for f in evaluation.findings if f.rule_id == "positive.metrics")

    assert metric.positive
    # The clause that carries the number, never the bare number.
    assert "40%" in metric.evidence.quote and len(metric.evidence.quote.split()) >= 3
    assert (
        answers["strong_star"][metric.evidence.start : metric.evidence.end] == metric.evidence.quote
    )
    assert "40%" in evaluation.coaching.praise


def test_missing_result_fires_with_absent_evidence(grade: Grade) -> None:
    evaluation = grade("no_result")
    finding = next(f for f in evaluation.findings if f.rule_id == "structure.result_missing")

    assert finding.evidence.absent
    assert finding.evidence.to_dict() == {"absent": True}
    assert finding.severity is Severity.MAJOR
    assert finding.fix and finding.message
    # The top problem drives the coaching fix.
    assert evaluation.problems[0].rule_id == "structure.result_missing"
    assert finding.fix in evaluation.coaching.fix


def test_missing_result_costs_structure_points(grade: Grade) -> None:
    strong = grade("strong_star")
    weak = grade("no_result")

    assert weak.dimensions[Dimension.STRUCTURE] < strong.dimensions[Dimension.STRUCTURE]
    assert weak.score < strong.score


def test_hedges_are_quoted_at_their_exact_offsets(grade: Grade, answers: dict[str, str]) -> None:
    text = answers["hedgy"]
    evaluation = grade("hedgy")
    hedges = [f for f in evaluation.findings if f.rule_id == "communication.hedging"]

    expected = [
        (text.index(phrase), text.index(phrase) + len(phrase), phrase)
        for phrase in ("I think maybe", "kind of", "probably")
    ]
    assert [(f.evidence.start, f.evidence.end, f.evidence.quote) for f in hedges] == expected
    for f in hedges:
        assert f'"{f.evidence.quote}"' in f.message


def test_hedging_costs_little(grade: Grade, answers: dict[str, str]) -> None:
    hedged = grade("hedgy")
    plain_text = (
        answers["hedgy"]
        .replace("I think maybe the problem", "The problem")
        .replace("It was kind of a big change", "It was a big change")
        .replace("he was probably worried", "he was worried")
    )
    plain = grade(plain_text)

    assert "communication.hedging" not in fired(plain)
    hedging = Dimension.COMMUNICATION
    assert plain.dimensions[hedging] > hedged.dimensions[hedging]
    assert 0 <= plain.score - hedged.score <= 5


def test_a_single_hedge_is_informational(grade: Grade, answers: dict[str, str]) -> None:
    text = answers["strong_star"].replace("I proposed", "I probably proposed")
    evaluation = grade(text)
    hedges = [f for f in evaluation.findings if f.rule_id == "communication.hedging"]

    assert [f.severity for f in hedges] == [Severity.INFO]
    assert evaluation.score == grade("strong_star").score


def test_we_without_i_fires_and_quotes_a_we(grade: Grade) -> None:
    evaluation = grade("we_only")
    finding = next(f for f in evaluation.findings if f.rule_id == "communication.we_without_i")

    assert finding.evidence.quote is not None
    assert finding.evidence.quote.lower() in {"we", "our", "us"}
    assert "9" in finding.message
    assert "positive.ownership" not in fired(evaluation)


def test_we_with_clear_i_does_not_fire(grade: Grade) -> None:
    assert "communication.we_without_i" not in fired(grade("strong_star"))


def test_vague_result_quotes_the_vague_words_and_asks_for_numbers(grade: Grade) -> None:
    evaluation = grade("vague_result")
    vague = next(f for f in evaluation.findings if f.rule_id == "structure.result_vague")

    assert vague.evidence.quote == "went well"
    assert "structure.no_metrics" in fired(evaluation)
    assert "structure.result_missing" not in fired(evaluation)


def test_a_year_is_not_a_metric(grade: Grade) -> None:
    text = (
        "In 2019 at my last company a teammate and I disagreed about the migration. My task "
        "was to plan it. I wrote the plan and I talked to him. As a result we shipped it in "
        "2020 and the team was happier."
    )
    assert "structure.no_metrics" in fired(grade(text, level=Level.JUNIOR))


def test_spelled_out_measurement_counts(grade: Grade) -> None:
    text = (
        "At my last company a teammate and I disagreed about the migration. My task was to "
        "plan it. I wrote the plan and I talked to him. As a result we finished two weeks "
        "early."
    )
    evaluation = grade(text, level=Level.JUNIOR)
    metric = next(f for f in evaluation.findings if f.rule_id == "positive.metrics")

    assert "structure.no_metrics" not in fired(evaluation)
    assert "two weeks" in metric.evidence.quote and len(metric.evidence.quote.split()) >= 3


def test_situation_task_action_missing_fire_on_a_bare_outcome(grade: Grade) -> None:
    evaluation = grade("Everything improved a lot and the disagreement with my teammate ended.")

    assert {
        "structure.situation_missing",
        "structure.task_missing",
        "structure.action_missing",
    } <= fired(evaluation)
    for f in evaluation.findings:
        if f.rule_id.endswith("_missing"):
            assert f.evidence.absent


def test_senior_behavioral_without_mentoring_fires_only_for_senior(grade: Grade) -> None:
    assert "seniority.no_mentoring" in fired(grade("middling", level=Level.SENIOR))
    assert "seniority.no_mentoring" not in fired(grade("middling", level=Level.MID))
    junior = fired(grade("middling", level=Level.JUNIOR))
    assert not {i for i in junior if i.startswith("seniority.")}


def test_seniority_findings_for_mid(grade: Grade) -> None:
    assert {"seniority.no_scale", "seniority.no_stakeholders"} <= fired(grade("middling"))
    assert not {i for i in fired(grade("strong_star", level=Level.SENIOR)) if "seniority" in i}


def test_answer_object_with_words_is_graded_like_text(
    grade: Grade, answers: dict[str, str]
) -> None:
    plain = grade("hedgy")
    spoken = grade(Answer(answers["hedgy"], spoken=True))

    assert spoken.score == plain.score
