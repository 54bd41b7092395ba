"""Each server's own questions, on SQLite."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import UTC, datetime

from bot.catalog import Kind, Language, Level, Question
from storage.db import Database

log = logging.getLogger(__name__)


class SqliteServerQuestions:
    """The ServerQuestionStore port on SQLite."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def all(self) -> list[tuple[int, Question]]:
        """Return (server, question) for every stored question, oldest first."""
        async with self._db.conn.execute("SELECT * FROM server_questions ORDER BY id") as cur:
            rows = await cur.fetchall()
        return [
            (
                int(r["guild_id"]),
                Question(
                    id=r["question_id"],
                    kind=Kind(r["kind"]),
                    language=Language(r["language"]),
                    levels=tuple(Level(v) for v in json.loads(r["levels"])),
                    skills=tuple(json.loads(r["skills"])),
                    text=r["text"],
                    hint=r["hint"],
                    keywords=tuple(json.loads(r["keywords"])),
                ),
            )
            for r in rows
        ]

    async def add(self, guild_id: int, questions: Sequence[Question]) -> None:
        """Store questions for a server, all in one transaction."""
        now = datetime.now(UTC).isoformat()
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT OR IGNORE INTO guilds (id, created_at) VALUES (?, ?)", (guild_id, now)
            )
            await conn.executemany(
                "INSERT INTO server_questions (guild_id, question_id, kind, language, levels,"
                " skills, text, hint, keywords, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        guild_id,
                        q.id,
                        q.kind.value,
                        q.language.value,
                        json.dumps([lv.value for lv in q.levels]),
                        json.dumps(list(q.skills)),
                        q.text,
                        q.hint,
                        json.dumps(list(q.keywords), ensure_ascii=False),
                        now,
                    )
                    for q in questions
                ],
            )

    async def remove(self, guild_id: int, question_id: str) -> bool:
        """Delete one of a server's questions; tell if it existed."""
        async with self._db.transaction() as conn:
            cur = await conn.execute(
                "DELETE FROM server_questions WHERE guild_id = ? AND question_id = ?",
                (guild_id, question_id),
            )
        return cur.rowcount > 0
