"""Turn what an answer shows into four dimension scores, and those into one score.

The rule, in order (the README's "How an answer is graded" says the same):

1. Each assessed dimension gets a coverage from 0 to 1: half is a weighted sum of the
   evidence the answer shows for that dimension (its own words: reasons, numbers, actions,
   trade-offs ...), half is how much distinct content the answer carries; every kind of
   evidence counts with diminishing returns, and repeated sentences count once.
2. The level sets how much coverage a full mark needs: ``score = 100 * coverage ** exponent``,
   with a smaller exponent for junior (kinder) and a larger one for senior (stricter).
3. An answer shorter than the level's minimum has every dimension scaled down by its length.
4. Problems that are more than a missing piece (dense hedging, rambling, "we" without "I" ...)
   subtract points from their dimension, more at senior than junior, however short the
   answer. Red flags (blaming others, dismissing a concern) colour the whole answer: their
   points come off every dimension.
   An off-topic answer, an answer with no interview content and an attempt to instruct the
   grader have every dimension capped.
5. The overall score is the weighted mean of the assessed dimensions, with weights by kind.
   Junior answers are not assessed on seniority.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

from bot.catalog import Kind, Level
from bot.coaching.models import Dimension, Finding, Severity

log = logging.getLogger(__name__)

LEVEL_EXPONENT: Final[Mapping[Level, float]] = {
    Level.JUNIOR: 0.32,
    Level.MID: 0.45,
    Level.SENIOR: 0.6,
}
LEVEL_PENALTY: Final[Mapping[Level, float]] = {
    Level.JUNIOR: 0.7,
    Level.MID: 1.0,
    Level.SENIOR: 1.25,
}
DIMENSION_WEIGHTS: Final[Mapping[Kind, Mapping[Dimension, float]]] = {
    Kind.BEHAVIORAL: {
        Dimension.STRUCTURE: 0.3,
        Dimension.DEPTH: 0.3,
        Dimension.COMMUNICATION: 0.2,
        Dimension.SENIORITY: 0.2,
    },
    Kind.TECHNICAL: {
        Dimension.STRUCTURE: 0.2,
        Dimension.DEPTH: 0.45,
        Dimension.COMMUNICATION: 0.2,
        Dimension.SENIORITY: 0.15,
    },
    Kind.SYSTEM_DESIGN: {
        Dimension.STRUCTURE: 0.25,
        Dimension.DEPTH: 0.4,
        Dimension.COMMUNICATION: 0.15,
        Dimension.SENIORITY: 0.2,
    },
    Kind.CODING: {
        Dimension.STRUCTURE: 0.3,
        Dimension.DEPTH: 0.4,
        Dimension.COMMUNICATION: 0.15,
        Dimension.SENIORITY: 0.15,
    },
}
# Caps on every dimension (and so on the overall score).
OFF_TOPIC_CAP: Final = 20
NO_CONTENT_CAP: Final = 10
INJECTION_CAP: Final = 15
# How strongly a short answer is scaled: (words / minimum) ** SHORT_EXPONENT.
SHORT_EXPONENT: Final = 0.8
# Points an active problem takes from its dimension at mid level, by severity.
PROBLEM_POINTS: Final[Mapping[Severity, float]] = {
    Severity.INFO: 0.0,
    Severity.MINOR: 5.0,
    Severity.MAJOR: 20.0,
}
# Problems that are a missing piece are already priced in by the coverage; these are not.
ACTIVE_PROBLEMS: Final = frozenset(
    {
        "communication.rambling",
        "communication.hedging",
        "communication.we_without_i",
        "communication.blame",
        "communication.dismissive",
        "communication.uncertain",
        "depth.vague",
        "depth.shortcuts",
        "structure.no_example",
        "structure.too_personal",
    }
)


# What an interviewer holds against the whole answer, not one part of it.
RED_FLAGS: Final = frozenset({"communication.blame", "communication.dismissive"})


@dataclass(frozen=True, slots=True)
class Score:
    """An overall score, one score per dimension, and which dimensions were assessed."""

    overall: int
    dimensions: dict[Dimension, int]
    assessed: frozenset[Dimension]


@dataclass(frozen=True, slots=True)
class Caps:
    """Hard facts that bound the score whatever the evidence says."""

    off_topic: bool = False
    no_content: bool = False
    injection: bool = False
    length_factor: float = 1.0


def assessed_dimensions(level: Level) -> frozenset[Dimension]:
    """Return the dimensions graded at a level (junior answers skip seniority)."""
    if level is Level.JUNIOR:
        return frozenset(d for d in Dimension if d is not Dimension.SENIORITY)
    return frozenset(Dimension)


def penalties(findings: Iterable[Finding], level: Level) -> dict[Dimension, float]:
    """Return the points active problems take from each dimension (one rule costs once)."""
    worst: dict[str, tuple[Dimension, float]] = {}
    for f in findings:
        if f.positive or f.rule_id not in ACTIVE_PROBLEMS:
            continue
        points = PROBLEM_POINTS[f.severity] * LEVEL_PENALTY[level]
        if points > worst.get(f.rule_id, (f.dimension, -1.0))[1]:
            worst[f.rule_id] = (f.dimension, points)
    lost: dict[Dimension, float] = dict.fromkeys(Dimension, 0.0)
    for rule_id, (dimension, points) in worst.items():
        for hit in Dimension if rule_id in RED_FLAGS else (dimension,):
            lost[hit] += points
    return lost


def combine(dimensions: Mapping[Dimension, int], kind: Kind, level: Level) -> int:
    """Return the overall score: the weighted mean of the assessed dimensions."""
    weights = DIMENSION_WEIGHTS[kind]
    chosen = assessed_dimensions(level)
    total = sum(weights[d] for d in chosen)
    return round(sum(weights[d] * dimensions[d] for d in chosen) / total)


def score(
    coverage: Mapping[Dimension, float],
    findings: Iterable[Finding],
    kind: Kind,
    level: Level,
    caps: Caps = Caps(),
) -> Score:
    """Apply the rule in this module's docstring."""
    lost = penalties(findings, level)
    exponent = LEVEL_EXPONENT[level]
    dims: dict[Dimension, int] = {}
    for dimension in Dimension:
        value = 100.0 * max(0.0, min(1.0, coverage.get(dimension, 0.0))) ** exponent
        value = value * caps.length_factor - lost[dimension]
        if caps.no_content:
            value = min(value, NO_CONTENT_CAP)
        elif caps.off_topic:
            value = min(value, OFF_TOPIC_CAP)
        if caps.injection:
            value = min(value, INJECTION_CAP)
        dims[dimension] = max(0, min(100, round(value)))
    return Score(combine(dims, kind, level), dims, assessed_dimensions(level))
