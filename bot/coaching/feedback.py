"""Templated coaching: what worked, the one fix that matters most, one concrete tip."""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping, Sequence

from bot.coaching.context import render
from bot.coaching.lexicon import Lexicon
from bot.coaching.models import Coaching, Dimension, Finding

log = logging.getLogger(__name__)

# Concrete evidence of skill beats general structure when choosing what to praise.
_PRAISE_ORDER = (
    "positive.metrics",
    "positive.tradeoffs",
    "positive.complexity",
    "positive.assumptions",
    "positive.ownership",
    "positive.structure",
)


def _praise(
    lexicon: Lexicon,
    findings: Sequence[Finding],
    dimensions: Mapping[Dimension, int],
    assessed: Collection[Dimension],
) -> str:
    templates = lexicon.coaching.praise
    positives = {f.rule_id: f for f in findings if f.positive}
    ranked = [r for r in _PRAISE_ORDER if r in positives]
    ranked += sorted(r for r in positives if r not in _PRAISE_ORDER)
    for rule_id in ranked:
        if rule_id in templates:
            return render(templates[rule_id], quote=positives[rule_id].evidence.quote or "")
    candidates = [d for d in Dimension if d in assessed] or list(Dimension)
    best = max(candidates, key=lambda d: dimensions[d])
    return render(templates[f"dimension.{best.value}"])


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
