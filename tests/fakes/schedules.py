"""In-memory doubles of the schedule ports: store, Discord calendar, round starter, announcer."""

from __future__ import annotations

import asyncio
import copy
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from bot.errors import CoachError
from bot.rounds.model import Round, RoundMode
from bot.rounds.run import RoundRun
from bot.rounds.schedule_ports import EventStatus, Notice, RunRecord
from bot.rounds.schedules import Schedule, ScheduleStatus
from bot.rounds.scheduling import EventGone
from tests.fakes.rounds import FakeRoundChannel, RecordingPresenter

log = logging.getLogger(__name__)


class InMemoryScheduleStore:
    """The ScheduleStore port in memory, with the SQLite store's rules."""

    def __init__(self) -> None:
        self.schedules: dict[int, Schedule] = {}
        self.rsvp_rows: dict[int, list[int]] = {}
        self.run_rows: dict[tuple[int, datetime], RunRecord] = {}
        self._ids = 0

    async def create(self, schedule: Schedule) -> Schedule:
        """Insert a schedule and return it with its id."""
        self._ids += 1
        schedule.id = self._ids
        self.schedules[self._ids] = copy.deepcopy(schedule)
        return schedule

    async def save(self, schedule: Schedule) -> None:
        """Update a schedule's fields."""
        assert schedule.id in self.schedules
        self.schedules[schedule.id] = copy.deepcopy(schedule)

    async def get(self, schedule_id: int) -> Schedule | None:
        """Return one schedule, or None."""
        found = self.schedules.get(schedule_id)
        return copy.deepcopy(found) if found is not None else None

    async def for_guild(self, guild_id: int) -> list[Schedule]:
        """Return a server's active schedules, oldest first."""
        return [copy.deepcopy(s) for s in self._active() if s.guild_id == guild_id]

    async def active(self) -> list[Schedule]:
        """Return every active schedule of every server."""
        return [copy.deepcopy(s) for s in self._active()]

    async def by_event(self, event_id: int) -> Schedule | None:
        """Return the schedule whose Discord event this is, or None."""
        found = next((s for s in self._active() if s.event_id == event_id), None)
        return copy.deepcopy(found) if found is not None else None

    async def delete(self, schedule_id: int) -> bool:
        """Delete a schedule with its RSVPs and run log; tell if it existed."""
        self.rsvp_rows.pop(schedule_id, None)
        for key in [k for k in self.run_rows if k[0] == schedule_id]:
            del self.run_rows[key]
        return self.schedules.pop(schedule_id, None) is not None

    async def add_rsvp(self, schedule_id: int, user_id: int, at: datetime) -> bool:
        """Note that a user pressed Interested; tell if it is new."""
        rows = self.rsvp_rows.setdefault(schedule_id, [])
        if user_id in rows:
            return False
        rows.append(user_id)
        return True

    async def remove_rsvp(self, schedule_id: int, user_id: int) -> bool:
        """Forget a user's Interested; tell if there was one."""
        rows = self.rsvp_rows.get(schedule_id, [])
        if user_id not in rows:
            return False
        rows.remove(user_id)
        return True

    async def rsvps(self, schedule_id: int) -> list[int]:
        """Return who pressed Interested, in the order they did."""
        return list(self.rsvp_rows.get(schedule_id, []))

    async def set_rsvps(self, schedule_id: int, user_ids: Sequence[int], at: datetime) -> None:
        """Make the RSVP list exactly ``user_ids``, keeping the order of those already in it."""
        wanted = list(dict.fromkeys(user_ids))
        kept = [u for u in self.rsvp_rows.get(schedule_id, []) if u in wanted]
        self.rsvp_rows[schedule_id] = kept + [u for u in wanted if u not in kept]

    async def record_run(self, record: RunRecord) -> None:
        """Store what happened to one occurrence (replacing an earlier record of it)."""
        self.run_rows[(record.schedule_id, record.occurrence)] = record

    async def runs(self, schedule_id: int, limit: int = 10) -> list[RunRecord]:
        """Return the newest occurrence records of a schedule, newest first."""
        mine = [r for (s, _), r in self.run_rows.items() if s == schedule_id]
        return sorted(mine, key=lambda r: r.occurrence, reverse=True)[:limit]

    def _active(self) -> list[Schedule]:
        return [s for _, s in sorted(self.schedules.items()) if s.status is ScheduleStatus.ACTIVE]


@dataclass
class FakeCalendar:
    """The Calendar port recording calls; ``refuse`` makes the next calls fail."""

    calls: list[tuple[str, object]] = field(default_factory=list)
    statuses: list[tuple[int | None, EventStatus]] = field(default_factory=list)
    refuse: CoachError | None = None
    gone: bool = False
    interested_ids: list[int] | None = None
    _ids: int = 900

    async def create(self, schedule: Schedule, start: datetime) -> int:
        """Record a created series and return its id."""
        self._check()
        self._ids += 1
        self.calls.append(("create", start))
        return self._ids

    async def update(self, schedule: Schedule, start: datetime) -> None:
        """Record a moved series."""
        self._check(gone_too=True)
        self.calls.append(("update", start))

    async def set_status(self, schedule: Schedule, status: EventStatus) -> None:
        """Record a status change."""
        self._check(gone_too=True)
        self.calls.append(("status", status))
        self.statuses.append((schedule.event_id, status))

    async def skip(self, schedule: Schedule, occurrence: datetime) -> None:
        """Record a cancelled occurrence."""
        self._check(gone_too=True)
        self.calls.append(("skip", occurrence))

    async def delete(self, schedule: Schedule) -> None:
        """Record a deleted series (a gone one is fine)."""
        self._check()
        self.calls.append(("delete", schedule.event_id))

    async def interested(self, schedule: Schedule) -> list[int] | None:
        """Return the scripted Interested list (None: Discord did not answer)."""
        return None if self.interested_ids is None else list(self.interested_ids)

    def _check(self, gone_too: bool = False) -> None:
        if self.refuse is not None:
            raise self.refuse
        if gone_too and self.gone:
            raise EventGone()


class FakeStarter:
    """The RoundStarter port: each start gives a round that ends when ``finish`` is called."""

    def __init__(self) -> None:
        self.started: list[tuple[int | None, datetime, tuple[int, ...]]] = []
        self.refuse: CoachError | None = None
        self.runs: list[RoundRun] = []
        self._ends: list[asyncio.Event] = []

    async def start(
        self, schedule: Schedule, occurrence: datetime, priority: Sequence[int]
    ) -> RoundRun:
        """Start a round that runs until ``finish``; raise ``refuse`` when set."""
        if self.refuse is not None:
            raise self.refuse
        self.started.append((schedule.id, occurrence, tuple(priority)))
        round_ = Round(
            guild_id=schedule.guild_id,
            voice_channel_id=schedule.channel_id,
            host_id=schedule.creator_id or 0,
            kind=schedule.kind,
            level=schedule.level,
            language=schedule.language,
            turns_each=schedule.questions_each,
            created_at=occurrence,
            mode=RoundMode.GROUP,
            priority=tuple(priority),
            id=len(self.runs) + 1,
        )
        run = RoundRun(round_, FakeRoundChannel(), RecordingPresenter(), 0.0)
        end = asyncio.Event()
        self._ends.append(end)
        run.task = asyncio.create_task(_until(end), name=f"fake-round-{round_.id}")
        self.runs.append(run)
        return run

    def finish(self) -> None:
        """End every round started so far."""
        for end in self._ends:
            end.set()


async def _until(end: asyncio.Event) -> None:
    await end.wait()


@dataclass
class RecordingAnnouncer:
    """The Announcer port recording reminders and notes."""

    reminders: list[tuple[int | None, datetime, tuple[int, ...]]] = field(default_factory=list)
    notices: list[tuple[int | None, Notice]] = field(default_factory=list)

    async def remind(
        self, schedule: Schedule, occurrence: datetime, user_ids: Sequence[int]
    ) -> None:
        """Record a reminder and whom it mentions."""
        self.reminders.append((schedule.id, occurrence, tuple(user_ids)))

    async def notice(self, schedule: Schedule, notice: Notice) -> None:
        """Record a note."""
        self.notices.append((schedule.id, notice))


if TYPE_CHECKING:
    from bot.rounds.schedule_ports import Announcer, Calendar, RoundStarter, ScheduleStore

    _store: ScheduleStore = InMemoryScheduleStore()
    _calendar: Calendar = FakeCalendar()
    _starter: RoundStarter = FakeStarter()
    _announcer: Announcer = RecordingAnnouncer()
