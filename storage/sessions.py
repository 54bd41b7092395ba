"""Session, turn and finding persistence."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

import aiosqlite

from bot.catalog import Kind, Language, Level
from bot.coaching.models import Coaching, Dimension, Evaluation, Evidence, Finding, Severity
from bot.interview.models import Attempt, Session, SessionStatus, Turn, TurnStatus
from bot.interview.ports import SessionOverview
from storage.db import Database
from storage.timestamps import now_text, to_text

log = logging.getLogger(__name__)


# Sessions by where they stand: the newest turn's status (active sessions), a rewind retry.
_NEWEST_TURN_IS = (
    "SELECT s.id FROM sessions s JOIN turns t ON t.session_id = s.id"
    " WHERE s.status = 'active' AND t.status = '{status}'"
    " AND t.idx = (SELECT MAX(idx) FROM turns WHERE session_id = s.id)"
)
_RETRY_SAVED = (
    "SELECT id FROM sessions WHERE rewind_turn_id IS NOT NULL AND rewind_answer IS NOT NULL"
)
_RETRY_WANTED = "SELECT id FROM sessions WHERE rewind_turn_id IS NOT NULL AND rewind_answer IS NULL"


def evaluation_to_json(ev: Evaluation) -> str:
    """Serialise a whole evaluation (findings and details included) for an attempt row."""
    return json.dumps(ev.to_dict(), ensure_ascii=False)


def evaluation_from_json(raw: str) -> Evaluation:
    """Rebuild an evaluation written by ``evaluation_to_json`` (or by an older version)."""
    return Evaluation.from_dict(json.loads(raw))


class SqliteSessionStore:
    """The SessionStore port on SQLite."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def _ensure_owner(self, conn: aiosqlite.Connection, session: Session) -> None:
        now = now_text()
        await conn.execute(
            "INSERT OR IGNORE INTO users (id, created_at) VALUES (?, ?)", (session.user_id, now)
        )
        if session.guild_id is not None:
            await conn.execute(
                "INSERT OR IGNORE INTO guilds (id, created_at) VALUES (?, ?)",
                (session.guild_id, now),
            )

    async def create_session(self, session: Session) -> Session:
        """Insert a new session and return it with its id."""
        async with self._db.transaction() as conn:
            await self._ensure_owner(conn, session)
            cur = await conn.execute(
                "INSERT INTO sessions (user_id, guild_id, kind, level, start_level,"
                " question_count, language, role, channel_id, status, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    session.user_id,
                    session.guild_id,
                    session.kind.value,
                    session.level.value,
                    session.start_level.value,
                    session.question_count,
                    session.language.value,
                    session.role,
                    session.channel_id,
                    session.status.value,
                    to_text(session.created_at),
                    now_text(),
                ),
            )
            session.id = cur.lastrowid
        return session

    async def update_session(self, session: Session) -> None:
        """Save the session's own fields (status, level, channel)."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE sessions SET level = ?, status = ?, channel_id = ?, updated_at = ?"
                " WHERE id = ?",
                (
                    session.level.value,
                    session.status.value,
                    session.channel_id,
                    now_text(),
                    session.id,
                ),
            )

    async def latest_session(self, user_id: int, guild_id: int | None) -> Session | None:
        """Return the user's newest session in this server, whatever its status, or None."""
        return await self._one(
            "SELECT * FROM sessions WHERE user_id = ? AND IFNULL(guild_id, 0) = ?"
            " ORDER BY created_at DESC, id DESC LIMIT 1",
            (user_id, guild_id or 0),
        )

    async def rewind_in_channel(self, channel_id: int) -> Session | None:
        """Return the session bound to a channel that waits for a rewind retry, or None."""
        return await self._one(
            "SELECT * FROM sessions WHERE channel_id = ? AND rewind_turn_id IS NOT NULL"
            " ORDER BY id DESC LIMIT 1",
            (channel_id,),
        )

    async def set_rewind(self, session_id: int, turn_id: int | None) -> None:
        """Mark (or clear, with None) the turn whose question is being answered again; a
        retry answer saved for the previous mark is cleared with it."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE sessions SET rewind_turn_id = ?, rewind_answer = NULL, updated_at = ?"
                " WHERE id = ?",
                (turn_id, now_text(), session_id),
            )

    async def save_rewind_answer(self, session_id: int, answer: str) -> None:
        """Save the retry of the rewound question before it is graded."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE sessions SET rewind_answer = ?, updated_at = ?"
                " WHERE id = ? AND rewind_turn_id IS NOT NULL",
                (answer, now_text(), session_id),
            )

    async def save_attempt(self, attempt: Attempt) -> Attempt:
        """Insert a retry of a turn and return it with its id; a rewind waiting for this
        retry (and its saved answer) is cleared in the same transaction."""
        now = now_text()
        async with self._db.transaction() as conn:
            cur = await conn.execute(
                "INSERT INTO attempts (turn_id, answer, score, evaluation, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (
                    attempt.turn_id,
                    attempt.answer,
                    attempt.evaluation.score,
                    evaluation_to_json(attempt.evaluation),
                    to_text(attempt.created_at),
                ),
            )
            attempt.id = cur.lastrowid
            # A retry is activity: it keeps the session from being pruned by retention.
            await conn.execute(
                "UPDATE sessions SET updated_at = ?"
                " WHERE id = (SELECT session_id FROM turns WHERE id = ?)",
                (now, attempt.turn_id),
            )
            # In the same transaction, so a crash can never grade (and store) a retry twice.
            await conn.execute(
                "UPDATE sessions SET rewind_turn_id = NULL, rewind_answer = NULL"
                " WHERE rewind_turn_id = ?",
                (attempt.turn_id,),
            )
        return attempt

    async def attempts(self, turn_id: int) -> list[Attempt]:
        """Return the retries of a turn, oldest first."""
        async with self._db.conn.execute(
            "SELECT * FROM attempts WHERE turn_id = ? ORDER BY id", (turn_id,)
        ) as cur:
            rows = await cur.fetchall()
        return [
            Attempt(
                id=r["id"],
                turn_id=r["turn_id"],
                answer=r["answer"],
                evaluation=evaluation_from_json(r["evaluation"]),
                created_at=datetime.fromisoformat(r["created_at"]),
            )
            for r in rows
        ]

    async def turn_owner(self, turn_id: int) -> int | None:
        """Return the id of the session a turn belongs to, or None."""
        async with self._db.conn.execute(
            "SELECT session_id FROM turns WHERE id = ?", (turn_id,)
        ) as cur:
            row = await cur.fetchone()
        return int(row[0]) if row is not None else None

    async def save_turn(self, session_id: int, turn: Turn) -> Turn:
        """Insert or update one turn with its evaluation; return it with its id."""
        ev = turn.evaluation
        now = now_text()
        values: dict[str, Any] = {
            "session_id": session_id,
            "idx": turn.index,
            "question_id": turn.question_id,
            "prompt": turn.prompt,
            "level": turn.level.value,
            "follow_up": turn.follow_up,
            "status": turn.status.value,
            "answer": turn.answer,
            "score": ev.score if ev else None,
            "dimensions": json.dumps({d.value: v for d, v in ev.dimensions.items()})
            if ev
            else None,
            "on_topic": int(ev.on_topic) if ev else None,
            "source": ev.source if ev else None,
            "praise": ev.coaching.praise if ev else None,
            "fix": ev.coaching.fix if ev else None,
            "tip": ev.coaching.tip if ev else None,
            "extra": json.dumps(ev.details(), ensure_ascii=False) if ev else None,
            "probe_rule": turn.probe_rule,
            "updated_at": now,
        }
        async with self._db.transaction() as conn:
            await conn.execute("UPDATE sessions SET updated_at = ? WHERE id = ?", (now, session_id))
            if turn.id is None:
                cols = [*values, "created_at"]
                cur = await conn.execute(
                    f"INSERT INTO turns ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                    (*values.values(), now),
                )
                turn.id = cur.lastrowid
            else:
                sets = ", ".join(f"{k} = ?" for k in values)
                await conn.execute(
                    f"UPDATE turns SET {sets} WHERE id = ?", (*values.values(), turn.id)
                )
            await conn.execute("DELETE FROM findings WHERE turn_id = ?", (turn.id,))
            if ev is not None:
                await conn.executemany(
                    "INSERT INTO findings (turn_id, rule_id, dimension, severity, positive,"
                    " message, fix, quote, start_char, end_char, start_ms, end_ms)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        (
                            turn.id,
                            f.rule_id,
                            f.dimension.value,
                            f.severity.value,
                            int(f.positive),
                            f.message,
                            f.fix,
                            f.evidence.quote,
                            f.evidence.start,
                            f.evidence.end,
                            f.evidence.start_ms,
                            f.evidence.end_ms,
                        )
                        for f in ev.findings
                    ],
                )
        return turn

    async def get_session(self, session_id: int) -> Session | None:
        """Return a session with all its turns, or None."""
        return await self._one("SELECT * FROM sessions WHERE id = ?", (session_id,))

    async def active_session(self, user_id: int, guild_id: int | None) -> Session | None:
        """Return the user's active session in this server, or None."""
        return await self._one(
            "SELECT * FROM sessions WHERE user_id = ? AND IFNULL(guild_id, 0) = ?"
            " AND status = 'active'",
            (user_id, guild_id or 0),
        )

    async def session_in_channel(self, channel_id: int) -> Session | None:
        """Return the active session bound to a channel or thread, or None."""
        return await self._one(
            "SELECT * FROM sessions WHERE channel_id = ? AND status = 'active'"
            " ORDER BY id DESC LIMIT 1",
            (channel_id,),
        )

    async def history(
        self, user_id: int, guild_id: int | None, limit: int
    ) -> list[SessionOverview]:
        """Return the user's most recent sessions in this server, newest first."""
        sql = (
            "SELECT s.id, s.kind, s.level, s.status, s.created_at, s.language,"
            " COUNT(t.score) AS answered, AVG(t.score) AS average"
            " FROM sessions s LEFT JOIN turns t ON t.session_id = s.id"
            " WHERE s.user_id = ? AND IFNULL(s.guild_id, 0) = ?"
            " GROUP BY s.id ORDER BY s.created_at DESC, s.id DESC LIMIT ?"
        )
        async with self._db.conn.execute(sql, (user_id, guild_id or 0, limit)) as cur:
            rows = await cur.fetchall()
        return [
            SessionOverview(
                session_id=r["id"],
                kind=Kind(r["kind"]),
                level=Level(r["level"]),
                status=SessionStatus(r["status"]),
                created_at=datetime.fromisoformat(r["created_at"]),
                answered=r["answered"],
                language=Language(r["language"]),
                average_score=r["average"],
            )
            for r in rows
        ]

    async def prune(self, older_than: datetime) -> int:
        """Delete sessions (with their turns and findings) untouched since ``older_than``."""
        async with self._db.transaction() as conn:
            cur = await conn.execute(
                "DELETE FROM sessions WHERE updated_at < ?", (to_text(older_than),)
            )
        return cur.rowcount

    async def sessions_awaiting_grade(self) -> list[int]:
        """Return active sessions whose newest turn was answered but not graded, and
        sessions (of any status) whose rewind retry was saved but not graded."""
        return await self._ids(_NEWEST_TURN_IS.format(status="answered"), _RETRY_SAVED)

    async def sessions_awaiting_answer(self) -> list[int]:
        """Return active sessions whose newest prompt waits for an answer, and sessions (of
        any status) waiting for a rewind retry."""
        return await self._ids(_NEWEST_TURN_IS.format(status="asked"), _RETRY_WANTED)

    async def _ids(self, *queries: str) -> list[int]:
        async with self._db.conn.execute(" UNION ".join(queries) + " ORDER BY 1") as cur:
            return [row[0] for row in await cur.fetchall()]

    async def _one(self, sql: str, params: tuple[Any, ...]) -> Session | None:
        async with self._db.conn.execute(sql, params) as cur:
            row = await cur.fetchone()
        if row is None:
            return None
        session = Session(
            id=row["id"],
            user_id=row["user_id"],
            guild_id=row["guild_id"],
            kind=Kind(row["kind"]),
            level=Level(row["level"]),
            start_level=Level(row["start_level"]),
            question_count=row["question_count"],
            language=Language(row["language"]),
            role=row["role"],
            channel_id=row["channel_id"],
            status=SessionStatus(row["status"]),
            created_at=datetime.fromisoformat(row["created_at"]),
            rewind_turn_id=row["rewind_turn_id"],
            rewind_answer=row["rewind_answer"],
        )
        session.turns = await self._turns(row["id"])
        return session

    async def _turns(self, session_id: int) -> list[Turn]:
        conn = self._db.conn
        async with conn.execute(
            "SELECT * FROM turns WHERE session_id = ? ORDER BY idx", (session_id,)
        ) as cur:
            rows = await cur.fetchall()
        async with conn.execute(
            "SELECT f.* FROM findings f JOIN turns t ON t.id = f.turn_id"
            " WHERE t.session_id = ? ORDER BY f.id",
            (session_id,),
        ) as cur:
            finding_rows = await cur.fetchall()
        by_turn: dict[int, list[Finding]] = {}
        for f in finding_rows:
            by_turn.setdefault(f["turn_id"], []).append(
                Finding(
                    rule_id=f["rule_id"],
                    dimension=Dimension(f["dimension"]),
                    severity=Severity(f["severity"]),
                    message=f["message"],
                    fix=f["fix"],
                    positive=bool(f["positive"]),
                    evidence=Evidence(
                        quote=f["quote"],
                        start=f["start_char"],
                        end=f["end_char"],
                        start_ms=f["start_ms"],
                        end_ms=f["end_ms"],
                    ),
                )
            )
        turns = []
        for r in rows:
            evaluation = None
            if r["score"] is not None:
                evaluation = Evaluation(
                    score=r["score"],
                    dimensions={Dimension(k): v for k, v in json.loads(r["dimensions"]).items()},
                    findings=tuple(by_turn.get(r["id"], [])),
                    coaching=Coaching(praise=r["praise"], fix=r["fix"], tip=r["tip"]),
                    on_topic=bool(r["on_topic"]),
                    source=r["source"],
                ).with_details(json.loads(r["extra"] or "{}"))
            turns.append(
                Turn(
                    id=r["id"],
                    index=r["idx"],
                    question_id=r["question_id"],
                    prompt=r["prompt"],
                    level=Level(r["level"]),
                    follow_up=r["follow_up"],
                    status=TurnStatus(r["status"]),
                    answer=r["answer"],
                    evaluation=evaluation,
                    probe_rule=r["probe_rule"],
                )
            )
        return turns
