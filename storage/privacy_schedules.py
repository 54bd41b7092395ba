"""Privacy side of the schedule store: schedules a user created, and their RSVPs.

A schedule serves the whole server: erasing its creator keeps it running for the others and
clears the creator id. RSVPs (who pressed Interested on a schedule's event) are the user's
alone and go. The occurrence log names nobody. The export shows the schedules the user
created and the ones they RSVP'd to, and names no other person.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import aiosqlite

from bot.privacy.declarations import (
    ExportPart,
    NotPersonal,
    OnErase,
    PersonalTable,
    StoreDeclaration,
)
from storage.privacy_sql import counts, iso, rows

log = logging.getLogger(__name__)

_COUNTS = {
    "schedule_rsvps": "SELECT COUNT(*) FROM schedule_rsvps WHERE user_id = :u",
    "schedules_created": "SELECT COUNT(*) FROM schedules WHERE creator_id = :u",
}


class SchedulesPersonalData:
    """Scheduled rounds: schedules created (shared with the server) and RSVPs."""

    declaration = StoreDeclaration(
        name="schedules",
        tables=(
            PersonalTable("schedules", user_columns=("creator_id",), on_erase=OnErase.CLEAR),
            PersonalTable("schedule_rsvps", user_columns=("user_id",)),
        ),
        not_personal=(
            NotPersonal("schedule_runs", None, "what happened to each occurrence of a schedule"),
            NotPersonal(
                "schedule_runs",
                "schedule_id",
                "the occurrence log of a server's schedule; names no person",
            ),
            NotPersonal(
                "schedule_runs",
                "round_id",
                "which round an occurrence started; the round's people are the rounds store's",
            ),
        ),
        counts=tuple(_COUNTS),
        shared=("schedules_created",),
    )

    async def count(self, conn: aiosqlite.Connection, user_id: int) -> Mapping[str, int]:
        """Return the user's RSVPs and the schedules they created."""
        return await counts(conn, _COUNTS, user_id)

    async def export(self, conn: aiosqlite.Connection, user_id: int) -> ExportPart:
        """Return the schedules the user created and those they RSVP'd to."""
        p = {"u": user_id}
        created = [
            _schedule(s)
            for s in await rows(
                conn, "SELECT * FROM schedules WHERE creator_id = :u ORDER BY id", p
            )
        ]
        rsvps = [
            {"schedule": _schedule(s), "rsvp_at": iso(s["rsvp_at"])}
            for s in await rows(
                conn,
                "SELECT s.*, r.created_at AS rsvp_at FROM schedule_rsvps r"
                " JOIN schedules s ON s.id = r.schedule_id WHERE r.user_id = :u ORDER BY r.id",
                p,
            )
        ]
        return ExportPart(sections={"schedules": {"created": created, "rsvps": rsvps}})

    async def erase(self, conn: aiosqlite.Connection, user_id: int) -> Mapping[str, int]:
        """Delete the user's RSVPs; keep schedules they created, without their id."""
        p = {"u": user_id}
        await conn.execute("DELETE FROM schedule_rsvps WHERE user_id = :u", p)
        cur = await conn.execute("UPDATE schedules SET creator_id = NULL WHERE creator_id = :u", p)
        return {"schedules_uncredited": max(cur.rowcount, 0)}


def _schedule(s: aiosqlite.Row) -> dict[str, Any]:
    return {
        "id": s["id"],
        "server_id": s["guild_id"],
        "medium": s["medium"],
        "channel_id": s["channel_id"],
        "kind": s["kind"],
        "level": s["level"],
        "language": s["language"],
        "weekday": s["weekday"],
        "time": s["local_time"],
        "timezone": s["timezone"],
        "every_weeks": s["interval_weeks"],
        "status": s["status"],
        "created_at": iso(s["created_at"]),
    }
