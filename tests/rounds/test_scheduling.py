"""The schedule service on a fake clock: create, refuse, remind, run, complete, and restart."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from bot.catalog import Kind, Language, Level
from bot.rounds.model import RoundMedium
from bot.rounds.schedule_ports import EventStatus, NoticeKind, RunOutcome, ScheduleStore
from bot.rounds.schedules import ScheduleChanges, ScheduleError, ScheduleRequest, Weekday
from bot.rounds.scheduling import ScheduleService
from storage.db import Database
from storage.schedules import SqliteScheduleStore
from tests.fakes.clock import FixedClock
from tests.fakes.schedules import (
    FakeCalendar,
    FakeStarter,
    InMemoryScheduleStore,
    RecordingAnnouncer,
)

# Sunday 1 March 2026, noon UTC; the round is Sundays 19:00 in New York (00:00 UTC Monday).
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
FIRST = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
SECOND = datetime(2026, 3, 8, 23, 0, tzinfo=UTC)  # 19:00 EDT after the spring change
ALICE, BOB, CAROL = 101, 102, 103


def request(**changes: object) -> ScheduleRequest:
    base: dict[str, object] = dict(
        guild_id=1,
        creator_id=ALICE,
        medium=RoundMedium.VOICE,
        channel_id=10,
        post_channel_id=11,
        kind=Kind.BEHAVIORAL,
        level=Level.MID,
        language=Language.EN,
        weekday=Weekday.SUNDAY,
        local_time=time(19, 0),
        timezone="America/New_York",
        reminder_minutes=60,
    )
    base.update(changes)
    return ScheduleRequest(**base)  # type: ignore[arg-type]


class World:
    """A service on a fake clock, with fakes for Discord and the rounds."""

    def __init__(self, store: ScheduleStore, clock: FixedClock | None = None) -> None:
        self.store = store
        self.clock = clock or FixedClock(NOW)
        self.calendar = FakeCalendar()
        self.starter = FakeStarter()
        self.announcer = RecordingAnnouncer()
        self.service = ScheduleService(
            store, self.calendar, self.starter, self.announcer, self.clock
        )

    def restart(self) -> World:
        """A new process: new service, same store and clock."""
        return World(self.store, self.clock)


@pytest.fixture
def world() -> World:
    return World(InMemoryScheduleStore())


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database(tmp_path / "schedules.sqlite3").open()
    yield database
    await database.close()


async def test_create_makes_the_event_series_then_stores_the_schedule(world: World) -> None:
    s = await world.service.create(request())
    assert s.id == 1 and s.event_id == 901
    assert world.calendar.calls == [("create", FIRST)]
    assert s.first_date == date(2026, 3, 1)
    assert (await world.store.get(1)) is not None


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"start_date": date(2026, 2, 22)}, "in_past"),
        ({"start_date": date(2026, 3, 3)}, "date_not_weekday"),
        ({"local_time": time(19, 30)}, "collision"),
        ({"medium": RoundMedium.VOICE, "channel_id": 77, "local_time": time(19, 15)}, "collision"),
        ({"duration_minutes": 5}, "bad_duration"),
    ],
)
async def test_bad_requests_are_refused_and_leave_existing_schedules_alone(
    world: World, changes: dict[str, object], reason: str
) -> None:
    first = await world.service.create(request())
    before = await world.store.get(1)
    with pytest.raises(ScheduleError) as refused:
        await world.service.create(request(**changes))
    assert refused.value.reason == reason
    assert await world.store.get(1) == before and first.id == 1
    assert len(await world.store.active()) == 1
    assert [c for c, _ in world.calendar.calls] == ["create"]


async def test_a_text_round_in_another_channel_at_the_same_time_is_fine(world: World) -> None:
    await world.service.create(request())
    other = await world.service.create(request(medium=RoundMedium.TEXT, channel_id=12))
    assert other.id == 2


async def test_no_permission_for_events_stores_nothing(world: World) -> None:
    world.calendar.refuse = ScheduleError("missing_event_permission")
    with pytest.raises(ScheduleError) as refused:
        await world.service.create(request())
    assert refused.value.reason == "missing_event_permission"
    assert await world.store.active() == []


async def test_reminder_mentions_only_those_who_rsvpd_and_comes_once(world: World) -> None:
    s = await world.service.create(request())
    assert s.event_id is not None
    assert await world.service.rsvp(1, s.event_id, BOB, True)
    assert await world.service.rsvp(1, s.event_id, CAROL, True)
    assert await world.service.rsvp(1, s.event_id, CAROL, False)
    assert not await world.service.rsvp(1, 4242, ALICE, True)  # not our event
    assert not await world.service.rsvp(2, s.event_id, ALICE, True)  # another server
    world.clock.at = FIRST - timedelta(minutes=61)
    await world.service.tick()
    assert world.announcer.reminders == []
    world.clock.at = FIRST - timedelta(minutes=59)
    await world.service.tick()
    await world.service.tick()
    assert world.announcer.reminders == [(1, FIRST, (BOB,))]


async def test_discords_list_replaces_missed_rsvp_events(world: World) -> None:
    s = await world.service.create(request())
    assert s.event_id is not None
    await world.service.rsvp(1, s.event_id, BOB, True)
    world.calendar.interested_ids = [CAROL, BOB]
    world.clock.at = FIRST - timedelta(minutes=30)
    await world.service.tick()
    assert world.announcer.reminders == [(1, FIRST, (BOB, CAROL))]


async def test_the_round_starts_active_and_completes_when_it_ends(world: World) -> None:
    s = await world.service.create(request())
    assert s.event_id is not None
    await world.service.rsvp(1, s.event_id, BOB, True)
    world.clock.at = FIRST + timedelta(seconds=20)
    assert await world.service.tick() == 1
    assert world.starter.started == [(1, FIRST, (BOB,))]
    assert world.calendar.statuses == [(s.event_id, EventStatus.ACTIVE)]
    assert world.announcer.notices == []
    assert await world.service.tick() == 0  # handled once
    world.starter.finish()
    await world.service.wait_idle()
    assert world.calendar.statuses[-1] == (s.event_id, EventStatus.COMPLETED)
    # Discord steps the series a week in UTC, but 19:00 moved to 23:00 UTC: the series moves.
    assert ("update", SECOND) in world.calendar.calls
    stored = await world.store.get(1)
    assert stored is not None and stored.event_start == SECOND and not stored.active_event
    (run,) = await world.store.runs(1)
    assert run.outcome is RunOutcome.RAN and run.round_id == 1


async def test_a_round_that_cannot_start_is_said_and_its_event_completed(world: World) -> None:
    await world.service.create(request())
    world.starter.refuse = ScheduleError("channel_hidden", channel_id=10)
    world.clock.at = FIRST
    await world.service.tick()
    ((_, notice),) = world.announcer.notices
    assert notice.kind is NoticeKind.FAILED
    assert notice.reason is not None and "<#10>" in notice.reason
    assert [s for _, s in world.calendar.statuses] == [EventStatus.ACTIVE, EventStatus.COMPLETED]
    (run,) = await world.store.runs(1)
    assert run.outcome is RunOutcome.FAILED


async def test_skip_next_cancels_one_occurrence_here_and_in_discord(world: World) -> None:
    await world.service.create(request())
    _, which = await world.service.skip_next(1, 1, Language.EN)
    assert which == FIRST and ("skip", FIRST) in world.calendar.calls
    world.clock.at = FIRST + timedelta(minutes=1)
    await world.service.tick()
    assert world.starter.started == []
    world.clock.at = SECOND
    await world.service.tick()
    assert [o for _, o, _ in world.starter.started] == [SECOND]
    outcomes = {r.occurrence: r.outcome for r in await world.store.runs(1)}
    assert outcomes == {FIRST: RunOutcome.SKIPPED, SECOND: RunOutcome.RAN}
    world.starter.finish()
    await world.service.wait_idle()


async def test_edit_moves_the_schedule_and_repairs_a_deleted_event(world: World) -> None:
    s = await world.service.create(request())
    assert s.event_id is not None
    assert await world.service.event_deleted(1, s.event_id)
    edited = await world.service.edit(1, 1, ScheduleChanges(local_time=time(20, 0)), Language.EN)
    assert edited.event_id == 902 and edited.local_time == time(20, 0)
    assert world.calendar.calls[-1] == ("create", FIRST + timedelta(hours=1))
    world.calendar.gone = True
    again = await world.service.edit(1, 1, ScheduleChanges(), Language.EN)
    assert again.event_id == 903
    with pytest.raises(ScheduleError) as other:
        await world.service.edit(2, 1, ScheduleChanges(), Language.EN)
    assert other.value.reason == "not_found"


async def test_cancel_deletes_the_series_unless_discord_refuses(world: World) -> None:
    await world.service.create(request())
    world.calendar.refuse = ScheduleError("missing_event_permission")
    with pytest.raises(ScheduleError):
        await world.service.cancel(1, 1, Language.EN)
    assert len(await world.store.active()) == 1
    world.calendar.refuse = None
    await world.service.cancel(1, 1, Language.EN)
    assert await world.store.active() == []


@pytest.mark.parametrize("sqlite", [False, True], ids=["memory", "sqlite"])
async def test_a_restart_within_grace_runs_late_with_a_note(
    world: World, db: Database, sqlite: bool
) -> None:
    first = World(SqliteScheduleStore(db)) if sqlite else world
    await first.service.create(request())
    # The bot is down from before the start until ten minutes after it.
    later = first.restart()
    later.clock.at = FIRST + timedelta(minutes=10)
    assert await later.service.recover() == 0
    await later.service.tick()
    assert [o for _, o, _ in later.starter.started] == [FIRST]
    ((_, notice),) = later.announcer.notices
    assert notice.kind is NoticeKind.LATE and notice.minutes_late == 10
    # A third process does not run it again.
    third = later.restart()
    await third.service.tick()
    assert third.starter.started == []
    later.starter.finish()
    await later.service.wait_idle()


@pytest.mark.parametrize("sqlite", [False, True], ids=["memory", "sqlite"])
async def test_a_restart_past_grace_skips_and_says_so(
    world: World, db: Database, sqlite: bool
) -> None:
    first = World(SqliteScheduleStore(db)) if sqlite else world
    await first.service.create(request())
    later = first.restart()
    later.clock.at = SECOND + timedelta(hours=3)  # two occurrences missed
    await later.service.tick()
    assert later.starter.started == []
    ((_, notice),) = later.announcer.notices
    assert notice.kind is NoticeKind.MISSED
    assert notice.occurrence == SECOND and notice.also_missed == 1
    stored = await later.store.get(1)
    assert stored is not None and stored.handled_until == SECOND


async def test_an_event_left_active_by_a_crash_is_completed_at_start(db: Database) -> None:
    first = World(SqliteScheduleStore(db))
    await first.service.create(request())
    first.clock.at = FIRST
    await first.service.tick()
    stored = await first.store.get(1)
    assert stored is not None and stored.active_event
    # The process dies with the round running; the next one completes the event.
    await first.service.shutdown()
    first.starter.finish()
    later = first.restart()
    assert await later.service.recover() == 1
    assert [s for _, s in later.calendar.statuses] == [EventStatus.COMPLETED]
    stored = await later.store.get(1)
    assert stored is not None and not stored.active_event
