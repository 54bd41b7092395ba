"""Turn findings into a 0-100 score and four dimension scores, calibrated to the level."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

from bot.catalog import Level
from bot.coaching.models import Dimension, Finding

log = logging.getLogger(__name__)

LEVEL_SCALE: Final[Mapping[Level, float]] = {
    Level.JUNIOR: 0.6,
    Level.MID: 1.0,
    Level.SENIOR: 1.25,
}
JUNIOR_FLOOR: Final = 45
OFF_TOPIC_CAP: Final = 25
# A dimension holds a quarter of the rules, so each of its findings weighs more there.
DIMENSION_FACTOR: Final = 1.6
PRAISE_POINTS: Final = 3
MAX_PRAISE_POINTS: Final = 9


@dataclass(frozen=True, slots=True)
class Score:
    """An overall score and one score per dimension."""

    overall: int
    dimensions: dict[Dimension, int]


def _clamp(value: float) -> int:
    return max(0, min(100, round(value)))


def rule_costs(findings: Iterable[Finding], level: Level) -> dict[str, tuple[Dimension, float]]:
    """Return each criticising rule's cost: its worst finding's weight, scaled by level."""
    # A rule costs once however many times it fires: five hedges are one habit.
    costs: dict[str, tuple[Dimension, float]] = {}
    for f in findings:
        if f.positive:
            continue
        cost = f.severity.weight * LEVEL_SCALE[level]
        if cost > costs.get(f.rule_id, (f.dimension, -1.0))[1]:
            costs[f.rule_id] = (f.dimension, cost)
    return costs


def score(findings: Iterable[Finding], level: Level, on_topic: bool) -> Score:
    """Score findings: costs by severity and level, small praise bonus, floor and cap."""
    findings = list(findings)
    costs = rule_costs(findings, level)
    praised = {f.rule_id: f.dimension for f in findings if f.positive}
    bonus = min(MAX_PRAISE_POINTS, PRAISE_POINTS * len(praised))
    overall = _clamp(100 - sum(cost for _, cost in costs.values()) + bonus)
    dimensions: dict[Dimension, int] = {}
    for dimension in Dimension:
        lost = sum(cost for d, cost in costs.values() if d is dimension)
        gained = PRAISE_POINTS * sum(1 for d in praised.values() if d is dimension)
        dimensions[dimension] = _clamp(100 - DIMENSION_FACTOR * lost + gained)
    if not on_topic:
        overall = min(overall, OFF_TOPIC_CAP)
        dimensions[Dimension.COMMUNICATION] = min(
            dimensions[Dimension.COMMUNICATION], OFF_TOPIC_CAP
        )
    elif level is Level.JUNIOR:
        overall = max(overall, JUNIOR_FLOOR)
    return Score(overall, dimensions)
