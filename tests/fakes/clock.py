"""A wall clock that moves only when told to (the interview and round ``Clock`` ports)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

log = logging.getLogger(__name__)

T0 = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)


class FixedClock:
    """A wall clock that moves only when told to."""

    def __init__(self, now: datetime = T0) -> None:
        self.at = now

    def now(self) -> datetime:
        """Return the current fake time."""
        return self.at

    def advance(self, **delta: float) -> datetime:
        """Move the clock forward by a ``timedelta(**delta)`` and return the new time."""
        self.at += timedelta(**delta)
        return self.at


if TYPE_CHECKING:
    from bot.interview.ports import Clock as InterviewClock
    from bot.rounds.ports import Clock as RoundClock

    _interview_clock: InterviewClock = FixedClock()
    _round_clock: RoundClock = FixedClock()
