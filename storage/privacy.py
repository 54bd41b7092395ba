"""Everything stored about one Discord user: export it as JSON, or delete it.

What counts as a user's data: their ``users`` row; their ``sessions`` with every turn,
finding and rewind attempt; their voice consents (``round_participants``), the answers they
gave in rounds and the peer ratings those answers received; the ratings they gave. Rounds
they hosted are shared with other people: delete keeps those rounds and clears the host id
(rounds nobody else took part in, once ended, are removed). ``llm_calls``,
``llm_budget``, ``guilds`` and ``guild_llm_keys`` are per server: their only user-ish
column, ``llm_calls.key``, holds a server label such as ``guild:123`` (never a user or a
session id), so they are neither exported nor deleted here.

The export names no other person: ratings received carry no rater id and ratings given
carry no answerer id (only the answer and round ids, which are needed to tell them apart).
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

import aiosqlite

from storage.db import Database

log = logging.getLogger(__name__)

EXPORT_FORMAT = "mockingbird-export/1"
_LIVE_ROUND = "('gathering', 'running')"


@dataclass(frozen=True, slots=True)
class DataCounts:
    """How many rows of each kind a user has (or had, after a delete)."""

    sessions: int = 0
    turns: int = 0
    findings: int = 0
    attempts: int = 0
    voice_consents: int = 0
    round_answers: int = 0
    ratings_received: int = 0
    ratings_given: int = 0
    rounds_hosted: int = 0

    @property
    def total(self) -> int:
        """Return the number of rows that belong to the user (hosted rounds excluded)."""
        return sum(v for k, v in asdict(self).items() if k != "rounds_hosted")

    def as_dict(self) -> dict[str, int]:
        """Return the counts as a plain mapping."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class ActiveInterview:
    """An interview still running for the user, and where it lives."""

    session_id: int
    guild_id: int | None
    channel_id: int | None


@dataclass(frozen=True, slots=True)
class Deletion:
    """What ``delete`` removed: counts per kind, rounds unhosted, interviews it stopped."""

    counts: DataCounts
    had_user_row: bool
    rounds_unhosted: int
    rounds_removed: int
    stopped: tuple[ActiveInterview, ...]

    @property
    def nothing(self) -> bool:
        """Tell whether there was nothing stored about the user."""
        return not self.had_user_row and self.counts.total == 0 and self.counts.rounds_hosted == 0


def _iso(value: str | None) -> str | None:
    """Return a stored timestamp as ISO 8601 in UTC (stored values already are; be safe)."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return value
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).isoformat()


def _json(value: str | None) -> Any:
    """Return a JSON column decoded, or the raw text if it is not JSON."""
    if value is None:
        return None
    try:
        return json.loads(value)
    except ValueError:
        return value


def _bool(value: int | None) -> bool | None:
    return None if value is None else bool(value)


# Sub-selects naming the user's rows, shared by counting, export and delete.
_SESSIONS = "SELECT id FROM sessions WHERE user_id = :u"
_TURNS = f"SELECT id FROM turns WHERE session_id IN ({_SESSIONS})"
_PARTICIPATIONS = "SELECT id FROM round_participants WHERE user_id = :u"
_ANSWERS = f"SELECT id FROM round_answers WHERE participant_id IN ({_PARTICIPATIONS})"

_COUNTS = {
    "sessions": "SELECT COUNT(*) FROM sessions WHERE user_id = :u",
    "turns": f"SELECT COUNT(*) FROM turns WHERE session_id IN ({_SESSIONS})",
    "findings": f"SELECT COUNT(*) FROM findings WHERE turn_id IN ({_TURNS})",
    "attempts": f"SELECT COUNT(*) FROM attempts WHERE turn_id IN ({_TURNS})",
    "voice_consents": "SELECT COUNT(*) FROM round_participants WHERE user_id = :u",
    "round_answers": (
        f"SELECT COUNT(*) FROM round_answers WHERE participant_id IN ({_PARTICIPATIONS})"
    ),
    "ratings_received": f"SELECT COUNT(*) FROM peer_ratings WHERE answer_id IN ({_ANSWERS})",
    "ratings_given": "SELECT COUNT(*) FROM peer_ratings WHERE rater_id = :u",
    "rounds_hosted": "SELECT COUNT(*) FROM rounds WHERE host_id = :u",
}


async def _rows(
    conn: aiosqlite.Connection, sql: str, params: dict[str, Any]
) -> list[aiosqlite.Row]:
    async with conn.execute(sql, params) as cur:
        return list(await cur.fetchall())


async def _scalar(conn: aiosqlite.Connection, sql: str, params: dict[str, Any]) -> int:
    async with conn.execute(sql, params) as cur:
        row = await cur.fetchone()
    return int(row[0]) if row is not None and row[0] is not None else 0


class SqlitePrivacyStore:
    """Export or delete everything Mockingbird stores about one Discord user."""

    def __init__(self, db: Database) -> None:
        self._db = db

    # ---- reading -------------------------------------------------------------------

    async def counts(self, user_id: int) -> DataCounts:
        """Return how many rows of each kind the user has."""
        return await self._counts(self._db.conn, user_id)

    async def active_interviews(self, user_id: int) -> list[ActiveInterview]:
        """Return the user's interviews that are still running, in any server or DM."""
        return await self._active(self._db.conn, user_id)

    async def live_voice_rounds(self, user_id: int) -> list[int]:
        """Return ids of live rounds the user takes part in and has not left."""
        rows = await _rows(
            self._db.conn,
            "SELECT DISTINCT r.id FROM rounds r JOIN round_participants p ON p.round_id = r.id"
            f" WHERE p.user_id = :u AND p.left_channel = 0 AND r.status IN {_LIVE_ROUND}"
            " ORDER BY r.id",
            {"u": user_id},
        )
        return [int(r[0]) for r in rows]

    async def export(self, user_id: int) -> dict[str, Any]:
        """Return everything stored about the user as a JSON-ready dict."""
        conn = self._db.conn
        p = {"u": user_id}
        user_rows = await _rows(conn, "SELECT created_at FROM users WHERE id = :u", p)
        counts = await self._counts(conn, user_id)
        return {
            "format": EXPORT_FORMAT,
            "exported_at": datetime.now(UTC).isoformat(),
            "user_id": user_id,
            "first_seen": _iso(user_rows[0]["created_at"]) if user_rows else None,
            "notes": [
                "Audio is never stored: only transcripts, word timings and their evaluation.",
                "Ratings you received do not say who gave them; ratings you gave do not say "
                "whose answer it was.",
            ],
            "counts": counts.as_dict(),
            "sessions": await self._export_sessions(conn, p),
            "voice": {
                "consents": await self._export_consents(conn, p),
                "answers": await self._export_answers(conn, p),
                "ratings_given": await self._export_ratings_given(conn, p),
                "rounds_hosted": await self._export_hosted(conn, p),
            },
        }

    # ---- deleting ------------------------------------------------------------------

    async def delete(self, user_id: int) -> Deletion:
        """Delete everything stored about the user in one transaction; say what went."""
        p = {"u": user_id}
        async with self._db.transaction() as conn:
            counts = await self._counts(conn, user_id)
            stopped = tuple(await self._active(conn, user_id))
            had_user = await _scalar(conn, "SELECT COUNT(*) FROM users WHERE id = :u", p) > 0
            hosted = [
                int(r[0]) for r in await _rows(conn, "SELECT id FROM rounds WHERE host_id = :u", p)
            ]
            # Children first and explicitly, so nothing depends on cascades being enabled.
            await conn.execute(f"DELETE FROM peer_ratings WHERE answer_id IN ({_ANSWERS})", p)
            await conn.execute("DELETE FROM peer_ratings WHERE rater_id = :u", p)
            await conn.execute(
                f"DELETE FROM round_answers WHERE participant_id IN ({_PARTICIPATIONS})", p
            )
            await conn.execute("DELETE FROM round_participants WHERE user_id = :u", p)
            # Other rows may point at this user's turns or sessions: cut those links.
            await conn.execute(
                f"UPDATE round_answers SET turn_id = NULL WHERE turn_id IN ({_TURNS})", p
            )
            await conn.execute(
                f"UPDATE round_answers SET session_id = NULL WHERE session_id IN ({_SESSIONS})", p
            )
            await conn.execute(
                f"UPDATE round_participants SET session_id = NULL"
                f" WHERE session_id IN ({_SESSIONS})",
                p,
            )
            await conn.execute(
                f"UPDATE sessions SET rewind_turn_id = NULL WHERE rewind_turn_id IN ({_TURNS})", p
            )
            await conn.execute(f"DELETE FROM findings WHERE turn_id IN ({_TURNS})", p)
            await conn.execute(f"DELETE FROM attempts WHERE turn_id IN ({_TURNS})", p)
            await conn.execute(f"DELETE FROM turns WHERE session_id IN ({_SESSIONS})", p)
            await conn.execute("DELETE FROM sessions WHERE user_id = :u", p)
            await conn.execute("UPDATE rounds SET host_id = NULL WHERE host_id = :u", p)
            removed = 0
            if hosted:
                marks = ", ".join("?" * len(hosted))
                # An ended round with nobody left in it describes no one: drop it.
                cur = await conn.execute(
                    f"DELETE FROM rounds WHERE id IN ({marks}) AND host_id IS NULL"
                    f" AND status NOT IN {_LIVE_ROUND}"
                    " AND NOT EXISTS (SELECT 1 FROM round_participants p"
                    " WHERE p.round_id = rounds.id)",
                    hosted,
                )
                removed = cur.rowcount
            await conn.execute("DELETE FROM users WHERE id = :u", p)
        result = Deletion(
            counts=counts,
            had_user_row=had_user,
            rounds_unhosted=len(hosted) - removed,
            rounds_removed=removed,
            stopped=stopped,
        )
        log.info(
            "Deleted the data of user %s: %s rows, %s interviews stopped",
            user_id,
            counts.total,
            len(stopped),
        )
        return result

    # ---- internals -----------------------------------------------------------------

    @staticmethod
    async def _counts(conn: aiosqlite.Connection, user_id: int) -> DataCounts:
        values = {k: await _scalar(conn, sql, {"u": user_id}) for k, sql in _COUNTS.items()}
        return DataCounts(**values)

    @staticmethod
    async def _active(conn: aiosqlite.Connection, user_id: int) -> list[ActiveInterview]:
        rows = await _rows(
            conn,
            "SELECT id, guild_id, channel_id FROM sessions"
            " WHERE user_id = :u AND status = 'active' ORDER BY id",
            {"u": user_id},
        )
        return [ActiveInterview(r["id"], r["guild_id"], r["channel_id"]) for r in rows]

    @staticmethod
    async def _export_sessions(
        conn: aiosqlite.Connection, p: dict[str, Any]
    ) -> list[dict[str, Any]]:
        findings: dict[int, list[dict[str, Any]]] = {}
        for f in await _rows(
            conn, f"SELECT * FROM findings WHERE turn_id IN ({_TURNS}) ORDER BY id", p
        ):
            evidence: dict[str, Any] = (
                {"absent": True}
                if f["quote"] is None
                else {
                    "quote": f["quote"],
                    "start_char": f["start_char"],
                    "end_char": f["end_char"],
                    "start_ms": f["start_ms"],
                    "end_ms": f["end_ms"],
                }
            )
            findings.setdefault(f["turn_id"], []).append(
                {
                    "rule_id": f["rule_id"],
                    "dimension": f["dimension"],
                    "severity": f["severity"],
                    "positive": bool(f["positive"]),
                    "message": f["message"],
                    "fix": f["fix"],
                    "evidence": evidence,
                }
            )
        attempts: dict[int, list[dict[str, Any]]] = {}
        for a in await _rows(
            conn, f"SELECT * FROM attempts WHERE turn_id IN ({_TURNS}) ORDER BY id", p
        ):
            attempts.setdefault(a["turn_id"], []).append(
                {
                    "id": a["id"],
                    "answer": a["answer"],
                    "score": a["score"],
                    "evaluation": _json(a["evaluation"]),
                    "created_at": _iso(a["created_at"]),
                }
            )
        turns: dict[int, list[dict[str, Any]]] = {}
        for t in await _rows(
            conn, f"SELECT * FROM turns WHERE session_id IN ({_SESSIONS}) ORDER BY idx", p
        ):
            turns.setdefault(t["session_id"], []).append(
                {
                    "id": t["id"],
                    "number": t["idx"] + 1,
                    "question_id": t["question_id"],
                    "question": t["prompt"],
                    "level": t["level"],
                    "follow_up": t["follow_up"],
                    "status": t["status"],
                    "answer": t["answer"],
                    "score": t["score"],
                    "dimensions": _json(t["dimensions"]),
                    "on_topic": _bool(t["on_topic"]),
                    "source": t["source"],
                    "coaching": None
                    if t["score"] is None
                    else {"praise": t["praise"], "fix": t["fix"], "tip": t["tip"]},
                    "extra": _json(t["extra"]),
                    "findings": findings.get(t["id"], []),
                    "rewind_attempts": attempts.get(t["id"], []),
                    "created_at": _iso(t["created_at"]),
                    "updated_at": _iso(t["updated_at"]),
                }
            )
        sessions = await _rows(
            conn, "SELECT * FROM sessions WHERE user_id = :u ORDER BY created_at, id", p
        )
        return [
            {
                "id": s["id"],
                "server_id": s["guild_id"],
                "channel_id": s["channel_id"],
                "kind": s["kind"],
                "level": s["level"],
                "start_level": s["start_level"],
                "question_count": s["question_count"],
                "language": s["language"],
                "role": s["role"],
                "status": s["status"],
                "rewind_pending_turn_id": s["rewind_turn_id"],
                "created_at": _iso(s["created_at"]),
                "updated_at": _iso(s["updated_at"]),
                "turns": turns.get(s["id"], []),
            }
            for s in sessions
        ]

    @staticmethod
    async def _export_consents(
        conn: aiosqlite.Connection, p: dict[str, Any]
    ) -> list[dict[str, Any]]:
        rows = await _rows(
            conn,
            "SELECT p.*, r.guild_id, r.voice_channel_id, r.thread_id, r.mode, r.kind, r.level,"
            " r.language, r.status AS round_status, r.created_at AS round_created_at,"
            " r.ended_at, (r.host_id IS NOT NULL AND r.host_id = p.user_id) AS hosted"
            " FROM round_participants p JOIN rounds r ON r.id = p.round_id"
            " WHERE p.user_id = :u ORDER BY p.consented_at, p.id",
            p,
        )
        return [
            {
                "round_id": r["round_id"],
                "server_id": r["guild_id"],
                "voice_channel_id": r["voice_channel_id"],
                "thread_id": r["thread_id"],
                "mode": r["mode"],
                "kind": r["kind"],
                "level": r["level"],
                "language": r["language"],
                "you_hosted": bool(r["hosted"]),
                "consented_at": _iso(r["consented_at"]),
                "position": r["position"],
                "session_id": r["session_id"],
                "turns": r["turns"],
                "answered": r["answered"],
                "skipped": r["skipped"],
                "left_channel": bool(r["left_channel"]),
                "done": bool(r["done"]),
                "round_status": r["round_status"],
                "round_started_at": _iso(r["round_created_at"]),
                "round_ended_at": _iso(r["ended_at"]),
            }
            for r in rows
        ]

    @staticmethod
    async def _export_answers(
        conn: aiosqlite.Connection, p: dict[str, Any]
    ) -> list[dict[str, Any]]:
        received: dict[int, list[dict[str, Any]]] = {}
        for r in await _rows(
            conn,
            "SELECT answer_id, rating, created_at, updated_at FROM peer_ratings"
            f" WHERE answer_id IN ({_ANSWERS}) ORDER BY id",
            p,
        ):
            # Who rated is another person's data: the rater id stays out on purpose.
            received.setdefault(r["answer_id"], []).append(
                {
                    "rating": r["rating"],
                    "created_at": _iso(r["created_at"]),
                    "updated_at": _iso(r["updated_at"]),
                }
            )
        rows = await _rows(
            conn,
            "SELECT a.* FROM round_answers a"
            f" WHERE a.participant_id IN ({_PARTICIPATIONS}) ORDER BY a.id",
            p,
        )
        return [
            {
                "id": a["id"],
                "round_id": a["round_id"],
                "session_id": a["session_id"],
                "turn_id": a["turn_id"],
                "question_number": None if a["turn_index"] is None else a["turn_index"] + 1,
                "score": a["score"],
                "created_at": _iso(a["created_at"]),
                "ratings_received": received.get(a["id"], []),
            }
            for a in rows
        ]

    @staticmethod
    async def _export_ratings_given(
        conn: aiosqlite.Connection, p: dict[str, Any]
    ) -> list[dict[str, Any]]:
        rows = await _rows(
            conn,
            "SELECT r.answer_id, a.round_id, r.rating, r.created_at, r.updated_at"
            " FROM peer_ratings r JOIN round_answers a ON a.id = r.answer_id"
            " WHERE r.rater_id = :u ORDER BY r.id",
            p,
        )
        return [
            {
                "answer_id": r["answer_id"],
                "round_id": r["round_id"],
                "rating": r["rating"],
                "created_at": _iso(r["created_at"]),
                "updated_at": _iso(r["updated_at"]),
            }
            for r in rows
        ]

    @staticmethod
    async def _export_hosted(conn: aiosqlite.Connection, p: dict[str, Any]) -> list[dict[str, Any]]:
        rows = await _rows(
            conn,
            "SELECT id, guild_id, voice_channel_id, thread_id, mode, kind, level, language,"
            " turns_each, status, created_at, ended_at FROM rounds WHERE host_id = :u"
            " ORDER BY id",
            p,
        )
        return [
            {
                "round_id": r["id"],
                "server_id": r["guild_id"],
                "voice_channel_id": r["voice_channel_id"],
                "thread_id": r["thread_id"],
                "mode": r["mode"],
                "kind": r["kind"],
                "level": r["level"],
                "language": r["language"],
                "turns_each": r["turns_each"],
                "status": r["status"],
                "created_at": _iso(r["created_at"]),
                "ended_at": _iso(r["ended_at"]),
            }
            for r in rows
        ]
