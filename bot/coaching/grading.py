"""What a grader is told about one grading, and the port every grader implements.

Everything a grading needs to know about its caller travels here explicitly: the level and
language, who is being graded (for logs and for which model keys and budget apply), what was
actually asked, the interview so far, and, for a reply to a follow-up, what the follow-up
probed. Nothing is passed around it in a context variable.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.catalog import Language, Level, Question
from bot.coaching.answer import Answer
from bot.coaching.models import Evaluation, Probe

log = logging.getLogger(__name__)

# Called with each finished section of a model's reply as it streams ("praise", text).
SectionCallback = Callable[[str, Any], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class PriorTurn:
    """One earlier prompt of the interview and what became of it."""

    index: int
    prompt: str
    answer: str | None
    follow_up: bool
    score: int | None = None
    skipped: bool = False


@dataclass(frozen=True, slots=True)
class GradingContext:
    """Who and what one grading is for."""

    level: Level
    language: Language
    session_id: int | None = None
    user_id: int | None = None
    # The server decides which model keys and which daily budget apply (None: DMs, terminal).
    guild_id: int | None = None
    # The words actually asked, when they differ from the bank question (a follow-up).
    asked: str | None = None
    history: tuple[PriorTurn, ...] = ()
    # Set when the answer includes a reply to a follow-up: what that follow-up probed.
    probe: Probe | None = None
    # Keeps one interview on one prompt version (A/B tests); None: chosen per answer.
    ab_key: str | None = None
    # What the candidate keeps doing across interviews (recurring habits, a drill's focus),
    # one short line each, in the interview's language; each rests on stored answers.
    memory: tuple[str, ...] = ()
    on_section: SectionCallback | None = field(default=None, compare=False)

    def ids(self) -> str:
        """Return the ids that trace a grading in the logs (never any answer text)."""
        return f"session {self.session_id}, user {self.user_id}, guild {self.guild_id}"


class Evaluator(Protocol):
    """Grades one answer."""

    async def evaluate(
        self, answer: Answer, question: Question, context: GradingContext
    ) -> Evaluation:
        """Return the evaluation of ``answer`` to ``question``."""
        ...


class FollowUpWriter(Protocol):
    """Writes a follow-up question for an answer (a model does; the offline coach does not)."""

    async def follow_up(
        self, answer: Answer, question: Question, context: GradingContext
    ) -> str | None:
        """Return one probing follow-up question, or None."""
        ...
