"""The story store: each user's STAR stories and the answers that told them."""

from __future__ import annotations

import json
import logging
from datetime import datetime

import aiosqlite

from bot.catalog import Language
from bot.stories.models import Story, StoryDraft, Telling
from storage.db import Database
from storage.timestamps import from_text, to_text

log = logging.getLogger(__name__)


def _words(raw: str) -> tuple[str, ...]:
    return tuple(str(w) for w in json.loads(raw))


class SqliteStoryStore:
    """The StoryStore port on SQLite."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def stories(self, user_id: int) -> list[Story]:
        """Return the user's stories with their tellings, oldest story first."""
        tellings: dict[int, list[Telling]] = {}
        for t in await self._rows(
            "SELECT * FROM story_tellings WHERE user_id = ? ORDER BY at, id", (user_id,)
        ):
            tellings.setdefault(t["story_id"], []).append(_telling(t))
        rows = await self._rows("SELECT * FROM stories WHERE user_id = ? ORDER BY id", (user_id,))
        return [
            Story(
                id=r["id"],
                user_id=r["user_id"],
                title=r["title"],
                competencies=_words(r["competencies"]),
                terms=_words(r["terms"]),
                strong=_words(r["strong"]),
                language=Language(r["language"]),
                created_at=from_text(r["created_at"]),
                updated_at=from_text(r["updated_at"]),
                tellings=tuple(tellings.get(r["id"], ())),
            )
            for r in rows
        ]

    async def add_story(
        self, user_id: int, draft: StoryDraft, telling: Telling, language: Language
    ) -> Story:
        """Bank a new story told by one answer and return it with its id."""
        at = to_text(telling.at)
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT OR IGNORE INTO users (id, created_at) VALUES (?, ?)", (user_id, at)
            )
            cur = await conn.execute(
                "INSERT INTO stories (user_id, title, competencies, terms, strong, language,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    user_id,
                    draft.title,
                    json.dumps(list(draft.competencies)),
                    json.dumps(list(draft.terms), ensure_ascii=False),
                    json.dumps(list(draft.strong), ensure_ascii=False),
                    language.value,
                    at,
                    at,
                ),
            )
            story_id = cur.lastrowid
            assert story_id is not None
            await _insert_telling(conn, story_id, user_id, telling)
        return Story(
            id=story_id,
            user_id=user_id,
            title=draft.title,
            competencies=draft.competencies,
            terms=draft.terms,
            strong=draft.strong,
            language=language,
            created_at=telling.at,
            updated_at=telling.at,
            tellings=(telling,),
        )

    async def add_telling(
        self,
        story_id: int,
        telling: Telling,
        terms: tuple[str, ...],
        strong: tuple[str, ...],
        competencies: tuple[str, ...],
    ) -> None:
        """Record another answer that told a story, with the story's widened words."""
        async with self._db.transaction() as conn:
            async with conn.execute("SELECT user_id FROM stories WHERE id = ?", (story_id,)) as cur:
                row = await cur.fetchone()
            if row is None:
                return  # deleted meanwhile: the answer stays, the bank does not grow back
            await conn.execute(
                "UPDATE stories SET terms = ?, strong = ?, competencies = ?, updated_at = ?"
                " WHERE id = ?",
                (
                    json.dumps(list(terms), ensure_ascii=False),
                    json.dumps(list(strong), ensure_ascii=False),
                    json.dumps(list(competencies)),
                    to_text(telling.at),
                    story_id,
                ),
            )
            await _insert_telling(conn, story_id, int(row[0]), telling)

    async def rename(self, user_id: int, story_id: int, title: str, now: datetime) -> bool:
        """Rename one of the user's stories; False when it is not theirs."""
        async with self._db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE stories SET title = ?, updated_at = ? WHERE id = ? AND user_id = ?",
                (title, to_text(now), story_id, user_id),
            )
        return cur.rowcount > 0

    async def merge(
        self,
        user_id: int,
        keep_id: int,
        other_id: int,
        terms: tuple[str, ...],
        strong: tuple[str, ...],
        competencies: tuple[str, ...],
        now: datetime,
    ) -> bool:
        """Move ``other_id``'s tellings into ``keep_id`` and drop ``other_id``, in one step."""
        if keep_id == other_id:
            return False
        async with self._db.transaction() as conn:
            async with conn.execute(
                "SELECT COUNT(*) FROM stories WHERE user_id = ? AND id IN (?, ?)",
                (user_id, keep_id, other_id),
            ) as cur:
                row = await cur.fetchone()
            if row is None or row[0] != 2:
                return False
            await conn.execute(
                "UPDATE story_tellings SET story_id = ? WHERE story_id = ?", (keep_id, other_id)
            )
            await conn.execute(
                "UPDATE stories SET terms = ?, strong = ?, competencies = ?, updated_at = ?"
                " WHERE id = ?",
                (
                    json.dumps(list(terms), ensure_ascii=False),
                    json.dumps(list(strong), ensure_ascii=False),
                    json.dumps(list(competencies)),
                    to_text(now),
                    keep_id,
                ),
            )
            await conn.execute("DELETE FROM stories WHERE id = ?", (other_id,))
        return True

    async def delete(self, user_id: int, story_id: int) -> bool:
        """Delete one of the user's stories (the answers stay); False when not theirs."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "DELETE FROM story_tellings WHERE story_id IN"
                " (SELECT id FROM stories WHERE id = ? AND user_id = ?)",
                (story_id, user_id),
            )
            cur = await conn.execute(
                "DELETE FROM stories WHERE id = ? AND user_id = ?", (story_id, user_id)
            )
        return cur.rowcount > 0

    async def prune(self, older_than: datetime) -> int:
        """Delete tellings older than ``older_than`` and stories left with none."""
        async with self._db.transaction() as conn:
            told = await conn.execute(
                "DELETE FROM story_tellings WHERE at < ?", (to_text(older_than),)
            )
            stories = await conn.execute(
                "DELETE FROM stories WHERE updated_at < ? AND id NOT IN"
                " (SELECT story_id FROM story_tellings)",
                (to_text(older_than),),
            )
        return max(told.rowcount, 0) + max(stories.rowcount, 0)

    async def _rows(self, sql: str, params: tuple[object, ...]) -> list[aiosqlite.Row]:
        async with self._db.conn.execute(sql, params) as cur:
            return list(await cur.fetchall())


async def _insert_telling(
    conn: aiosqlite.Connection, story_id: int, user_id: int, telling: Telling
) -> None:
    await conn.execute(
        "INSERT INTO story_tellings (story_id, user_id, session_id, turn_id, number,"
        " question_id, score, excerpt, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            story_id,
            user_id,
            telling.session_id,
            telling.turn_id,
            telling.number,
            telling.question_id,
            telling.score,
            telling.excerpt,
            to_text(telling.at),
        ),
    )


def _telling(t: aiosqlite.Row) -> Telling:
    return Telling(
        turn_id=t["turn_id"],
        session_id=t["session_id"],
        number=t["number"],
        question_id=t["question_id"],
        score=t["score"],
        at=from_text(t["at"]),
        excerpt=t["excerpt"],
    )
