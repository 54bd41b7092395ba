"""Privacy side of the people and servers tables (``users``, ``guilds``).

Registered first, so its erase runs last: the ``users`` row goes after everything that
points at it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import aiosqlite

from bot.privacy.declarations import ExportPart, NotPersonal, PersonalTable, StoreDeclaration
from storage.privacy_sql import iso, rows

log = logging.getLogger(__name__)


class AccountsPersonalData:
    """The user's own row: first seen; erased last."""

    declaration = StoreDeclaration(
        name="accounts",
        tables=(PersonalTable("users", user_columns=("id",)),),
        not_personal=(
            NotPersonal("guilds", None, "Discord server ids and when they were first seen"),
        ),
    )

    async def count(self, conn: aiosqlite.Connection, user_id: int) -> Mapping[str, int]:
        """Return no counts: the user row is reported by ``first_seen`` and ``user_rows``."""
        return {}

    async def export(self, conn: aiosqlite.Connection, user_id: int) -> ExportPart:
        """Return when the user was first seen (None when nothing is stored)."""
        found = await rows(conn, "SELECT created_at FROM users WHERE id = :u", {"u": user_id})
        return ExportPart(header={"first_seen": iso(found[0]["created_at"]) if found else None})

    async def erase(self, conn: aiosqlite.Connection, user_id: int) -> Mapping[str, int]:
        """Delete the user's row; report whether there was one."""
        cur = await conn.execute("DELETE FROM users WHERE id = :u", {"u": user_id})
        return {"user_rows": max(cur.rowcount, 0)}
