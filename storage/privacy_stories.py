"""Privacy side of the story store: the user's stories and the answers that told them.

All of it is the user's alone: export gives every story with its tellings (each with its
excerpt of the user's own answer), erase deletes them, tellings first.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import aiosqlite

from bot.privacy.declarations import ExportPart, PersonalTable, StoreDeclaration, Via
from storage.privacy_sql import counts, decoded, iso, rows

log = logging.getLogger(__name__)

_COUNTS = {
    "stories": "SELECT COUNT(*) FROM stories WHERE user_id = :u",
    "story_tellings": "SELECT COUNT(*) FROM story_tellings WHERE user_id = :u",
}


class StoriesPersonalData:
    """The STAR story bank: stories and their tellings."""

    declaration = StoreDeclaration(
        name="stories",
        tables=(
            PersonalTable("stories", user_columns=("user_id",)),
            PersonalTable(
                "story_tellings",
                user_columns=("user_id",),
                parents=(Via("story_id", "stories"),),
            ),
        ),
        counts=tuple(_COUNTS),
    )

    async def count(self, conn: aiosqlite.Connection, user_id: int) -> Mapping[str, int]:
        """Return the user's stories and tellings."""
        return await counts(conn, _COUNTS, user_id)

    async def export(self, conn: aiosqlite.Connection, user_id: int) -> ExportPart:
        """Return every story of the user with the answers that told it."""
        p = {"u": user_id}
        tellings: dict[int, list[dict[str, Any]]] = {}
        for t in await rows(
            conn, "SELECT * FROM story_tellings WHERE user_id = :u ORDER BY at, id", p
        ):
            tellings.setdefault(t["story_id"], []).append(
                {
                    "session_id": t["session_id"],
                    "turn_id": t["turn_id"],
                    "question_number": t["number"],
                    "question_id": t["question_id"],
                    "score": t["score"],
                    "excerpt": t["excerpt"],
                    "at": iso(t["at"]),
                }
            )
        stories = [
            {
                "id": s["id"],
                "title": s["title"],
                "competencies": decoded(s["competencies"]),
                "language": s["language"],
                "created_at": iso(s["created_at"]),
                "updated_at": iso(s["updated_at"]),
                "tellings": tellings.get(s["id"], []),
            }
            for s in await rows(conn, "SELECT * FROM stories WHERE user_id = :u ORDER BY id", p)
        ]
        return ExportPart(sections={"stories": stories})

    async def erase(self, conn: aiosqlite.Connection, user_id: int) -> Mapping[str, int]:
        """Delete the user's tellings, then their stories."""
        p = {"u": user_id}
        await conn.execute(
            "DELETE FROM story_tellings WHERE user_id = :u"
            " OR story_id IN (SELECT id FROM stories WHERE user_id = :u)",
            p,
        )
        await conn.execute("DELETE FROM stories WHERE user_id = :u", p)
        return {}
