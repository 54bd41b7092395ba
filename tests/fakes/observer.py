"""An ``InterviewObserver`` that records what the engine showed it and returns set notes."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.interview.events import Event
from bot.interview.models import Session
from bot.interview.ports import GradedAnswer

log = logging.getLogger(__name__)


class RecordingObserver:
    """Record each started session and graded answer; answer with the notes it was given.

    With ``fail`` set it raises on every call, to check that observers never break grading.
    """

    def __init__(
        self,
        *,
        on_start: Sequence[Event] = (),
        on_graded: Sequence[Event] = (),
        fail: bool = False,
    ) -> None:
        self.on_start = list(on_start)
        self.on_graded = list(on_graded)
        self.fail = fail
        self.sessions: list[Session] = []
        self.answers: list[GradedAnswer] = []

    async def started(self, session: Session) -> Sequence[Event]:
        """Record the new interview and return the start notes."""
        self.sessions.append(session)
        if self.fail:
            raise RuntimeError("observer failed on start")
        return list(self.on_start)

    async def graded(self, graded: GradedAnswer) -> Sequence[Event]:
        """Record the graded answer and return the notes for it."""
        self.answers.append(graded)
        if self.fail:
            raise RuntimeError("observer failed on a graded answer")
        return list(self.on_graded)


if TYPE_CHECKING:
    from bot.interview.ports import InterviewObserver

    _observer: InterviewObserver = RecordingObserver()
