"""Voice sessions, round consents, round answers and peer ratings."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import aiosqlite

from bot.catalog import Kind, Language, Level
from bot.rounds.model import Participant, Rating, Round, RoundMode, RoundStatus
from bot.rounds.summary import AnswerRecord, RatingRecord
from storage.db import Database
from storage.timestamps import now_text, to_text

log = logging.getLogger(__name__)


async def _ensure_user(conn: aiosqlite.Connection, user_id: int) -> None:
    await conn.execute(
        "INSERT OR IGNORE INTO users (id, created_at) VALUES (?, ?)", (user_id, now_text())
    )


class SqliteRoundStore:
    """The RoundStore port on SQLite."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def create_round(self, round_: Round) -> Round:
        """Insert a round and return it with its id."""
        async with self._db.transaction() as conn:
            await _ensure_user(conn, round_.host_id)
            await conn.execute(
                "INSERT OR IGNORE INTO guilds (id, created_at) VALUES (?, ?)",
                (round_.guild_id, now_text()),
            )
            cur = await conn.execute(
                "INSERT INTO rounds (guild_id, voice_channel_id, thread_id, host_id, mode, kind,"
                " level, language, turns_each, status, created_at, ended_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    round_.guild_id,
                    round_.voice_channel_id,
                    round_.thread_id,
                    round_.host_id,
                    round_.mode.value,
                    round_.kind.value,
                    round_.level.value,
                    round_.language.value,
                    round_.turns_each,
                    round_.status.value,
                    to_text(round_.created_at),
                    to_text(round_.ended_at) if round_.ended_at else None,
                ),
            )
            round_.id = cur.lastrowid
        return round_

    async def save_round(self, round_: Round) -> None:
        """Save the round's own fields and every participant's counters."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE rounds SET thread_id = ?, status = ?, ended_at = ? WHERE id = ?",
                (
                    round_.thread_id,
                    round_.status.value,
                    to_text(round_.ended_at) if round_.ended_at else None,
                    round_.id,
                ),
            )
            for p in round_.participants:
                if p.id is not None:
                    await self._update_participant(conn, p)

    async def get_round(self, round_id: int) -> Round | None:
        """Return a round with its participants, or None."""
        return await self._one("SELECT * FROM rounds WHERE id = ?", (round_id,))

    async def live_round(self, guild_id: int) -> Round | None:
        """Return the newest round of a server that has not ended, or None."""
        return await self._one(
            "SELECT * FROM rounds WHERE guild_id = ? AND status IN ('gathering', 'running')"
            " ORDER BY id DESC LIMIT 1",
            (guild_id,),
        )

    async def end_unfinished(self, at: datetime, keep: set[int] | None = None) -> int:
        """Mark rounds left live by a restart (all but ``keep``) as stopped; return how many."""
        kept = sorted(keep or ())
        marks = ", ".join("?" * len(kept))
        async with self._db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE rounds SET status = 'stopped', ended_at = ?"
                " WHERE status IN ('gathering', 'running')"
                + (f" AND id NOT IN ({marks})" if kept else ""),
                (to_text(at), *kept),
            )
        return cur.rowcount

    async def save_participant(self, round_id: int, participant: Participant) -> Participant:
        """Insert or update one participant (their consent); return it with its id."""
        async with self._db.transaction() as conn:
            if participant.id is None:
                await _ensure_user(conn, participant.user_id)
                cur = await conn.execute(
                    "INSERT INTO round_participants (round_id, user_id, position, consented_at,"
                    " session_id, turns, answered, skipped, left_channel, done)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        round_id,
                        participant.user_id,
                        participant.position,
                        to_text(participant.consented_at),
                        participant.session_id,
                        participant.turns,
                        participant.answered,
                        participant.skipped,
                        int(participant.left),
                        int(participant.done),
                    ),
                )
                participant.id = cur.lastrowid
            else:
                await self._update_participant(conn, participant)
        return participant

    @staticmethod
    async def _update_participant(conn: aiosqlite.Connection, p: Participant) -> None:
        await conn.execute(
            "UPDATE round_participants SET session_id = ?, turns = ?, answered = ?, skipped = ?,"
            " left_channel = ?, done = ? WHERE id = ?",
            (p.session_id, p.turns, p.answered, p.skipped, int(p.left), int(p.done), p.id),
        )

    async def record_answer(
        self,
        round_id: int,
        user_id: int,
        session_id: int | None,
        turn_id: int | None,
        turn_index: int | None,
        score: int | None,
        at: datetime,
    ) -> AnswerRecord:
        """Store one answer given in the round."""
        async with self._db.transaction() as conn:
            async with conn.execute(
                "SELECT id FROM round_participants WHERE round_id = ? AND user_id = ?",
                (round_id, user_id),
            ) as cur:
                row = await cur.fetchone()
            if row is None:
                raise LookupError(f"user {user_id} is not a participant of round {round_id}")
            cur = await conn.execute(
                "INSERT INTO round_answers (round_id, participant_id, session_id, turn_id,"
                " turn_index, score, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (round_id, row[0], session_id, turn_id, turn_index, score, to_text(at)),
            )
            answer_id = cur.lastrowid
        assert answer_id is not None
        return AnswerRecord(answer_id, round_id, user_id, session_id, turn_index, score)

    async def get_answer(self, answer_id: int) -> AnswerRecord | None:
        """Return one round answer, or None."""
        rows = await self._answers("WHERE a.id = ?", (answer_id,))
        return rows[0] if rows else None

    async def answers(self, round_id: int) -> list[AnswerRecord]:
        """Return the round's answers in order."""
        return await self._answers("WHERE a.round_id = ?", (round_id,))

    async def rate(self, answer_id: int, rater_id: int, rating: Rating, at: datetime) -> bool:
        """Store a rater's vote, replacing their earlier one; tell if it replaced one."""
        async with self._db.transaction() as conn:
            await _ensure_user(conn, rater_id)
            async with conn.execute(
                "SELECT 1 FROM peer_ratings WHERE answer_id = ? AND rater_id = ?",
                (answer_id, rater_id),
            ) as cur:
                existed = await cur.fetchone() is not None
            await conn.execute(
                "INSERT INTO peer_ratings (answer_id, rater_id, rating, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (answer_id, rater_id)"
                " DO UPDATE SET rating = excluded.rating, updated_at = excluded.updated_at",
                (answer_id, rater_id, rating.value, to_text(at), to_text(at)),
            )
        return existed

    async def ratings(self, round_id: int) -> list[RatingRecord]:
        """Return every peer rating given in the round."""
        async with self._db.conn.execute(
            "SELECT r.answer_id, r.rater_id, r.rating FROM peer_ratings r"
            " JOIN round_answers a ON a.id = r.answer_id WHERE a.round_id = ? ORDER BY r.id",
            (round_id,),
        ) as cur:
            rows = await cur.fetchall()
        return [RatingRecord(r[0], r[1], Rating(r[2])) for r in rows]

    # ---- internals -----------------------------------------------------------------

    async def _answers(self, where: str, params: tuple[Any, ...]) -> list[AnswerRecord]:
        async with self._db.conn.execute(
            "SELECT a.id, a.round_id, p.user_id, a.session_id, a.turn_index, a.score"
            " FROM round_answers a JOIN round_participants p ON p.id = a.participant_id "
            + where
            + " ORDER BY a.id",
            params,
        ) as cur:
            rows = await cur.fetchall()
        return [AnswerRecord(r[0], r[1], r[2], r[3], r[4], r[5]) for r in rows]

    async def _one(self, sql: str, params: tuple[Any, ...]) -> Round | None:
        async with self._db.conn.execute(sql, params) as cur:
            row = await cur.fetchone()
        if row is None:
            return None
        round_ = Round(
            id=row["id"],
            guild_id=row["guild_id"],
            voice_channel_id=row["voice_channel_id"],
            thread_id=row["thread_id"],
            # A host who deleted their data leaves the round without one.
            host_id=row["host_id"] or 0,
            mode=RoundMode(row["mode"]),
            kind=Kind(row["kind"]),
            level=Level(row["level"]),
            language=Language(row["language"]),
            turns_each=row["turns_each"],
            status=RoundStatus(row["status"]),
            created_at=datetime.fromisoformat(row["created_at"]),
            ended_at=datetime.fromisoformat(row["ended_at"]) if row["ended_at"] else None,
        )
        async with self._db.conn.execute(
            "SELECT * FROM round_participants WHERE round_id = ? ORDER BY position",
            (round_.id,),
        ) as cur:
            rows = await cur.fetchall()
        round_.participants = [
            Participant(
                id=r["id"],
                user_id=r["user_id"],
                position=r["position"],
                consented_at=datetime.fromisoformat(r["consented_at"]),
                session_id=r["session_id"],
                turns=r["turns"],
                answered=r["answered"],
                skipped=r["skipped"],
                left=bool(r["left_channel"]),
                done=bool(r["done"]),
            )
            for r in rows
        ]
        return round_
