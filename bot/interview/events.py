"""What the engine reports back; entry points render these, the engine never sends."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.catalog import Level, Question
from bot.coaching.models import Dimension, Evaluation
from bot.interview.models import Attempt, Session, Turn


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
    """The evaluation of the answer just given (for a follow-up reply: its question's grade)."""

    turn: Turn
    evaluation: Evaluation
    note: str | None = None
    # The number of the main question the answer belongs to.
    number: int | None = None


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


@dataclass(frozen=True, slots=True)
class Comparison:
    """How a later evaluation of the same question differs from an earlier one."""

    before: Evaluation
    after: Evaluation
    dimensions: dict[Dimension, tuple[int, int]]
    fixed: tuple[str, ...]
    new: tuple[str, ...]
    still: tuple[str, ...]

    @property
    def score_delta(self) -> int:
        """Return the change of the overall score."""
        return self.after.score - self.before.score

    @classmethod
    def of(cls, before: Evaluation, after: Evaluation) -> Comparison:
        """Compare two evaluations: per-dimension scores and which rules fired in each."""
        dims = {
            d: (before.dimensions[d], after.dimensions[d])
            for d in Dimension
            if d in before.dimensions and d in after.dimensions
        }
        old = list(dict.fromkeys(f.rule_id for f in before.problems))
        now = list(dict.fromkeys(f.rule_id for f in after.problems))
        return cls(
            before=before,
            after=after,
            dimensions=dims,
            fixed=tuple(r for r in old if r not in now),
            new=tuple(r for r in now if r not in old),
            still=tuple(r for r in now if r in old),
        )


@dataclass(frozen=True, slots=True)
class RewindAsked:
    """The candidate chose to answer an earlier question again; their next answer is the retry."""

    session_id: int
    turn: Turn
    question: Question
    number: int
    attempts: int
    session_active: bool


@dataclass(frozen=True, slots=True)
class RetryGraded:
    """A retry of an earlier question was graded against the previous attempt."""

    turn: Turn
    question: Question
    number: int
    attempt: Attempt
    attempt_number: int
    comparison: Comparison
    # The prompt still waiting for an answer in an active session, to remind the candidate.
    pending: Turn | None = None


@dataclass(frozen=True, slots=True)
class NoticeGiven:
    """A short note for the candidate from a service watching the interview (a recurring habit,
    a story told once too often): a copy key and its values, rendered in the session's language.
    ``sources`` names what the note rests on (turn ids), so nothing is ever invented."""

    key: str
    params: dict[str, str | int] = field(default_factory=dict)
    sources: tuple[int, ...] = ()


Event = (
    QuestionAsked
    | FollowUpAsked
    | FeedbackGiven
    | LevelChanged
    | SessionEnded
    | RewindAsked
    | RetryGraded
    | NoticeGiven
)


@dataclass(frozen=True, slots=True)
class Regraded:
    """One answer graded again, now by the model."""

    turn: Turn
    number: int
    comparison: Comparison


@dataclass(frozen=True, slots=True)
class Reevaluation:
    """What ``reevaluate`` did: the answers it re-graded and why it stopped, if it did."""

    session_id: int
    regraded: tuple[Regraded, ...] = ()
    # Answers that needed the model but still could not get it.
    remaining: int = 0
    # None when every answer was re-graded or none needed it; otherwise
    # "unavailable" | "budget" | "no_model".
    stopped: str | None = None
    note: str | None = None
    # Answers graded offline with no model involved (no key configured at the time).
    offline_only: int = 0

    @property
    def needed(self) -> int:
        """Return how many answers needed re-grading."""
        return len(self.regraded) + self.remaining
