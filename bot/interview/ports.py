"""Ports the interview domain needs, implemented by adapters."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.catalog import Kind, Language, Level, Question
from bot.coaching.answer import Answer
from bot.coaching.models import Evaluation
from bot.interview.events import Event
from bot.interview.models import Attempt, Session, SessionStatus, Turn


@dataclass(frozen=True, slots=True)
class SessionOverview:
    """One line of a user's interview history."""

    session_id: int
    kind: Kind
    level: Level
    status: SessionStatus
    created_at: datetime
    answered: int
    average_score: float | None
    language: Language = Language.EN


class SessionStore(Protocol):
    """Persists sessions and their turns."""

    async def create_session(self, session: Session) -> Session:
        """Insert a new session and return it with its id."""
        ...

    async def get_session(self, session_id: int) -> Session | None:
        """Return a session with all its turns, or None."""
        ...

    async def active_session(self, user_id: int, guild_id: int | None) -> Session | None:
        """Return the user's active session in this server, or None."""
        ...

    async def session_in_channel(self, channel_id: int) -> Session | None:
        """Return the active session bound to a channel or thread, or None."""
        ...

    async def update_session(self, session: Session) -> None:
        """Save the session's own fields (status, level, channel)."""
        ...

    async def save_turn(self, session_id: int, turn: Turn) -> Turn:
        """Insert or update one turn with its evaluation; return it with its id."""
        ...

    async def history(
        self, user_id: int, guild_id: int | None, limit: int
    ) -> list[SessionOverview]:
        """Return the user's most recent sessions in this server, newest first."""
        ...

    async def sessions_awaiting_grade(self) -> list[int]:
        """Return active sessions whose newest turn was answered but not graded, and
        sessions (of any status) whose rewind retry was saved but not graded."""
        ...

    async def sessions_awaiting_answer(self) -> list[int]:
        """Return active sessions whose newest prompt waits for an answer, and sessions (of
        any status) waiting for a rewind retry."""
        ...

    async def latest_session(self, user_id: int, guild_id: int | None) -> Session | None:
        """Return the user's newest session in this server, whatever its status, or None."""
        ...

    async def rewind_in_channel(self, channel_id: int) -> Session | None:
        """Return the session bound to a channel that waits for a rewind retry, or None."""
        ...

    async def set_rewind(self, session_id: int, turn_id: int | None) -> None:
        """Mark (or clear, with None) the turn whose question is being answered again; a
        retry answer saved for the previous mark is cleared with it."""
        ...

    async def save_rewind_answer(self, session_id: int, answer: str) -> None:
        """Save the retry of the rewound question before it is graded."""
        ...

    async def save_attempt(self, attempt: Attempt) -> Attempt:
        """Insert a retry of a turn and return it with its id; a rewind waiting for this
        retry (and its saved answer) is cleared in the same write."""
        ...

    async def attempts(self, turn_id: int) -> list[Attempt]:
        """Return the retries of a turn, oldest first."""
        ...

    async def turn_owner(self, turn_id: int) -> int | None:
        """Return the id of the session a turn belongs to, or None."""
        ...


class Clock(Protocol):
    """Tells the time (a port so tests can fix it)."""

    def now(self) -> datetime:
        """Return the current UTC time."""
        ...


@dataclass(frozen=True, slots=True)
class GradedAnswer:
    """One graded answer, as an observer sees it (a rewind retry says so)."""

    session: Session
    turn: Turn
    question: Question
    answer: Answer
    evaluation: Evaluation
    retry: bool = False


class InterviewObserver(Protocol):
    """A service that learns from interviews (progress, stories) and may add a short note.

    The engine calls it after saving; a failing observer is logged and never breaks grading.
    """

    async def started(self, session: Session) -> Sequence[Event]:
        """Return notes to show when an interview starts (e.g. habits to watch)."""
        ...

    async def graded(self, graded: GradedAnswer) -> Sequence[Event]:
        """Learn from one graded answer; return notes to show right after its feedback."""
        ...


class Memory(Protocol):
    """What the candidate keeps doing across interviews, for a grading model's prompt."""

    async def recall(self, session: Session) -> tuple[str, ...]:
        """Return short lines (habits, a drill's focus) in the session's language."""
        ...
