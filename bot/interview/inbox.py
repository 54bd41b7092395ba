"""Which interview a message answers, and whether it may answer now.

A message in a thread is an answer only when the thread runs an interview (or waits for a
rewound question's retry), the author owns that interview, and the previous answer is not
still being graded. An answer saved but never graded (the bot stopped mid-grade) is graded
first, and the message that found it is not used. The entry points ask here and render.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from bot.errors import AnswerBusy
from bot.interview.engine import InterviewEngine
from bot.interview.events import Event
from bot.interview.models import Session, TurnStatus

log = logging.getLogger(__name__)


class Delivery(enum.StrEnum):
    """What to do with a message in a channel."""

    IGNORE = "ignore"  # not an interview channel
    NOT_OWNER = "not_owner"  # someone else's interview
    BUSY = "busy"  # the previous answer is still being graded
    RECOVER = "recover"  # an earlier answer was never graded: grade it, do not use this one
    ANSWER = "answer"  # this message answers the current prompt (or the rewound question)


@dataclass(frozen=True, slots=True)
class Inbound:
    """The decision about one message, and the interview it concerns."""

    delivery: Delivery
    session: Session | None = None
    # Only the first message of another person in an interview gets a reply.
    warn: bool = False


class AnswerInbox:
    """Route messages to interviews; one answer of an interview is graded at a time."""

    def __init__(self, engine: InterviewEngine) -> None:
        self._engine = engine
        self._busy: set[int] = set()
        self._warned: set[tuple[int, int]] = set()

    def busy(self, session_id: int) -> bool:
        """Tell whether an answer of this interview is being graded now."""
        return session_id in self._busy

    @asynccontextmanager
    async def receive(self, channel_id: int, author_id: int) -> AsyncIterator[Inbound]:
        """Decide what a message is; while the block runs, the interview is claimed."""
        session = await self._engine.session_in_channel(channel_id)
        if session is None:
            # A finished interview's thread still takes the retry of a rewound question.
            session = await self._engine.rewind_in_channel(channel_id)
        if session is None or session.id is None:
            yield Inbound(Delivery.IGNORE)
            return
        if author_id != session.user_id:
            key = (session.id, author_id)
            warn = key not in self._warned
            self._warned.add(key)
            yield Inbound(Delivery.NOT_OWNER, session, warn=warn)
            return
        if session.id in self._busy:
            yield Inbound(Delivery.BUSY, session)
            return
        self._busy.add(session.id)
        try:
            current = session.current_turn
            interrupted = (
                session.rewind_turn_id is None
                and current is not None
                and current.status is TurnStatus.ANSWERED
            )
            yield Inbound(Delivery.RECOVER if interrupted else Delivery.ANSWER, session)
        finally:
            self._busy.discard(session.id)

    async def skip(self, session_id: int) -> list[Event]:
        """Skip the current prompt, unless its answer is being graded right now."""
        session = await self._engine.session(session_id)
        if session_id in self._busy:
            raise AnswerBusy(key="interview.still_grading_skip", language=session.language)
        return await self._engine.skip(session_id)

    async def recover_all(self) -> AsyncIterator[tuple[Session, list[Event]]]:
        """Grade every answer saved but not graded when the bot last stopped."""
        for session_id in await self._engine.sessions_awaiting_grade():
            if session_id in self._busy:
                continue
            # A message sent meanwhile must not re-grade (and re-post) the same answer.
            self._busy.add(session_id)
            try:
                session = await self._engine.session(session_id)
                events = await self._engine.resume(session_id)
            except Exception:
                log.exception("Could not finish grading session %s after restart", session_id)
                continue
            finally:
                self._busy.discard(session_id)
            yield session, events
