"""Which interview a message answers, and whether it may answer now.

A message in a thread is an answer only when the thread runs an interview (or waits for a
rewound question's retry), the author owns that interview, and the previous answer is not
still being graded. An answer saved but never graded (the bot stopped mid-grade) is graded
first, and the message that found it is not used. The entry points ask here and render.

An answer is saved before anything that can fail; when handling it fails anyway, the entry
point raises ``AnswerFailure`` saying whether the answer was saved, so the apology the user
reads is true either way.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from bot.catalog import Language
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


class AnswerFailure(Exception):
    """Handling an answer failed unexpectedly; ``saved`` tells whether it was saved first.

    Raised by an entry point from the original error (``raise ... from exc``) so the global
    error handler logs that error and words its apology truthfully.
    """

    def __init__(self, saved: bool, session_id: int, language: Language) -> None:
        state = "saved" if saved else "not saved"
        super().__init__(f"handling an answer to session {session_id} failed ({state})")
        self.saved = saved
        self.session_id = session_id
        self.language = language


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
            if session.rewind_turn_id is not None:
                # A retry saved before the bot stopped is graded before any new one.
                interrupted = session.rewind_answer is not None
            else:
                interrupted = current is not None and current.status is TurnStatus.ANSWERED
            yield Inbound(Delivery.RECOVER if interrupted else Delivery.ANSWER, session)
        finally:
            self._busy.discard(session.id)

    async def skip(self, session_id: int, prompt: int | None = None) -> list[Event]:
        """Skip the current prompt (prompt number ``prompt`` when given), unless its answer is
        being graded right now."""
        session = await self._engine.session(session_id)
        if session_id in self._busy:
            raise AnswerBusy(key="interview.still_grading_skip", language=session.language)
        return await self._engine.skip(session_id, prompt)

    async def awaiting_answer(self) -> AsyncIterator[Session]:
        """Yield the interviews waiting for the candidate's next message (none being graded).

        After a restart the entry point checks each one for messages the bot never received.
        """
        for session_id in await self._engine.sessions_awaiting_answer():
            if session_id in self._busy:
                continue
            try:
                session = await self._engine.session(session_id)
            except Exception:
                log.exception("Could not load session %s to look for missed answers", session_id)
                continue
            yield session

    def still_waiting(self, session: Session, fresh: Session) -> bool:
        """Tell whether ``fresh`` (read again) still waits for the same prompt as ``session``."""
        if session.id is None or session.id in self._busy:
            return False
        if fresh.rewind_turn_id is not None:
            return fresh.rewind_turn_id == session.rewind_turn_id and fresh.rewind_answer is None
        now, then = fresh.current_turn, session.current_turn
        return (
            now is not None
            and then is not None
            and now.id == then.id
            and now.status is TurnStatus.ASKED
        )

    async def recover_all(self) -> AsyncIterator[tuple[Session, list[Event]]]:
        """Grade every answer (or retry) saved but not graded when the bot last stopped."""
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
