"""What each `/interview` command does for the person who typed it.

Each command acts on "your interview here": the one running in this server (stop, resume),
or else the latest one (rewind, reevaluate). The desk finds it, says so in the user's
language when there is none, and calls the engine: an entry point makes one call here.
Where a command needs a place to post (a thread that may be gone), the entry point passes
a ``Place`` that returns the channel to bind, or None when the session's channel is fine.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.catalog import Language
from bot.errors import CoachError
from bot.interview.engine import InterviewEngine, StartOptions
from bot.interview.events import Event, Reevaluation
from bot.interview.models import Session
from bot.interview.ports import SessionOverview

log = logging.getLogger(__name__)

# Given the session, return a new channel id to bind it to, or None to keep its channel.
Place = Callable[[Session], Awaitable[int | None]]

HISTORY_LIMIT = 10


@dataclass(frozen=True, slots=True)
class Outcome:
    """The interview a command acted on, and what happened."""

    session: Session
    events: list[Event]

    @property
    def language(self) -> Language:
        """Return the interview's language."""
        return self.session.language


@dataclass(frozen=True, slots=True)
class History:
    """A user's recent interviews here, and the language to show them in."""

    rows: list[SessionOverview]
    language: Language


@dataclass(frozen=True, slots=True)
class Regrade:
    """What re-grading an interview did."""

    session: Session
    result: Reevaluation


class InterviewDesk:
    """Run the user-facing interview commands on the engine."""

    def __init__(self, engine: InterviewEngine) -> None:
        self._engine = engine

    async def start(
        self, options: StartOptions, open_channel: Callable[[], Awaitable[int | None]]
    ) -> Outcome:
        """Start an interview; SessionAlreadyActive (with the running one) if one runs here."""
        session, events = await self._engine.start(options, open_channel=open_channel)
        return Outcome(session, events)

    async def stop(self, user_id: int, guild_id: int | None, fallback: Language) -> Outcome:
        """Stop the user's interview here and return its summary."""
        session = await self._running(user_id, guild_id, fallback)
        assert session.id is not None
        events = await self._engine.finish(session.id, stopped=True)
        return Outcome(session, events)

    async def resume(
        self, user_id: int, guild_id: int | None, place: Place, fallback: Language
    ) -> Outcome:
        """Pick the user's interview up where it stopped, in a new thread if needed."""
        session = await self._located(await self._running(user_id, guild_id, fallback), place)
        assert session.id is not None
        return Outcome(session, await self._engine.resume(session.id))

    async def history(self, user_id: int, guild_id: int | None, fallback: Language) -> History:
        """Return the user's recent interviews, in their latest interview's language."""
        rows = await self._engine.history(user_id, guild_id, HISTORY_LIMIT)
        return History(rows, rows[0].language if rows else fallback)

    async def rewind(
        self, user_id: int, guild_id: int | None, number: int, place: Place, fallback: Language
    ) -> Outcome:
        """Re-ask question ``number`` of the user's current (or latest) interview."""
        session = await self._latest(user_id, guild_id, fallback)
        assert session.id is not None
        event = await self._engine.rewind(session.id, number)
        session = await self._located(session, place)
        return Outcome(session, [event])

    async def reevaluate(self, user_id: int, guild_id: int | None, fallback: Language) -> Regrade:
        """Re-grade with the model the answers of the user's interview it could not grade."""
        session = await self._latest(user_id, guild_id, fallback)
        assert session.id is not None
        return Regrade(session, await self._engine.reevaluate(session.id))

    async def _running(self, user_id: int, guild_id: int | None, fallback: Language) -> Session:
        session = await self._engine.active_session(user_id, guild_id)
        if session is None or session.id is None:
            raise CoachError(key="interview.none_running", language=fallback)
        return session

    async def _latest(self, user_id: int, guild_id: int | None, fallback: Language) -> Session:
        session = await self._engine.latest_session(user_id, guild_id)
        if session is None or session.id is None:
            raise CoachError(key="interview.none_yet", language=fallback)
        return session

    async def _located(self, session: Session, place: Place) -> Session:
        """Bind the session to a new channel when the entry point had to open one."""
        channel_id = await place(session)
        if channel_id is None or channel_id == session.channel_id:
            return session
        assert session.id is not None
        await self._engine.bind_channel(session.id, channel_id)
        return await self._engine.session(session.id)
