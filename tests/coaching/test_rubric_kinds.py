"""Technical, system-design and coding answers: trade-offs, assumptions, complexity, UMPIRE."""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.catalog import Level
from bot.coaching.models import Evaluation, Severity

log = logging.getLogger(__name__)

Grade = Callable[..., Evaluation]


def fired(evaluation: Evaluation) -> set[str]:
    """Return the rule ids that fired."""
    return {f.rule_id for f in evaluation.findings}


def test_technical_answer_with_tradeoffs_is_praised(grade: Grade) -> None:
    evaluation = grade("tech_tradeoffs", "technical")
    praise = next(f for f in evaluation.findings if f.rule_id == "positive.tradeoffs")

    assert "depth.no_tradeoffs" not in fired(evaluation)
    assert "trade-off" in praise.evidence.quote and len(praise.evidence.quote.split()) >= 3
    assert evaluation.score >= 80


def test_technical_answer_without_tradeoffs(grade: Grade) -> None:
    evaluation = grade("tech_flat", "technical")
    finding = next(f for f in evaluation.findings if f.rule_id == "depth.no_tradeoffs")

    assert finding.evidence.absent
    assert finding.severity is Severity.MINOR


def test_system_design_good_answer(grade: Grade) -> None:
    evaluation = grade("sd_good", "system_design", Level.SENIOR)

    assert not evaluation.problems
    assert {"positive.assumptions", "positive.tradeoffs"} <= fired(evaluation)


def test_system_design_without_assumptions_or_tradeoffs(grade: Grade) -> None:
    evaluation = grade("sd_flat", "system_design")
    found = {f.rule_id: f for f in evaluation.findings}

    assert found["depth.no_assumptions"].severity is Severity.MAJOR
    # Trade-offs are the point of a system-design answer: major there, minor elsewhere.
    assert found["depth.no_tradeoffs"].severity is Severity.MAJOR
    assert "depth.no_complexity" not in found
    assert "structure.result_missing" not in found


def test_coding_walkthrough_covering_umpire(grade: Grade) -> None:
    evaluation = grade("coding_good", "coding", Level.SENIOR)
    complexity = next(f for f in evaluation.findings if f.rule_id == "positive.complexity")

    assert not evaluation.problems
    assert "O(n)" in complexity.evidence.quote and len(complexity.evidence.quote.split()) >= 3


def test_coding_without_complexity_names_the_skipped_umpire_steps(grade: Grade) -> None:
    evaluation = grade("coding_flat", "coding")
    found = {f.rule_id: f for f in evaluation.findings}

    assert found["depth.no_complexity"].evidence.absent
    gaps = found["depth.umpire_gaps"]
    for step in ("Understand", "Plan", "Review", "Evaluate"):
        assert step in gaps.message
    for step in ("Implement", "Match"):
        assert step not in gaps.message
    assert gaps.severity is Severity.MAJOR


def test_spoken_big_o_counts_as_complexity(grade: Grade, answers: dict[str, str]) -> None:
    text = answers["coding_flat"] + " This is linear time and O of n space."
    assert "depth.no_complexity" not in fired(grade(text, "coding"))


def test_one_skipped_step_is_minor(grade: Grade, answers: dict[str, str]) -> None:
    text = (
        answers["coding_good"]
        .replace("My plan is to walk", "I walk")
        .replace("brute force", "version")
    )
    gaps = [f for f in grade(text, "coding").findings if f.rule_id == "depth.umpire_gaps"]

    assert [g.severity for g in gaps] == [Severity.MINOR]
    assert gaps[0].message == "The walk-through skipped these UMPIRE steps: Plan."


def test_structure_rules_do_not_apply_outside_behavioral(grade: Grade) -> None:
    for name, kind in (("tech_flat", "technical"), ("sd_flat", "system_design")):
        assert not {i for i in fired(grade(name, kind)) if i.startswith("structure.")}
