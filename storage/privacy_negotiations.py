"""Privacy side of the negotiation store: negotiations and every line said in them.

All of it is the user's alone: export gives each negotiation with its setup, its turns, the
recruiter's budget (revealed in the debrief anyway) and the debrief; erase deletes them,
turns first, without relying on cascades.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import aiosqlite

from bot.privacy.declarations import ExportPart, PersonalTable, StoreDeclaration, Via
from storage.privacy_sql import counts, decoded, flag, iso, rows

log = logging.getLogger(__name__)

USER_NEGOTIATIONS = "SELECT id FROM negotiations WHERE user_id = :u"

_COUNTS = {
    "negotiations": "SELECT COUNT(*) FROM negotiations WHERE user_id = :u",
    "negotiation_messages": (
        f"SELECT COUNT(*) FROM negotiation_turns WHERE negotiation_id IN ({USER_NEGOTIATIONS})"
        " AND speaker = 'candidate'"
    ),
}


class NegotiationsPersonalData:
    """Salary negotiations: every negotiation of the user and everything said in it."""

    declaration = StoreDeclaration(
        name="negotiations",
        tables=(
            PersonalTable("negotiations", user_columns=("user_id",)),
            PersonalTable("negotiation_turns", parents=(Via("negotiation_id", "negotiations"),)),
        ),
        counts=tuple(_COUNTS),
    )

    async def count(self, conn: aiosqlite.Connection, user_id: int) -> Mapping[str, int]:
        """Return the user's negotiations and the messages they wrote in them."""
        return await counts(conn, _COUNTS, user_id)

    async def export(self, conn: aiosqlite.Connection, user_id: int) -> ExportPart:
        """Return every negotiation of the user with its turns and debrief."""
        p = {"u": user_id}
        turns: dict[int, list[dict[str, Any]]] = {}
        for t in await rows(
            conn,
            f"SELECT * FROM negotiation_turns WHERE negotiation_id IN ({USER_NEGOTIATIONS})"
            " ORDER BY negotiation_id, idx",
            p,
        ):
            turns.setdefault(t["negotiation_id"], []).append(
                {
                    "speaker": t["speaker"],
                    "text": t["text"],
                    "offer_on_table": t["offer"],
                    "voice_message": flag(t["spoken"]),
                    "source": t["source"],
                    "at": iso(t["created_at"]),
                }
            )
        found = await rows(
            conn, "SELECT * FROM negotiations WHERE user_id = :u ORDER BY created_at, id", p
        )
        negotiations = [
            {
                "id": n["id"],
                "server_id": n["guild_id"],
                "channel_id": n["channel_id"],
                "language": n["language"],
                "setup": decoded(n["setup"]),
                "seed": n["seed"],
                "recruiter_state": decoded(n["state"]),
                "status": n["status"],
                "debrief": decoded(n["debrief"]),
                "created_at": iso(n["created_at"]),
                "updated_at": iso(n["updated_at"]),
                "turns": turns.get(n["id"], []),
            }
            for n in found
        ]
        return ExportPart(sections={"negotiations": negotiations})

    async def erase(self, conn: aiosqlite.Connection, user_id: int) -> Mapping[str, int]:
        """Delete the user's negotiations and everything said in them."""
        p = {"u": user_id}
        await conn.execute(
            f"DELETE FROM negotiation_turns WHERE negotiation_id IN ({USER_NEGOTIATIONS})", p
        )
        await conn.execute("DELETE FROM negotiations WHERE user_id = :u", p)
        return {}
