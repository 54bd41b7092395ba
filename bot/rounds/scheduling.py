"""Scheduled rounds: create, edit, skip and cancel schedules, and run them from one poller.

``ScheduleService.tick`` is what the poller calls (every 30 s by default): it posts reminders
that are due, starts the rounds that are due (a start missed by less than the grace period
runs late with a note, an older one is skipped and said so), and marks each occurrence
handled *before* starting it, so a restart never runs one twice. The Discord event follows:
ACTIVE when the round starts, COMPLETED when it ends (also for one a restart interrupted),
and the series is moved when daylight saving shifts the next local-time occurrence.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from bot.catalog import Language
from bot.errors import CoachError
from bot.rounds.model import RoundMedium
from bot.rounds.ports import Clock
from bot.rounds.run import RoundRun
from bot.rounds.schedule_ports import (
    Announcer,
    Calendar,
    EventStatus,
    Notice,
    NoticeKind,
    RoundStarter,
    RunOutcome,
    RunRecord,
    ScheduleStore,
)
from bot.rounds.schedules import (
    Action,
    Due,
    Occurrences,
    Schedule,
    ScheduleChanges,
    ScheduleError,
    ScheduleRequest,
    ScheduleStatus,
    check_numbers,
    collides,
    due,
    first_date_for,
    handled,
    needs_resync,
    reminder_due,
    skip_next,
)

log = logging.getLogger(__name__)

DEFAULT_GRACE = timedelta(minutes=15)
MAX_SCHEDULES_PER_SERVER = 10
SHOWN_OCCURRENCES = 3


class EventGone(ScheduleError):
    """The schedule's Discord event no longer exists (someone deleted it)."""

    def __init__(self, language: Language = Language.EN) -> None:
        super().__init__("event_gone", language)


class ScheduleService:
    """Keep each server's schedules, their Discord events and RSVPs, and run them on time."""

    def __init__(
        self,
        store: ScheduleStore,
        calendar: Calendar,
        starter: RoundStarter,
        announcer: Announcer,
        clock: Clock,
        *,
        grace: timedelta = DEFAULT_GRACE,
    ) -> None:
        self.store = store
        self.calendar = calendar
        self.starter = starter
        self.announcer = announcer
        self.clock = clock
        self.grace = grace
        # Commands and the poller change schedules one at a time.
        self._lock = asyncio.Lock()
        self._watching: dict[int, asyncio.Task[None]] = {}

    # ---- moderators' commands --------------------------------------------------------

    async def create(self, request: ScheduleRequest) -> Schedule:
        """Validate, create the Discord event series, then store the schedule."""
        now = self.clock.now()
        lang = request.language
        schedule = Schedule(
            guild_id=request.guild_id,
            channel_id=request.channel_id,
            post_channel_id=request.post_channel_id,
            medium=request.medium,
            creator_id=request.creator_id,
            kind=request.kind,
            level=request.level,
            language=lang,
            weekday=request.weekday,
            local_time=request.local_time,
            timezone=request.timezone,
            interval_weeks=request.interval_weeks,
            first_date=now.date(),
            duration_minutes=request.duration_minutes,
            questions_each=request.questions_each,
            reminder_minutes=request.reminder_minutes,
            created_at=now,
        )
        check_numbers(schedule)
        schedule.first_date = first_date_for(
            request.weekday, request.local_time, schedule.zone, now, request.start_date, lang
        )
        async with self._lock:
            existing = await self.store.for_guild(request.guild_id)
            if len(existing) >= MAX_SCHEDULES_PER_SERVER:
                raise ScheduleError("too_many", lang, limit=MAX_SCHEDULES_PER_SERVER)
            self._check_collisions(schedule, existing, now)
            start = schedule.upcoming(now)
            schedule.event_id = await self.calendar.create(schedule, start)
            schedule.event_start = start
            try:
                stored = await self.store.create(schedule)
            except BaseException:
                # Nothing half-made: the Discord event goes with the schedule that failed.
                await self._quietly_delete(schedule)
                raise
        log.info(
            "Schedule %s created in guild %s (event %s)",
            stored.id,
            stored.guild_id,
            stored.event_id,
        )
        return stored

    async def edit(
        self, guild_id: int, schedule_id: int, changes: ScheduleChanges, language: Language
    ) -> Schedule:
        """Change a schedule and move its Discord event; no change just repairs the event."""
        now = self.clock.now()
        async with self._lock:
            current = await self._own(guild_id, schedule_id, language)
            updates = {
                name: value
                for name in ScheduleChanges.__dataclass_fields__
                if (value := getattr(changes, name)) is not None
            }
            edited = replace(current, **updates)
            if changes.moves_time:
                edited.first_date = first_date_for(
                    edited.weekday, edited.local_time, edited.zone, now, None, edited.language
                )
                # The old pattern's occurrences are gone: none of them is due or skipped now.
                edited.handled_until = now
                edited.skipped = ()
                edited.reminded_for = None
            check_numbers(edited)
            others = [s for s in await self.store.for_guild(guild_id) if s.id != current.id]
            self._check_collisions(edited, others, now)
            start = edited.upcoming(now)
            if edited.event_id is None:
                edited.event_id = await self.calendar.create(edited, start)
            else:
                try:
                    await self.calendar.update(edited, start)
                except EventGone:
                    log.info("Event of schedule %s was deleted; creating a new one", schedule_id)
                    edited.event_id = await self.calendar.create(edited, start)
            edited.event_start = start
            await self.store.save(edited)
        return edited

    async def skip_next(
        self, guild_id: int, schedule_id: int, language: Language
    ) -> tuple[Schedule, datetime]:
        """Skip the next occurrence (here and in the Discord event); return it."""
        now = self.clock.now()
        async with self._lock:
            current = await self._own(guild_id, schedule_id, language)
            edited, occurrence = skip_next(current, now)
            if current.event_id is None:
                raise EventGone(language)
            await self.calendar.skip(current, occurrence)
            await self.store.save(edited)
        return edited, occurrence

    async def cancel(self, guild_id: int, schedule_id: int, language: Language) -> Schedule:
        """End the Discord event series, then forget the schedule."""
        async with self._lock:
            current = await self._own(guild_id, schedule_id, language)
            if current.event_id is not None:
                # A refusal (no permission) leaves the schedule as it was.
                await self.calendar.delete(current)
            await self.store.delete(schedule_id)
        log.info("Schedule %s of guild %s cancelled", schedule_id, guild_id)
        return replace(current, status=ScheduleStatus.CANCELLED)

    async def listing(self, guild_id: int) -> list[Occurrences]:
        """Return the server's schedules with their next occurrences and RSVP counts."""
        now = self.clock.now()
        found = []
        for schedule in await self.store.for_guild(guild_id):
            assert schedule.id is not None
            upcoming: list[datetime] = []
            skipped: list[datetime] = []
            for occurrence in schedule.occurrences(now):
                target = skipped if schedule.is_skipped(occurrence) else upcoming
                target.append(occurrence)
                if len(upcoming) >= SHOWN_OCCURRENCES:
                    break
            rsvps = len(await self.store.rsvps(schedule.id))
            found.append(Occurrences(schedule, upcoming, skipped, rsvps))
        return found

    async def get(self, guild_id: int, schedule_id: int, language: Language) -> Schedule:
        """Return one of the server's schedules, or raise "not_found"."""
        return await self._own(guild_id, schedule_id, language)

    # ---- Discord events --------------------------------------------------------------

    async def rsvp(self, guild_id: int, event_id: int, user_id: int, added: bool) -> bool:
        """Record a press (or un-press) of Interested on a schedule's event; tell if it is ours."""
        schedule = await self.store.by_event(event_id)
        if schedule is None or schedule.guild_id != guild_id or schedule.id is None:
            return False
        if added:
            await self.store.add_rsvp(schedule.id, user_id, self.clock.now())
        else:
            await self.store.remove_rsvp(schedule.id, user_id)
        log.info(
            "RSVP %s for schedule %s by user %s",
            "added" if added else "removed",
            schedule.id,
            user_id,
        )
        return True

    async def event_deleted(self, guild_id: int, event_id: int) -> bool:
        """Forget a deleted Discord event; the schedule keeps running (edit re-creates it)."""
        async with self._lock:
            schedule = await self.store.by_event(event_id)
            if schedule is None or schedule.guild_id != guild_id:
                return False
            schedule.event_id = None
            schedule.event_start = None
            schedule.active_event = False
            await self.store.save(schedule)
        log.info("Event %s of schedule %s was deleted in Discord", event_id, schedule.id)
        return True

    # ---- the poller ------------------------------------------------------------------

    async def tick(self) -> int:
        """Post due reminders and start due rounds; return how many occurrences were handled."""
        now = self.clock.now()
        handled_now = 0
        for schedule in await self.store.active():
            try:
                async with self._lock:
                    fresh = await self.store.get(schedule.id or 0)
                    if fresh is None or fresh.status is not ScheduleStatus.ACTIVE:
                        continue
                    fresh, did = await self._handle_due(fresh, now)
                    handled_now += did
                    await self._remind(fresh, now)
            except Exception:
                log.exception("Schedule %s could not be handled", schedule.id)
        return handled_now

    async def recover(self) -> int:
        """Complete Discord events a restart left active; return how many."""
        done = 0
        async with self._lock:
            for schedule in await self.store.active():
                if schedule.active_event:
                    await self._complete(schedule)
                    done += 1
        return done

    async def wait_idle(self) -> None:
        """Wait until every round started by a schedule has ended and its event completed."""
        while self._watching:
            await asyncio.gather(*list(self._watching.values()), return_exceptions=True)

    async def shutdown(self) -> None:
        """Stop waiting for rounds (the bot is closing; their events complete at next start)."""
        for task in list(self._watching.values()):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._watching.clear()

    # ---- internals -------------------------------------------------------------------

    async def _own(self, guild_id: int, schedule_id: int, language: Language) -> Schedule:
        schedule = await self.store.get(schedule_id)
        if schedule is None or schedule.guild_id != guild_id:
            raise ScheduleError("not_found", language, schedule_id=schedule_id)
        return schedule

    def _check_collisions(
        self, schedule: Schedule, others: Sequence[Schedule], now: datetime
    ) -> None:
        for other in others:
            if other.status is not ScheduleStatus.ACTIVE:
                continue
            # The bot is in one voice channel per server: two voice schedules also collide.
            both_voice = schedule.medium is other.medium is RoundMedium.VOICE
            probe = replace(other, channel_id=schedule.channel_id) if both_voice else other
            when = collides(schedule, probe, now)
            if when is not None:
                raise ScheduleError(
                    "collision",
                    schedule.language,
                    other=other.id,
                    channel_id=other.channel_id,
                    when=int(when.timestamp()),
                )

    async def _handle_due(self, schedule: Schedule, now: datetime) -> tuple[Schedule, int]:
        found = due(schedule, now, self.grace)
        if found is None:
            return schedule, 0
        schedule = handled(schedule, found.occurrence)
        # Marked before anything starts: a crash from here on never runs it twice.
        await self.store.save(schedule)
        if found.action is Action.SKIPPED:
            await self._record(schedule, found, RunOutcome.SKIPPED, None, None)
            await self._move_series(schedule, now)
        elif found.action is Action.MISSED:
            await self._record(schedule, found, RunOutcome.MISSED, None, None)
            await self._notice(
                schedule,
                Notice(NoticeKind.MISSED, found.occurrence, also_missed=found.also_missed),
            )
            await self._move_series(schedule, now)
        else:
            schedule = await self._launch(schedule, found, now)
        return schedule, 1

    async def _launch(self, schedule: Schedule, found: Due, now: datetime) -> Schedule:
        rsvps = await self._rsvps(schedule, now)
        if await self._set_status(schedule, EventStatus.ACTIVE):
            schedule.active_event = True
            await self.store.save(schedule)
        try:
            run = await self.starter.start(schedule, found.occurrence, rsvps)
        except CoachError as exc:
            log.info("Schedule %s could not start: %s", schedule.id, exc.key or exc)
            await self._record(schedule, found, RunOutcome.FAILED, None, exc.key)
            reason = exc.message_in(schedule.language)
            await self._notice(schedule, Notice(NoticeKind.FAILED, found.occurrence, reason=reason))
            return await self._complete(schedule)
        except Exception:
            log.exception("Schedule %s failed to start its round", schedule.id)
            await self._record(schedule, found, RunOutcome.FAILED, None, "error")
            await self._notice(schedule, Notice(NoticeKind.FAILED, found.occurrence))
            return await self._complete(schedule)
        late = found.action is Action.LATE
        outcome = RunOutcome.LATE if late else RunOutcome.RAN
        await self._record(schedule, found, outcome, run.round.id, None)
        if late:
            minutes = max(1, int((now - found.occurrence).total_seconds() // 60))
            await self._notice(
                schedule, Notice(NoticeKind.LATE, found.occurrence, minutes_late=minutes)
            )
        self._watch(schedule, run)
        log.info("Schedule %s started round %s (%s)", schedule.id, run.round.id, outcome.value)
        return schedule

    def _watch(self, schedule: Schedule, run: RoundRun) -> None:
        assert schedule.id is not None
        schedule_id = schedule.id
        task = asyncio.create_task(self._after(schedule_id, run), name=f"mb-schedule-{schedule_id}")
        self._watching[schedule_id] = task
        task.add_done_callback(lambda t: self._forget(schedule_id, t))

    def _forget(self, schedule_id: int, task: asyncio.Task[None]) -> None:
        if self._watching.get(schedule_id) is task:
            del self._watching[schedule_id]

    async def _after(self, schedule_id: int, run: RoundRun) -> None:
        """Wait for the round to end, then complete the occurrence's event."""
        if run.task is not None:
            with contextlib.suppress(Exception):
                await asyncio.shield(run.task)
        async with self._lock:
            schedule = await self.store.get(schedule_id)
            if schedule is not None:
                await self._complete(schedule)

    async def _complete(self, schedule: Schedule) -> Schedule:
        """Mark the occurrence's event completed and line the series up with the next one."""
        if schedule.active_event:
            await self._set_status(schedule, EventStatus.COMPLETED)
            schedule.active_event = False
        await self._move_series(schedule, self.clock.now())
        return schedule

    async def _move_series(self, schedule: Schedule, now: datetime) -> None:
        """Move the Discord series when its UTC steps no longer meet the local-time occurrence."""
        if schedule.status is not ScheduleStatus.ACTIVE:
            return
        upcoming = schedule.upcoming(now)
        if schedule.event_id is not None and needs_resync(schedule, upcoming):
            try:
                await self.calendar.update(schedule, upcoming)
            except CoachError as exc:
                log.info("Could not move the event of schedule %s: %s", schedule.id, exc.key)
            except Exception:
                log.warning("Could not move the event of schedule %s", schedule.id, exc_info=True)
        schedule.event_start = upcoming
        await self.store.save(schedule)

    async def _remind(self, schedule: Schedule, now: datetime) -> None:
        occurrence = reminder_due(schedule, now)
        if occurrence is None:
            return
        rsvps = await self._rsvps(schedule, now)
        schedule.reminded_for = occurrence
        # Saved first: a failing channel must not make every tick post it again.
        await self.store.save(schedule)
        try:
            await self.announcer.remind(schedule, occurrence, rsvps)
        except Exception:
            log.warning("Could not post the reminder of schedule %s", schedule.id, exc_info=True)

    async def _rsvps(self, schedule: Schedule, now: datetime) -> list[int]:
        """Return the RSVP list, refreshed from Discord when it answers (events missed offline)."""
        assert schedule.id is not None
        if schedule.event_id is not None:
            try:
                fresh = await self.calendar.interested(schedule)
            except Exception:
                log.warning("Could not read the RSVPs of schedule %s", schedule.id, exc_info=True)
                fresh = None
            if fresh is not None:
                await self.store.set_rsvps(schedule.id, fresh, now)
        return await self.store.rsvps(schedule.id)

    async def _set_status(self, schedule: Schedule, status: EventStatus) -> bool:
        if schedule.event_id is None:
            return False
        try:
            await self.calendar.set_status(schedule, status)
        except CoachError as exc:
            log.info("Event of schedule %s not set %s: %s", schedule.id, status.name, exc.key)
            return False
        except Exception:
            log.warning("Event of schedule %s not set %s", schedule.id, status.name, exc_info=True)
            return False
        return True

    async def _record(
        self,
        schedule: Schedule,
        found: Due,
        outcome: RunOutcome,
        round_id: int | None,
        detail: str | None,
    ) -> None:
        assert schedule.id is not None
        record = RunRecord(
            schedule.id, found.occurrence, outcome, round_id, detail, self.clock.now()
        )
        try:
            await self.store.record_run(record)
        except Exception:
            log.warning("Could not log occurrence of schedule %s", schedule.id, exc_info=True)

    async def _notice(self, schedule: Schedule, notice: Notice) -> None:
        try:
            await self.announcer.notice(schedule, notice)
        except Exception:
            log.warning("Could not post a note for schedule %s", schedule.id, exc_info=True)

    async def _quietly_delete(self, schedule: Schedule) -> None:
        try:
            await self.calendar.delete(schedule)
        except Exception:
            log.warning("Could not delete the event of an unsaved schedule", exc_info=True)
