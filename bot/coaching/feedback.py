"""Templated coaching: what worked, the one fix that matters most, one concrete tip.

Praise never contradicts a finding: a strength is only praised when no problem of the same
answer says the opposite (ownership next to "we without I", detail next to "too shallow"),
and a dimension is only praised as a whole when it has no problem at all.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping, Sequence
from typing import Final

from bot.coaching.context import render
from bot.coaching.lexicon import Lexicon
from bot.coaching.models import Coaching, Dimension, Finding, Severity

log = logging.getLogger(__name__)

# Concrete evidence of skill beats general structure when choosing what to praise.
_PRAISE_ORDER: Final[tuple[str, ...]] = (
    "positive.metrics",
    "positive.tradeoffs",
    "positive.complexity",
    "positive.clarifying",
    "positive.assumptions",
    "positive.reasoning",
    "positive.ownership",
    "positive.specifics",
    "positive.reflection",
    "positive.example",
    "positive.scale",
    "positive.stakeholders",
    "positive.structure",
)

# Praise that one of these problems, found in the same answer, would contradict.
CONTRADICTED_BY: Final[Mapping[str, frozenset[str]]] = {
    "positive.metrics": frozenset({"structure.no_metrics", "structure.result_vague"}),
    "positive.ownership": frozenset({"communication.we_without_i", "structure.action_missing"}),
    "positive.tradeoffs": frozenset({"depth.no_tradeoffs"}),
    "positive.reasoning": frozenset({"depth.no_reasoning"}),
    "positive.specifics": frozenset({"depth.vague", "depth.shallow"}),
    "positive.scale": frozenset({"seniority.no_scale"}),
    "positive.stakeholders": frozenset({"seniority.no_stakeholders"}),
    "positive.assumptions": frozenset({"depth.no_assumptions"}),
    "positive.complexity": frozenset({"depth.no_complexity"}),
    "positive.reflection": frozenset({"structure.no_example"}),
    "positive.structure": frozenset(
        {
            "structure.situation_missing",
            "structure.task_missing",
            "structure.action_missing",
            "structure.result_missing",
            "structure.no_example",
            "structure.too_personal",
        }
    ),
}
# Problems so basic that no praise of detail or structure can stand next to them.
_DISQUALIFYING: Final = frozenset(
    {"communication.off_topic", "depth.shallow", "communication.instructs_grader"}
)


def praiseworthy(findings: Sequence[Finding]) -> list[Finding]:
    """Return the positive findings no problem of the same answer contradicts, best first."""
    problems = {f.rule_id for f in findings if not f.positive}
    if problems & _DISQUALIFYING:
        return []
    major = {f.dimension for f in findings if not f.positive and f.severity is Severity.MAJOR}
    positives = {f.rule_id: f for f in findings if f.positive}
    ranked = [r for r in _PRAISE_ORDER if r in positives]
    ranked += sorted(r for r in positives if r not in _PRAISE_ORDER)
    return [
        positives[r]
        for r in ranked
        if not (CONTRADICTED_BY.get(r, frozenset()) & problems)
        and positives[r].dimension not in major
    ]


def _praise(
    lexicon: Lexicon,
    findings: Sequence[Finding],
    dimensions: Mapping[Dimension, int],
    assessed: Collection[Dimension],
) -> str:
    templates = lexicon.coaching.praise
    for finding in praiseworthy(findings):
        if finding.rule_id in templates:
            return render(templates[finding.rule_id], quote=finding.evidence.quote or "")
    problems = {f.rule_id for f in findings if not f.positive}
    troubled = {f.dimension for f in findings if not f.positive}
    clean = [d for d in Dimension if d in assessed and d not in troubled]
    if clean and not problems & _DISQUALIFYING:
        best = max(clean, key=lambda d: dimensions[d])
        return render(templates[f"dimension.{best.value}"])
    return render(templates["attempt"])


def compose(
    lexicon: Lexicon,
    findings: Sequence[Finding],
    problems: Sequence[Finding],
    dimensions: Mapping[Dimension, int],
    assessed: Collection[Dimension],
) -> Coaching:
    """Return coaching for findings; ``problems`` come most important first."""
    praise = _praise(lexicon, findings, dimensions, assessed)
    if not problems:
        return Coaching(praise, lexicon.coaching.no_problem, lexicon.coaching.default_tip)
    top = problems[0]
    fix = render(lexicon.coaching.fix, fix=top.fix, message=top.message)
    tip = render(lexicon.rules[top.rule_id].tip)
    return Coaching(praise, fix, tip)


def compose_empty(lexicon: Lexicon) -> Coaching:
    """Return coaching for an answer that says nothing."""
    text = lexicon.coaching
    return Coaching(text.empty_praise, render(text.fix, fix=text.empty_fix), text.empty_tip)
