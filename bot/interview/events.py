"""What the engine reports back; entry points render these, the engine never sends."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.coaching.models import Dimension, Evaluation
from bot.interview.models import Level, Question, Session, Turn


@dataclass(frozen=True, slots=True)
class QuestionAsked:
    """A main question to put to the candidate."""

    turn: Turn
    question: Question
    number: int
    total: int
    resumed: bool = False


@dataclass(frozen=True, slots=True)
class FollowUpAsked:
    """A follow-up probing what the last answer lacked."""

    turn: Turn
    question: Question
    reason_rule: str | None
    resumed: bool = False


@dataclass(frozen=True, slots=True)
class FeedbackGiven:
    """The evaluation of the answer just given."""

    turn: Turn
    evaluation: Evaluation
    note: str | None = None


@dataclass(frozen=True, slots=True)
class LevelChanged:
    """Adaptive difficulty moved one level."""

    old: Level
    new: Level
    reason: str


@dataclass(frozen=True, slots=True)
class RecurringIssue:
    """A rubric rule that fired on several answers."""

    rule_id: str
    count: int
    fix: str


@dataclass(frozen=True, slots=True)
class Summary:
    """End-of-session figures."""

    session: Session
    answered: int
    skipped: int
    average_score: float | None
    dimensions: dict[Dimension, float]
    recurring: tuple[RecurringIssue, ...]
    best: Turn | None
    weakest: Turn | None
    scores: tuple[int, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class SessionEnded:
    """The session finished or was stopped; here is its summary."""

    summary: Summary
    stopped: bool = False


Event = QuestionAsked | FollowUpAsked | FeedbackGiven | LevelChanged | SessionEnded
