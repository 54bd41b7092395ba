"""Conservative adaptive difficulty."""

from __future__ import annotations

from dataclasses import dataclass

from bot.catalog import Level
from bot.interview.models import Session

RAISE_AT = 80
LOWER_AT = 45
WINDOW = 2


@dataclass(frozen=True, slots=True)
class LevelDecision:
    """The level for the next question and why it changed, if it did."""

    level: Level
    reason: str | None = None


def next_level(session: Session) -> LevelDecision:
    """Return the level for the next main question.

    Moves one level at a time, and only after at least two graded main answers at the
    current level agree, so one lucky or unlucky answer never swings the interview.
    """
    current = session.level
    # A question's grade includes what its follow-ups added.
    grades = [(t, session.question_grade(t)) for t in session.main_turns if t.level == current]
    scores = [grade.score for _, grade in grades if grade is not None]
    if len(scores) < WINDOW:
        return LevelDecision(current)
    recent = scores[-WINDOW:]
    average = sum(recent) / WINDOW
    if average >= RAISE_AT and current is not Level.SENIOR:
        return LevelDecision(
            current.step(1), f"your last {WINDOW} answers averaged {average:.0f}/100"
        )
    if average <= LOWER_AT and current is not Level.JUNIOR:
        return LevelDecision(
            current.step(-1), f"your last {WINDOW} answers averaged {average:.0f}/100"
        )
    return LevelDecision(current)
