"""Scheduled rounds, their RSVPs and what happened to each occurrence, on SQLite."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from typing import Any

import aiosqlite

from bot.catalog import Kind, Language, Level
from bot.rounds.model import RoundMedium
from bot.rounds.schedule_ports import RunOutcome, RunRecord
from bot.rounds.schedules import Schedule, ScheduleStatus, Weekday
from storage.db import Database

log = logging.getLogger(__name__)


def _ts(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat()


def _dt(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


async def _ensure(conn: aiosqlite.Connection, table: str, row_id: int, at: str) -> None:
    await conn.execute(
        f"INSERT OR IGNORE INTO {table} (id, created_at) VALUES (?, ?)", (row_id, at)
    )


_COLUMNS = (
    "guild_id",
    "creator_id",
    "medium",
    "channel_id",
    "post_channel_id",
    "kind",
    "level",
    "language",
    "weekday",
    "local_time",
    "timezone",
    "interval_weeks",
    "first_date",
    "duration_minutes",
    "questions_each",
    "reminder_minutes",
    "event_id",
    "event_start",
    "handled_until",
    "reminded_for",
    "skipped",
    "active_event",
    "status",
)


def _values(s: Schedule) -> tuple[Any, ...]:
    return (
        s.guild_id,
        s.creator_id,
        s.medium.value,
        s.channel_id,
        s.post_channel_id,
        s.kind.value,
        s.level.value,
        s.language.value,
        int(s.weekday),
        s.local_time.strftime("%H:%M"),
        s.timezone,
        s.interval_weeks,
        s.first_date.isoformat(),
        s.duration_minutes,
        s.questions_each,
        s.reminder_minutes,
        s.event_id,
        _ts(s.event_start),
        _ts(s.handled_until),
        _ts(s.reminded_for),
        json.dumps([_ts(o) for o in s.skipped]),
        int(s.active_event),
        s.status.value,
    )


def _schedule(row: aiosqlite.Row) -> Schedule:
    created = datetime.fromisoformat(row["created_at"])
    return Schedule(
        id=row["id"],
        guild_id=row["guild_id"],
        creator_id=row["creator_id"],
        medium=RoundMedium(row["medium"]),
        channel_id=row["channel_id"],
        post_channel_id=row["post_channel_id"],
        kind=Kind(row["kind"]),
        level=Level(row["level"]),
        language=Language(row["language"]),
        weekday=Weekday(row["weekday"]),
        local_time=time.fromisoformat(row["local_time"]),
        timezone=row["timezone"],
        interval_weeks=row["interval_weeks"],
        first_date=date.fromisoformat(row["first_date"]),
        duration_minutes=row["duration_minutes"],
        questions_each=row["questions_each"],
        reminder_minutes=row["reminder_minutes"],
        created_at=created,
        event_id=row["event_id"],
        event_start=_dt(row["event_start"]),
        handled_until=_dt(row["handled_until"]),
        reminded_for=_dt(row["reminded_for"]),
        skipped=tuple(datetime.fromisoformat(o) for o in json.loads(row["skipped"])),
        active_event=bool(row["active_event"]),
        status=ScheduleStatus(row["status"]),
    )


class SqliteScheduleStore:
    """The ScheduleStore port on SQLite."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(self, schedule: Schedule) -> Schedule:
        """Insert a schedule and return it with its id."""
        now = datetime.now(UTC).isoformat()
        marks = ", ".join("?" * (len(_COLUMNS) + 2))
        async with self._db.transaction() as conn:
            await _ensure(conn, "guilds", schedule.guild_id, now)
            if schedule.creator_id is not None:
                await _ensure(conn, "users", schedule.creator_id, now)
            cur = await conn.execute(
                f"INSERT INTO schedules ({', '.join(_COLUMNS)}, created_at, updated_at)"
                f" VALUES ({marks})",
                (*_values(schedule), _ts(schedule.created_at), now),
            )
            schedule.id = cur.lastrowid
        return schedule

    async def save(self, schedule: Schedule) -> None:
        """Update a schedule's fields."""
        sets = ", ".join(f"{c} = ?" for c in _COLUMNS)
        async with self._db.transaction() as conn:
            await conn.execute(
                f"UPDATE schedules SET {sets}, updated_at = ? WHERE id = ?",
                (*_values(schedule), datetime.now(UTC).isoformat(), schedule.id),
            )

    async def get(self, schedule_id: int) -> Schedule | None:
        """Return one schedule, or None."""
        rows = await self._rows("SELECT * FROM schedules WHERE id = ?", (schedule_id,))
        return _schedule(rows[0]) if rows else None

    async def for_guild(self, guild_id: int) -> list[Schedule]:
        """Return a server's active schedules, oldest first."""
        rows = await self._rows(
            "SELECT * FROM schedules WHERE guild_id = ? AND status = 'active' ORDER BY id",
            (guild_id,),
        )
        return [_schedule(r) for r in rows]

    async def active(self) -> list[Schedule]:
        """Return every active schedule of every server."""
        rows = await self._rows("SELECT * FROM schedules WHERE status = 'active' ORDER BY id", ())
        return [_schedule(r) for r in rows]

    async def by_event(self, event_id: int) -> Schedule | None:
        """Return the schedule whose Discord event this is, or None."""
        rows = await self._rows(
            "SELECT * FROM schedules WHERE event_id = ? AND status = 'active'", (event_id,)
        )
        return _schedule(rows[0]) if rows else None

    async def delete(self, schedule_id: int) -> bool:
        """Delete a schedule with its RSVPs and run log; tell if it existed."""
        async with self._db.transaction() as conn:
            for table in ("schedule_rsvps", "schedule_runs"):
                await conn.execute(f"DELETE FROM {table} WHERE schedule_id = ?", (schedule_id,))
            cur = await conn.execute("DELETE FROM schedules WHERE id = ?", (schedule_id,))
        return cur.rowcount > 0

    async def add_rsvp(self, schedule_id: int, user_id: int, at: datetime) -> bool:
        """Note that a user pressed Interested; tell if it is new."""
        async with self._db.transaction() as conn:
            await _ensure(conn, "users", user_id, datetime.now(UTC).isoformat())
            cur = await conn.execute(
                "INSERT OR IGNORE INTO schedule_rsvps (schedule_id, user_id, created_at)"
                " VALUES (?, ?, ?)",
                (schedule_id, user_id, _ts(at)),
            )
        return cur.rowcount > 0

    async def remove_rsvp(self, schedule_id: int, user_id: int) -> bool:
        """Forget a user's Interested; tell if there was one."""
        async with self._db.transaction() as conn:
            cur = await conn.execute(
                "DELETE FROM schedule_rsvps WHERE schedule_id = ? AND user_id = ?",
                (schedule_id, user_id),
            )
        return cur.rowcount > 0

    async def rsvps(self, schedule_id: int) -> list[int]:
        """Return who pressed Interested, in the order they did."""
        rows = await self._rows(
            "SELECT user_id FROM schedule_rsvps WHERE schedule_id = ? ORDER BY id", (schedule_id,)
        )
        return [int(r[0]) for r in rows]

    async def set_rsvps(self, schedule_id: int, user_ids: Sequence[int], at: datetime) -> None:
        """Make the RSVP list exactly ``user_ids``, keeping the order of those already in it."""
        wanted = list(dict.fromkeys(user_ids))
        async with self._db.transaction() as conn:
            marks = ", ".join("?" * len(wanted))
            await conn.execute(
                "DELETE FROM schedule_rsvps WHERE schedule_id = ?"
                + (f" AND user_id NOT IN ({marks})" if wanted else ""),
                (schedule_id, *wanted),
            )
            now = datetime.now(UTC).isoformat()
            for user_id in wanted:
                await _ensure(conn, "users", user_id, now)
                await conn.execute(
                    "INSERT OR IGNORE INTO schedule_rsvps (schedule_id, user_id, created_at)"
                    " VALUES (?, ?, ?)",
                    (schedule_id, user_id, _ts(at)),
                )

    async def record_run(self, record: RunRecord) -> None:
        """Store what happened to one occurrence (replacing an earlier record of it)."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO schedule_runs (schedule_id, occurrence, outcome, round_id, detail, at)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (schedule_id, occurrence) DO UPDATE SET"
                " outcome = excluded.outcome, round_id = excluded.round_id,"
                " detail = excluded.detail, at = excluded.at",
                (
                    record.schedule_id,
                    _ts(record.occurrence),
                    record.outcome.value,
                    record.round_id,
                    record.detail,
                    _ts(record.at),
                ),
            )

    async def runs(self, schedule_id: int, limit: int = 10) -> list[RunRecord]:
        """Return the newest occurrence records of a schedule, newest first."""
        rows = await self._rows(
            "SELECT * FROM schedule_runs WHERE schedule_id = ? ORDER BY occurrence DESC LIMIT ?",
            (schedule_id, limit),
        )
        return [
            RunRecord(
                schedule_id=r["schedule_id"],
                occurrence=datetime.fromisoformat(r["occurrence"]),
                outcome=RunOutcome(r["outcome"]),
                round_id=r["round_id"],
                detail=r["detail"],
                at=datetime.fromisoformat(r["at"]),
            )
            for r in rows
        ]

    async def _rows(self, sql: str, params: tuple[Any, ...]) -> list[aiosqlite.Row]:
        async with self._db.conn.execute(sql, params) as cur:
            return list(await cur.fetchall())
