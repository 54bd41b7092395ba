"""How much each dimension is covered by what the answer shows, by interview kind.

Each dimension is a weighted list of evidence; each piece of evidence is a number from 0 to 1
computed from the answer's signals (see ``signals.py``) with diminishing returns. The tables
are the grading policy in one place: what a strong answer of each kind shows.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

from bot.catalog import Kind, Language
from bot.coaching.models import Dimension
from bot.coaching.signals import Signals, saturate
from bot.coaching.topics import Form

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Facts:
    """Structural facts the rules established, next to the counted signals."""

    signals: Signals
    language: Language
    situation: bool = False
    task: bool = False
    action: bool = False
    result: bool = False
    measured_result: bool = False
    specific_episode: bool = False
    direct_opening: bool = False
    umpire_steps: int = 0
    complexity: bool = False
    early_requirements: bool = False
    form: Form = Form.STORY

    @property
    def substance_half(self) -> float:
        """Return the distinct-word count at which substance is half covered."""
        # Korean counts words by spaces (어절), roughly two thirds as many as English.
        return 28.0 if self.language is Language.KO else 40.0


Evidence = Callable[[Facts], float]
Table = tuple[tuple[str, float, Evidence], ...]


def _s(f: Facts) -> Signals:
    return f.signals


def substance(f: Facts) -> float:
    """Return how much distinct content the answer carries."""
    return saturate(_s(f).distinct, f.substance_half)


def specifics(f: Facts) -> float:
    """Return how concrete the answer is: numbers and named things."""
    return saturate(_s(f).numbers + _s(f).named, 3)


def reasoning(f: Facts) -> float:
    """Return how much the answer says why."""
    return saturate(_s(f).count("reasoning"), 2)


def contrast(f: Facts) -> float:
    """Return how much the answer weighs one thing against another."""
    return saturate(_s(f).count("contrast") + _s(f).count("tradeoffs"), 1.5)


def clarity(f: Facts) -> float:
    """Return 1 for sentences of a listenable length, less for fragments or run-ons."""
    average = _s(f).average_sentence
    if _s(f).words < 8:
        return 0.3
    if average <= 30:
        return 1.0
    return max(0.2, 1.0 - (average - 30) / 40)


def organisation(f: Facts) -> float:
    """Return how clearly the answer signposts its order."""
    return saturate(_s(f).count("sequence") + 0.5 * _s(f).count("contrast"), 1.5)


def ownership(f: Facts) -> float:
    """Return how clearly the candidate's own part shows ("I did" over "we did")."""
    i = _s(f).count("singular") + _s(f).actions
    we = _s(f).count("plural")
    if i + we == 0:
        return 0.5
    return (i + 0.5) / (i + we + 1.0)


def confidence(f: Facts) -> float:
    """Return 1 for committed language, less for hedging and confusion."""
    shaky = _s(f).count("hedges") + _s(f).count("confusion")
    return 1.0 - saturate(100.0 * shaky / max(20, _s(f).words), 3)


def star(f: Facts) -> float:
    """Return how complete the situation-task-action-result story is."""
    parts = (
        0.2 * f.situation
        + 0.2 * f.task
        + 0.35 * saturate(_s(f).actions + _s(f).count("action"), 1.5)
        + 0.25 * (0.6 * f.result + 0.4 * f.measured_result)
    )
    return parts


def episode(f: Facts) -> float:
    """Return how clearly the answer tells one real past episode, not habits."""
    if f.specific_episode:
        return saturate(_s(f).past + 2 * _s(f).count("episode"), 4)
    return 0.2 * saturate(_s(f).past, 4)


def reflection(f: Facts) -> float:
    """Return whether the answer says what was learnt or changed afterwards."""
    return saturate(_s(f).count("reflection"), 1)


def scale(f: Facts) -> float:
    """Return how much scope the answer states."""
    return saturate(_s(f).count("scale") + 0.5 * _s(f).numbers, 1.5)


def stakeholders(f: Facts) -> float:
    """Return how many other people and groups the answer involves."""
    return saturate(_s(f).count("stakeholders"), 1.5)


def impact(f: Facts) -> float:
    """Return whether the outcome is stated and measured."""
    return 0.5 * f.result + 0.5 * f.measured_result if f.result else 0.3 * specifics(f)


def leverage(f: Facts) -> float:
    """Return signs of impact beyond oneself: mentoring, influence, reflection, judgement."""
    return saturate(
        _s(f).count("mentoring") + _s(f).count("reflection") + 0.5 * _s(f).count("contrast"), 2
    )


def technical_terms(f: Facts) -> float:
    """Return how much domain vocabulary the answer uses correctly in context."""
    return saturate(_s(f).topic_terms, 5)


def examples(f: Facts) -> float:
    """Return whether the answer illustrates with an example."""
    return saturate(_s(f).count("examples") + 0.5 * f.specific_episode, 1)


def judgement(f: Facts) -> float:
    """Return conditional reasoning: when one choice beats another, and why."""
    return saturate(_s(f).count("reasoning") + _s(f).count("contrast"), 3)


def direct(f: Facts) -> float:
    """Return 1 when the first sentence already answers the question."""
    return 1.0 if f.direct_opening else 0.4


def requirements(f: Facts) -> float:
    """Return whether requirements, assumptions or scale were clarified first."""
    found = _s(f).count("assumptions") + _s(f).count("clarify")
    return min(1.0, saturate(found, 1.5) + 0.25 * f.early_requirements)


def components(f: Facts) -> float:
    """Return how many building blocks the design names."""
    return saturate(_s(f).count("components"), 3)


def data_model(f: Facts) -> float:
    """Return whether the design says what is stored and how."""
    return saturate(_s(f).count("data_model"), 1.5)


def failure_modes(f: Facts) -> float:
    """Return whether the design says what breaks and how it copes."""
    return saturate(_s(f).count("failure_modes"), 1.5)


def estimates(f: Facts) -> float:
    """Return whether the design puts numbers on its scale."""
    return saturate(_s(f).numbers + _s(f).count("scale"), 2)


def umpire(f: Facts) -> float:
    """Return the share of UMPIRE steps the walk-through shows."""
    return f.umpire_steps / 6.0


def complexity(f: Facts) -> float:
    """Return whether the time and space cost is stated."""
    return 1.0 if f.complexity else 0.0


def edge_cases(f: Facts) -> float:
    """Return whether edge cases are named."""
    return saturate(_s(f).count("edge_cases"), 1.5)


def testing(f: Facts) -> float:
    """Return whether the solution is tested or walked through."""
    return saturate(_s(f).count("testing"), 1.5)


def approach(f: Facts) -> float:
    """Return whether an approach is named and explained."""
    return saturate(_s(f).topic_terms + _s(f).count("reasoning"), 4)


def illustrated(f: Facts) -> float:
    """Return whether an approach is backed by a real example or a named case."""
    return max(episode(f), examples(f))


def professional(f: Facts) -> float:
    """Return how much of a self-presentation stays on work rather than private life."""
    return 1.0 - saturate(_s(f).count("personal"), 1.5)


def receptive(f: Facts) -> float:
    """Return openness to the interviewer's hints."""
    return saturate(_s(f).count("receptive") + _s(f).count("clarify"), 1)


COMMUNICATION: Final[Table] = (
    ("clarity", 0.25, clarity),
    ("organisation", 0.2, organisation),
    ("confidence", 0.2, confidence),
    ("substance", 0.35, substance),
)

TABLES: Final[Mapping[Kind, Mapping[Dimension, Table]]] = {
    Kind.BEHAVIORAL: {
        Dimension.STRUCTURE: (("star", 0.7, star), ("episode", 0.3, episode)),
        Dimension.DEPTH: (
            ("substance", 0.3, substance),
            ("specifics", 0.25, specifics),
            ("reasoning", 0.2, reasoning),
            ("reflection", 0.1, reflection),
            ("contrast", 0.15, contrast),
        ),
        Dimension.COMMUNICATION: (
            ("ownership", 0.3, ownership),
            ("clarity", 0.2, clarity),
            ("confidence", 0.15, confidence),
            ("substance", 0.35, substance),
        ),
        Dimension.SENIORITY: (
            ("scale", 0.25, scale),
            ("stakeholders", 0.25, stakeholders),
            ("impact", 0.25, impact),
            ("leverage", 0.25, leverage),
        ),
    },
    Kind.TECHNICAL: {
        Dimension.STRUCTURE: (
            ("direct", 0.35, direct),
            ("contrast", 0.25, contrast),
            ("examples", 0.2, examples),
            ("judgement", 0.2, judgement),
        ),
        Dimension.DEPTH: (
            ("substance", 0.2, substance),
            ("terms", 0.25, technical_terms),
            ("reasoning", 0.2, reasoning),
            ("contrast", 0.15, contrast),
            ("specifics", 0.1, specifics),
            ("verification", 0.1, testing),
        ),
        Dimension.COMMUNICATION: COMMUNICATION,
        Dimension.SENIORITY: (
            ("judgement", 0.35, judgement),
            ("failure_modes", 0.2, failure_modes),
            ("scale", 0.2, scale),
            ("experience", 0.25, examples),
        ),
    },
    Kind.SYSTEM_DESIGN: {
        Dimension.STRUCTURE: (
            ("requirements", 0.35, requirements),
            ("organisation", 0.25, organisation),
            ("components", 0.2, components),
            ("contrast", 0.2, contrast),
        ),
        Dimension.DEPTH: (
            ("substance", 0.2, substance),
            ("components", 0.15, components),
            ("data_model", 0.15, data_model),
            ("estimates", 0.15, estimates),
            ("failure_modes", 0.15, failure_modes),
            ("reasoning", 0.2, reasoning),
        ),
        Dimension.COMMUNICATION: COMMUNICATION,
        Dimension.SENIORITY: (
            ("contrast", 0.3, contrast),
            ("scale", 0.25, estimates),
            ("failure_modes", 0.25, failure_modes),
            ("requirements", 0.2, requirements),
        ),
    },
    Kind.CODING: {
        Dimension.STRUCTURE: (("umpire", 0.7, umpire), ("organisation", 0.3, organisation)),
        Dimension.DEPTH: (
            ("complexity", 0.25, complexity),
            ("approach", 0.25, approach),
            ("edge_cases", 0.15, edge_cases),
            ("testing", 0.15, testing),
            ("substance", 0.2, substance),
        ),
        Dimension.COMMUNICATION: (
            ("clarity", 0.2, clarity),
            ("organisation", 0.15, organisation),
            ("confidence", 0.2, confidence),
            ("receptive", 0.1, receptive),
            ("substance", 0.35, substance),
        ),
        Dimension.SENIORITY: (
            ("contrast", 0.35, contrast),
            ("complexity", 0.25, complexity),
            ("edge_cases", 0.2, edge_cases),
            ("reasoning", 0.2, reasoning),
        ),
    },
}


# Share of every dimension that is how much the answer actually says (distinct content,
# repeats excluded): a dimension can only be shown by saying something.
CONTENT_SHARE: Final = 0.5


# A behavioral question that asks for the candidate or for an approach is not a story:
# its structure is shown by focus and order, and an example backs it up.
FORM_STRUCTURE: Final[Mapping[Form, Table]] = {
    Form.SELF: (
        ("professional", 0.4, professional),
        ("specifics", 0.3, specifics),
        ("organisation", 0.3, organisation),
    ),
    Form.APPROACH: (
        ("example", 0.4, illustrated),
        ("reasoning", 0.3, reasoning),
        ("organisation", 0.3, organisation),
    ),
}


def tables(kind: Kind, form: Form = Form.STORY) -> Mapping[Dimension, Table]:
    """Return the evidence tables for an answer of ``kind`` to a question of ``form``."""
    chosen = TABLES[kind]
    if kind is Kind.BEHAVIORAL and form in FORM_STRUCTURE:
        return {**chosen, Dimension.STRUCTURE: FORM_STRUCTURE[form]}
    return chosen


def coverage(kind: Kind, facts: Facts) -> dict[Dimension, float]:
    """Return each dimension's coverage (0..1) for an answer of ``kind``."""
    content = substance(facts)
    result: dict[Dimension, float] = {}
    for dimension, table in tables(kind, facts.form).items():
        total = sum(weight for _, weight, _ in table)
        own = sum(weight * fn(facts) for _, weight, fn in table) / total
        result[dimension] = (1 - CONTENT_SHARE) * own + CONTENT_SHARE * content
    return result


def explain(kind: Kind, facts: Facts) -> dict[str, dict[str, float]]:
    """Return every piece of evidence per dimension, for debugging and the benchmark."""
    return {
        dimension.value: {name: round(fn(facts), 3) for name, _, fn in table}
        for dimension, table in tables(kind, facts.form).items()
    }
