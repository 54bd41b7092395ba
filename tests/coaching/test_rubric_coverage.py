"""Every rule id can fire, and coaching is assembled from the findings in the right order."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from bot.catalog import Level
from bot.coaching.models import Evaluation
from bot.coaching.rules import RULE_IDS

log = logging.getLogger(__name__)

Grade = Callable[..., Evaluation]

# rule id -> (answer name or text, question, level)
CASES: dict[str, tuple[str, str, Level]] = {
    "structure.situation_missing": ("shallow", "behavioral", Level.MID),
    "structure.task_missing": ("shallow", "behavioral", Level.MID),
    "structure.action_missing": ("we_only", "behavioral", Level.MID),
    "structure.result_missing": ("no_result", "behavioral", Level.MID),
    "structure.result_vague": ("vague_result", "behavioral", Level.MID),
    "structure.no_metrics": ("middling", "behavioral", Level.MID),
    "depth.no_tradeoffs": ("tech_flat", "technical", Level.MID),
    "depth.no_assumptions": ("sd_flat", "system_design", Level.MID),
    "depth.no_complexity": ("coding_flat", "coding", Level.MID),
    "depth.umpire_gaps": ("coding_flat", "coding", Level.MID),
    "depth.shallow": ("shallow", "behavioral", Level.MID),
    "communication.rambling": ("strong_star", "behavioral", Level.MID),
    "communication.hedging": ("hedgy", "behavioral", Level.MID),
    "communication.we_without_i": ("we_only", "behavioral", Level.MID),
    "communication.off_topic": ("off_topic", "behavioral", Level.MID),
    "seniority.no_scale": ("middling", "behavioral", Level.MID),
    "seniority.no_stakeholders": ("middling", "behavioral", Level.MID),
    "seniority.no_mentoring": ("middling", "behavioral", Level.SENIOR),
    "positive.metrics": ("strong_star", "behavioral", Level.MID),
    "positive.ownership": ("strong_star", "behavioral", Level.MID),
    "positive.tradeoffs": ("tech_tradeoffs", "technical", Level.MID),
    "positive.assumptions": ("sd_good", "system_design", Level.MID),
    "positive.complexity": ("coding_good", "coding", Level.MID),
    "positive.structure": ("strong_star", "behavioral", Level.MID),
    "positive.reasoning": ("strong_star", "behavioral", Level.MID),
    "positive.specifics": ("strong_star", "behavioral", Level.MID),
    "positive.reflection": ("reflective", "behavioral", Level.MID),
    "positive.scale": ("strong_star", "behavioral", Level.MID),
    "positive.stakeholders": ("strong_star", "behavioral", Level.MID),
    "positive.clarifying": ("coding_good", "coding", Level.MID),
    "positive.example": ("tech_example", "technical", Level.MID),
    "structure.no_example": ("habits", "behavioral", Level.MID),
    "structure.too_personal": ("life_story", "about_yourself", Level.MID),
    "depth.no_reasoning": ("middling", "behavioral", Level.MID),
    "depth.vague": ("buzzwords", "behavioral", Level.MID),
    "depth.shortcuts": ("rushed", "technical", Level.MID),
    "communication.blame": ("blaming", "behavioral", Level.MID),
    "communication.dismissive": ("dismissive", "coding", Level.MID),
    "communication.uncertain": ("unsure", "technical", Level.MID),
    "communication.instructs_grader": ("injection", "behavioral", Level.MID),
}


def test_every_rule_has_a_case() -> None:
    assert set(CASES) == set(RULE_IDS)


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_is_reachable(grade: Grade, answers: dict[str, str], rule_id: str) -> None:
    name, question, level = CASES[rule_id]
    text = answers[name]
    if rule_id == "communication.rambling":
        text = " ".join([text] * 4)
    evaluation = grade(text, question, level)
    findings = [f for f in evaluation.findings if f.rule_id == rule_id]

    assert findings, f"{rule_id} did not fire"
    for f in findings:
        assert f.positive is rule_id.startswith("positive.")
        assert f.message.strip() and f.fix.strip()
        assert "{" not in f.message and "{" not in f.fix
        if not f.evidence.absent:
            assert f.evidence.quote == text[f.evidence.start : f.evidence.end]


def test_coaching_praises_then_fixes_the_top_problem_then_tips(grade: Grade) -> None:
    evaluation = grade("vague_result")
    top = evaluation.problems[0]

    assert evaluation.coaching.praise.startswith("What worked:")
    assert "I proposed" in evaluation.coaching.praise
    assert top.rule_id == "structure.result_vague"
    assert evaluation.coaching.fix == f"Most important fix: {top.fix}"
    assert evaluation.coaching.tip.startswith('Turn "it went well"')


def test_coaching_without_praise_uses_the_best_assessed_dimension(grade: Grade) -> None:
    evaluation = grade("sd_flat", "system_design", Level.JUNIOR)

    assert not [f for f in evaluation.findings if f.positive]
    # Seniority is not assessed for juniors, so it cannot be what "worked".
    assert "seniority" not in [d.value for d in evaluation.assessed]
    assert (
        evaluation.coaching.praise
        != "What worked: the answer shows scope and awareness of the people around the work."
    )


def test_coaching_with_nothing_to_fix(grade: Grade) -> None:
    evaluation = grade("strong_star", level=Level.SENIOR)

    assert evaluation.coaching.fix == "Nothing important to fix: this answer is ready to give."
    assert evaluation.coaching.tip


def test_evaluation_serialises(grade: Grade) -> None:
    data = grade("hedgy").to_dict()

    assert data["source"] == "offline"
    assert {f["rule_id"] for f in data["findings"]} >= {"communication.hedging"}
    assert all("evidence" in f for f in data["findings"])


def test_same_answer_same_grade(grade: Grade) -> None:
    assert grade("middling").to_dict() == grade("middling").to_dict()
