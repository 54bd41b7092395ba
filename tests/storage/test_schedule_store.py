"""The schedule store's contract, on SQLite and in memory: round trip, RSVPs, run log."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest

from bot.catalog import Kind, Language, Level
from bot.rounds.model import RoundMedium
from bot.rounds.schedule_ports import RunOutcome, RunRecord, ScheduleStore
from bot.rounds.schedules import Schedule, ScheduleStatus, Weekday
from storage.db import Database
from storage.schedules import SqliteScheduleStore
from tests.fakes.schedules import InMemoryScheduleStore

T = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def schedule(guild_id: int = 1, event_id: int | None = 77) -> Schedule:
    return Schedule(
        guild_id=guild_id,
        channel_id=10,
        post_channel_id=11,
        medium=RoundMedium.TEXT,
        creator_id=5,
        kind=Kind.TECHNICAL,
        level=Level.SENIOR,
        language=Language.KO,
        weekday=Weekday.FRIDAY,
        local_time=time(7, 45),
        timezone="Asia/Seoul",
        interval_weeks=2,
        first_date=date(2026, 11, 27),
        duration_minutes=90,
        questions_each=3,
        reminder_minutes=30,
        created_at=T,
        event_id=event_id,
        event_start=T,
        skipped=(datetime(2026, 12, 11, 22, 45, tzinfo=UTC),),
    )


@pytest.fixture(params=["sqlite", "memory"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[ScheduleStore]:
    if request.param == "memory":
        yield InMemoryScheduleStore()
        return
    db = await Database(tmp_path / "store.sqlite3").open()
    try:
        yield SqliteScheduleStore(db)
    finally:
        await db.close()


async def test_a_schedule_round_trips_with_every_field(store: ScheduleStore) -> None:
    made = await store.create(schedule())
    assert made.id is not None
    assert await store.get(made.id) == made
    made.handled_until = T
    made.active_event = True
    made.reminded_for = T
    await store.save(made)
    assert await store.get(made.id) == made
    assert await store.by_event(77) == made
    assert await store.for_guild(1) == [made] and await store.for_guild(2) == []


async def test_cancelled_schedules_are_not_active(store: ScheduleStore) -> None:
    made = await store.create(schedule())
    other = await store.create(schedule(guild_id=2, event_id=None))
    made.status = ScheduleStatus.CANCELLED
    await store.save(made)
    assert [s.id for s in await store.active()] == [other.id]
    assert await store.by_event(77) is None


async def test_rsvps_keep_their_order_and_follow_discords_list(store: ScheduleStore) -> None:
    made = await store.create(schedule())
    assert made.id is not None
    assert await store.add_rsvp(made.id, 3, T)
    assert await store.add_rsvp(made.id, 1, T)
    assert not await store.add_rsvp(made.id, 3, T)
    assert await store.rsvps(made.id) == [3, 1]
    await store.set_rsvps(made.id, [2, 1], T)
    assert await store.rsvps(made.id) == [1, 2]
    assert await store.remove_rsvp(made.id, 1) and not await store.remove_rsvp(made.id, 1)
    await store.set_rsvps(made.id, [], T)
    assert await store.rsvps(made.id) == []


async def test_the_run_log_keeps_one_record_per_occurrence(store: ScheduleStore) -> None:
    made = await store.create(schedule())
    assert made.id is not None
    await store.record_run(RunRecord(made.id, T, RunOutcome.FAILED, None, "busy", T))
    await store.record_run(RunRecord(made.id, T, RunOutcome.LATE, None, None, T))
    (only,) = await store.runs(made.id)
    assert only.outcome is RunOutcome.LATE and only.detail is None
    assert await store.delete(made.id) and await store.get(made.id) is None
    assert await store.runs(made.id) == [] and not await store.delete(made.id)
