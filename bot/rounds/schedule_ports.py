"""What scheduled rounds need from outside: a store, the Discord event, a round, a channel."""

from __future__ import annotations

import enum
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.rounds.run import RoundRun
from bot.rounds.schedules import Schedule

log = logging.getLogger(__name__)


class EventStatus(enum.IntEnum):
    """Discord's guild scheduled event statuses."""

    SCHEDULED = 1
    ACTIVE = 2
    COMPLETED = 3
    CANCELED = 4


class RunOutcome(enum.StrEnum):
    """What happened to one occurrence of a schedule."""

    RAN = "ran"
    LATE = "late"
    MISSED = "missed"
    SKIPPED = "skipped"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class RunRecord:
    """One occurrence of a schedule and what happened to it."""

    schedule_id: int
    occurrence: datetime
    outcome: RunOutcome
    round_id: int | None
    detail: str | None
    at: datetime


class NoticeKind(enum.StrEnum):
    """What the schedule tells the server about an occurrence."""

    LATE = "late"
    MISSED = "missed"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Notice:
    """A note about one occurrence; ``reason`` is a message already in words (FAILED)."""

    kind: NoticeKind
    occurrence: datetime
    minutes_late: int = 0
    also_missed: int = 0
    reason: str | None = None


class ScheduleStore(Protocol):
    """Persists schedules, their RSVPs and what happened to each occurrence."""

    async def create(self, schedule: Schedule) -> Schedule:
        """Insert a schedule and return it with its id."""
        ...

    async def save(self, schedule: Schedule) -> None:
        """Update a schedule's fields."""
        ...

    async def get(self, schedule_id: int) -> Schedule | None:
        """Return one schedule, or None."""
        ...

    async def for_guild(self, guild_id: int) -> list[Schedule]:
        """Return a server's active schedules, oldest first."""
        ...

    async def active(self) -> list[Schedule]:
        """Return every active schedule of every server."""
        ...

    async def by_event(self, event_id: int) -> Schedule | None:
        """Return the schedule whose Discord event this is, or None."""
        ...

    async def delete(self, schedule_id: int) -> bool:
        """Delete a schedule with its RSVPs and run log; tell if it existed."""
        ...

    async def add_rsvp(self, schedule_id: int, user_id: int, at: datetime) -> bool:
        """Note that a user pressed Interested; tell if it is new."""
        ...

    async def remove_rsvp(self, schedule_id: int, user_id: int) -> bool:
        """Forget a user's Interested; tell if there was one."""
        ...

    async def rsvps(self, schedule_id: int) -> list[int]:
        """Return who pressed Interested, in the order they did."""
        ...

    async def set_rsvps(self, schedule_id: int, user_ids: Sequence[int], at: datetime) -> None:
        """Make the RSVP list exactly ``user_ids`` (Discord's list after a restart)."""
        ...

    async def record_run(self, record: RunRecord) -> None:
        """Store what happened to one occurrence (replacing an earlier record of it)."""
        ...

    async def runs(self, schedule_id: int, limit: int = 10) -> list[RunRecord]:
        """Return the newest occurrence records of a schedule, newest first."""
        ...


class Calendar(Protocol):
    """The Discord scheduled event of a schedule (a recurring series)."""

    async def create(self, schedule: Schedule, start: datetime) -> int:
        """Create the recurring event starting at ``start``; return its id."""
        ...

    async def update(self, schedule: Schedule, start: datetime) -> None:
        """Move the series so its next occurrence starts at ``start`` (and update its text)."""
        ...

    async def set_status(self, schedule: Schedule, status: EventStatus) -> None:
        """Mark the current occurrence active or completed."""
        ...

    async def skip(self, schedule: Schedule, occurrence: datetime) -> None:
        """Cancel one occurrence of the series."""
        ...

    async def delete(self, schedule: Schedule) -> None:
        """Delete the whole series (an event already gone is fine)."""
        ...

    async def interested(self, schedule: Schedule) -> list[int] | None:
        """Return who is interested in the series now, or None when Discord cannot say."""
        ...


class RoundStarter(Protocol):
    """Starts the round of an occurrence where the schedule says (voice or text)."""

    async def start(
        self, schedule: Schedule, occurrence: datetime, priority: Sequence[int]
    ) -> RoundRun:
        """Start the round; raise a CoachError saying why it cannot."""
        ...


class Announcer(Protocol):
    """Posts a schedule's reminders and notes in its post channel."""

    async def remind(
        self, schedule: Schedule, occurrence: datetime, user_ids: Sequence[int]
    ) -> None:
        """Post the reminder, mentioning exactly ``user_ids`` (those who RSVP'd)."""
        ...

    async def notice(self, schedule: Schedule, notice: Notice) -> None:
        """Post a note about an occurrence (late, missed, could not start)."""
        ...
