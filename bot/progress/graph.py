"""How one graded answer moves the skill graph: which skills it touched and by how much.

The update rules (documented here and in the README):

1. **Touched skills.** An answer practises the skills its question's tags map to and the
   skills its interview kind always exercises (``kinds:`` in the catalogue), plus every skill
   a finding of its evaluation maps to (rubric rules and the model's checklist ids alike).
   Skills marked ``spoken_only`` (filler words) are touched only by voice answers. An answer
   that is off topic or says nothing touches only the skills its findings name: it shows
   nothing about the rest. An answer written in another language than the interview's
   touches no skill: its grade mixes the skill with the switch of language (a topic judged
   across languages, another language's markers), so it says nothing reliable about any one
   skill; the answer is still graded, noted and kept in the practice log.
2. **Observation.** Each touched skill gets one observation from 0 to 100. It starts from
   the score of the skill's dimension (the overall score when the dimension was not
   assessed, 80 for a clean spoken answer on a delivery skill). A criticism mapped to the
   skill caps it: a major one at 35, an informational one at 45, a minor one at 55. Without a
   criticism, each praise mapped to the skill adds 8 (two at most).
3. **Level.** The first observation sets the level; each later one moves it 30% of the way
   (an exponential moving average), so one bad answer dents a strong skill without erasing
   it and a few good answers lift a weak one.
4. **Trend.** The mean of the last three observations against the three before them: up or
   down when they differ by more than 5 points, flat otherwise, "new" before four
   observations. A rewind retry is practice like any answer.

Evidence keeps the finding and its quote for each touched skill that a finding named.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.catalog import Question
from bot.coaching.models import Dimension, Evaluation, Finding, Severity
from bot.progress.catalogue import SkillCatalogue
from bot.progress.models import Evidence, SkillState

log = logging.getLogger(__name__)

LEVEL_WEIGHT = 0.3
RECENT = 8
TREND_MIN = 4
TREND_SPAN = 3
TREND_STEP = 5
CLEAN_SPOKEN = 80
CAPS: Mapping[Severity, int] = {Severity.MAJOR: 35, Severity.INFO: 45, Severity.MINOR: 55}
PRAISE_BONUS = 8
PRAISE_MAX = 2
QUOTE_CHARS = 160


class Trend(enum.StrEnum):
    """Which way a skill is moving over its last observations."""

    NEW = "new"
    UP = "up"
    DOWN = "down"
    FLAT = "flat"


@dataclass(frozen=True, slots=True)
class Observation:
    """One answer's verdict on one skill and the findings behind it."""

    skill_id: str
    score: int
    findings: tuple[Finding, ...] = field(default=())


def observe(
    catalogue: SkillCatalogue, question: Question, evaluation: Evaluation, spoken: bool
) -> list[Observation]:
    """Return one observation per skill the answer touched (rules 1 and 2)."""
    if evaluation.answer_language is not None:
        return []
    named: dict[str, list[Finding]] = {}
    for finding in evaluation.findings:
        for skill_id in catalogue.for_rule(finding.rule_id):
            named.setdefault(skill_id, []).append(finding)
    touched = list(named)
    if evaluation.on_topic:
        touched += catalogue.practised_by(question)
        touched += [s.id for s in catalogue if s.spoken_only]
    observations = []
    for skill_id in dict.fromkeys(touched):
        skill = catalogue.get(skill_id)
        if skill is None or (skill.spoken_only and not spoken):
            continue
        findings = tuple(named.get(skill_id, ()))
        base = _base(evaluation, skill.dimension, skill.spoken_only)
        problems = [f for f in findings if not f.positive]
        if problems:
            score = min(base, min(CAPS[f.severity] for f in problems))
        else:
            praise = sum(1 for f in findings if f.positive)
            score = base + PRAISE_BONUS * min(PRAISE_MAX, praise)
        observations.append(Observation(skill_id, max(0, min(100, round(score))), findings))
    return observations


def _base(evaluation: Evaluation, dimension: str | None, spoken_only: bool) -> float:
    """Return where an observation starts: its dimension's score, else the overall score."""
    if spoken_only:
        return CLEAN_SPOKEN
    if dimension is not None:
        dim = Dimension(dimension)
        if dim in evaluation.assessed and dim in evaluation.dimensions:
            return evaluation.dimensions[dim]
    return evaluation.score


def advance(state: SkillState | None, observation: Observation, now: datetime) -> SkillState:
    """Return the skill's state after one more observation (rule 3)."""
    score = observation.score
    if state is None:
        return SkillState(observation.skill_id, float(score), 1, (score,), now)
    level = state.level + LEVEL_WEIGHT * (score - state.level)
    recent = (*state.recent, score)[-RECENT:]
    return SkillState(state.skill_id, level, state.observations + 1, recent, now)


def trend(state: SkillState) -> tuple[Trend, int]:
    """Return the skill's trend and its size in points (rule 4)."""
    recent = state.recent
    if len(recent) < TREND_MIN:
        return Trend.NEW, 0
    last = recent[-TREND_SPAN:]
    before = recent[-2 * TREND_SPAN : -TREND_SPAN]
    delta = round(sum(last) / len(last) - sum(before) / len(before))
    if delta > TREND_STEP:
        return Trend.UP, delta
    if delta < -TREND_STEP:
        return Trend.DOWN, delta
    return Trend.FLAT, delta


def evidence_of(
    observations: Sequence[Observation], turn_id: int, session_id: int, now: datetime
) -> list[Evidence]:
    """Return the evidence rows to keep: one per finding behind an observation."""
    rows = []
    for obs in observations:
        for finding in obs.findings:
            quote = finding.evidence.quote
            rows.append(
                Evidence(
                    skill_id=obs.skill_id,
                    turn_id=turn_id,
                    session_id=session_id,
                    score=obs.score,
                    at=now,
                    rule_id=finding.rule_id,
                    positive=finding.positive,
                    quote=quote[:QUOTE_CHARS] if quote else None,
                )
            )
    return rows
