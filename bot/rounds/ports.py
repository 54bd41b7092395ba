"""What the round domain needs from outside: a store, a clock, interviews, a channel, a presenter.

``RoundChannel`` is where a round asks and listens (a voice channel today; a text channel can
implement it too), ``RoundPresenter`` is where it shows questions, feedback and summaries.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from bot.coaching.answer import Answer, Word
from bot.interview.engine import StartOptions
from bot.interview.events import Event
from bot.interview.models import Session
from bot.rounds.model import Participant, Rating, Round
from bot.rounds.notices import Ending, Line, Note
from bot.rounds.summary import AnswerRecord, RatingRecord, RoundSummary

log = logging.getLogger(__name__)


class Clock(Protocol):
    """Wall-clock time for stored timestamps."""

    def now(self) -> datetime:
        """Return the current UTC time."""
        ...


class Interviews(Protocol):
    """The interview engine calls a round makes for each participant's own interview."""

    async def active_session(self, user_id: int, guild_id: int | None) -> Session | None:
        """Return the user's running interview in this server, or None."""
        ...

    async def start(self, options: StartOptions) -> tuple[Session, list[Event]]:
        """Start an interview and return it with its first question."""
        ...

    async def answer(
        self, session_id: int, text: str, words: Sequence[Word] = (), spoken: bool = False
    ) -> list[Event]:
        """Grade an answer and move on."""
        ...

    async def skip(self, session_id: int) -> list[Event]:
        """Skip the current prompt."""
        ...

    async def finish(self, session_id: int, stopped: bool = False) -> list[Event]:
        """End the interview and summarise it."""
        ...

    async def resume(self, session_id: int) -> list[Event]:
        """Re-ask the current prompt (or re-grade an answer a restart left ungraded)."""
        ...


class RoundChannel(Protocol):
    """Where a round asks and listens to the people taking part."""

    async def say(self, line: Line) -> bool:
        """Say a line to the room; return False if it was cut short or could not be said."""
        ...

    def interrupt(self) -> None:
        """Stop saying anything now."""
        ...

    def listen_to(self, user_ids: set[int]) -> None:
        """Take answers only from these people from now on (nobody: empty set)."""
        ...

    async def next_answer(self, user_id: int, timeout_s: float) -> Answer | None:
        """Wait for ``user_id``'s next answer; None after ``timeout_s`` of silence.

        ``timeout_s=0`` only looks for an answer already waiting. An answer whose text is
        empty means something was heard but nothing understood.
        """
        ...

    def member_ids(self) -> set[int]:
        """Return the people present where the round runs."""
        ...

    def connected(self) -> bool:
        """Tell whether the round can still reach the room."""
        ...

    async def close(self) -> None:
        """Stop listening and speaking and leave; safe to call twice."""
        ...


class RoundPresenter(Protocol):
    """Shows what a round does (the Discord cog implements it over a thread)."""

    def name_of(self, user_id: int) -> str:
        """Return a display name for speaking and showing."""
        ...

    async def consent_notice(self, round_: Round) -> None:
        """Post the consent notice with its Consent button."""
        ...

    async def listening(self, user_ids: Sequence[int]) -> None:
        """Show whom the round is listening to now (empty: nobody)."""
        ...

    async def events(self, user_id: int, events: Sequence[Event], group: bool) -> None:
        """Show interview events (questions, feedback, a summary) for one candidate."""
        ...

    async def note(self, note: Note) -> None:
        """Post a short note about a turn."""
        ...

    async def error(self, message: str) -> None:
        """Post a message that is already in words (a refusal from the interview engine)."""
        ...

    async def rating_request(self, answer: AnswerRecord) -> None:
        """Ask the other participants to rate one answer."""
        ...

    async def ended(self, ending: Ending, stopped_by: int | None) -> None:
        """Say why a solo round ended early."""
        ...

    async def round_summary(
        self, summary: RoundSummary, ending: Ending | None, stopped_by: int | None
    ) -> None:
        """Post the end-of-round summary (with why it ended early, if it did)."""
        ...


class RoundStore(Protocol):
    """Persists rounds, consents, answers and peer ratings."""

    async def create_round(self, round_: Round) -> Round:
        """Insert a round and return it with its id."""
        ...

    async def save_round(self, round_: Round) -> None:
        """Save the round's own fields (status, thread, ended time)."""
        ...

    async def get_round(self, round_id: int) -> Round | None:
        """Return a round with its participants, or None."""
        ...

    async def save_participant(self, round_id: int, participant: Participant) -> Participant:
        """Insert or update one participant (their consent); return it with its id."""
        ...

    async def end_unfinished(self, at: datetime, keep: set[int] | None = None) -> int:
        """Mark rounds left live by a restart (all but ``keep``) as stopped; return how many."""
        ...

    async def record_answer(
        self,
        round_id: int,
        user_id: int,
        session_id: int | None,
        turn_id: int | None,
        turn_index: int | None,
        score: int | None,
        at: datetime,
    ) -> AnswerRecord:
        """Store one answer given in the round."""
        ...

    async def get_answer(self, answer_id: int) -> AnswerRecord | None:
        """Return one round answer, or None."""
        ...

    async def rate(self, answer_id: int, rater_id: int, rating: Rating, at: datetime) -> bool:
        """Store a rater's vote, replacing their earlier one; tell if it replaced one."""
        ...

    async def answers(self, round_id: int) -> list[AnswerRecord]:
        """Return the round's answers in order."""
        ...

    async def ratings(self, round_id: int) -> list[RatingRecord]:
        """Return every peer rating given in the round."""
        ...
