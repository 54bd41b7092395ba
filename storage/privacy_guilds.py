"""Privacy side of per-server things: settings, server questions, round-history opt-ins.

Settings and a server's own questions name nobody (no author is kept). A member's opt-in to
showing their round history in a server is theirs: exported, and erased with them.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import aiosqlite

from bot.privacy.declarations import ExportPart, NotPersonal, PersonalTable, StoreDeclaration
from storage.privacy_sql import counts, iso, rows

log = logging.getLogger(__name__)

_COUNTS = {"history_opt_ins": "SELECT COUNT(*) FROM round_history_optins WHERE user_id = :u"}


class GuildsPersonalData:
    """Server settings and questions (nobody's), and members' round-history opt-ins."""

    declaration = StoreDeclaration(
        name="guilds",
        tables=(PersonalTable("round_history_optins", user_columns=("user_id",)),),
        not_personal=(
            NotPersonal("guild_settings", None, "a server's settings: roles, channels, limits"),
            NotPersonal(
                "server_questions", None, "questions a server's moderators added; no author kept"
            ),
        ),
        counts=tuple(_COUNTS),
    )

    async def count(self, conn: aiosqlite.Connection, user_id: int) -> Mapping[str, int]:
        """Return in how many servers the user shares their round history."""
        return await counts(conn, _COUNTS, user_id)

    async def export(self, conn: aiosqlite.Connection, user_id: int) -> ExportPart:
        """Return the servers where the user shares their round history, and since when."""
        found = await rows(
            conn,
            "SELECT guild_id, opted_in_at FROM round_history_optins WHERE user_id = :u ORDER BY id",
            {"u": user_id},
        )
        shared = [{"server_id": r["guild_id"], "since": iso(r["opted_in_at"])} for r in found]
        return ExportPart(sections={"round_history_shared": shared})

    async def erase(self, conn: aiosqlite.Connection, user_id: int) -> Mapping[str, int]:
        """Delete the user's opt-ins."""
        await conn.execute("DELETE FROM round_history_optins WHERE user_id = :u", {"u": user_id})
        return {}
