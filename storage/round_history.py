"""A server's past rounds with attendance, members' figures, and their opt-ins, on SQLite."""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import UTC, datetime

from bot.rounds.history import MemberRound, PastRound
from bot.rounds.model import Rating, RoundMode, RoundStatus
from storage.db import Database

log = logging.getLogger(__name__)


class SqliteRoundHistory:
    """The HistoryStore port on SQLite (reads the rounds tables, keeps the opt-ins)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def past_rounds(self, guild_id: int, limit: int) -> list[PastRound]:
        """Return the server's ended group rounds, newest first, with who took part."""
        async with self._db.conn.execute(
            "SELECT r.*, (SELECT COUNT(*) FROM round_answers a WHERE a.round_id = r.id)"
            " AS answers FROM rounds r WHERE r.guild_id = ? AND r.mode = 'group'"
            " AND r.status IN ('finished', 'stopped') ORDER BY r.created_at DESC, r.id DESC"
            " LIMIT ?",
            (guild_id, limit),
        ) as cur:
            rounds = await cur.fetchall()
        found = []
        for r in rounds:
            async with self._db.conn.execute(
                "SELECT user_id FROM round_participants WHERE round_id = ? ORDER BY position",
                (r["id"],),
            ) as cur:
                attendees = tuple(int(p[0]) for p in await cur.fetchall())
            found.append(
                PastRound(
                    round_id=r["id"],
                    channel_id=r["voice_channel_id"],
                    started_at=datetime.fromisoformat(r["created_at"]),
                    ended_at=datetime.fromisoformat(r["ended_at"]) if r["ended_at"] else None,
                    status=RoundStatus(r["status"]),
                    mode=RoundMode(r["mode"]),
                    attendees=attendees,
                    answers=int(r["answers"]),
                )
            )
        return found

    async def member_rounds(
        self, guild_id: int, user_ids: Collection[int], limit: int
    ) -> dict[int, list[MemberRound]]:
        """Return each member's newest rounds in the server with scores and ratings received."""
        found: dict[int, list[MemberRound]] = {}
        for user_id in sorted(user_ids):
            async with self._db.conn.execute(
                "SELECT p.id, p.round_id, p.answered, r.created_at FROM round_participants p"
                " JOIN rounds r ON r.id = p.round_id WHERE p.user_id = ? AND r.guild_id = ?"
                " AND r.mode = 'group' AND r.status IN ('finished', 'stopped')"
                " ORDER BY r.created_at DESC, r.id DESC LIMIT ?",
                (user_id, guild_id, limit),
            ) as cur:
                taken = await cur.fetchall()
            rows = []
            for t in taken:
                async with self._db.conn.execute(
                    "SELECT score FROM round_answers WHERE participant_id = ? ORDER BY id",
                    (t["id"],),
                ) as cur:
                    scores = tuple(int(s[0]) for s in await cur.fetchall() if s[0] is not None)
                counts = dict.fromkeys(Rating, 0)
                async with self._db.conn.execute(
                    "SELECT g.rating, COUNT(*) FROM peer_ratings g JOIN round_answers a"
                    " ON a.id = g.answer_id WHERE a.participant_id = ? AND g.rater_id != ?"
                    " GROUP BY g.rating",
                    (t["id"], user_id),
                ) as cur:
                    for rating, count in await cur.fetchall():
                        counts[Rating(rating)] = int(count)
                rows.append(
                    MemberRound(
                        round_id=t["round_id"],
                        at=datetime.fromisoformat(t["created_at"]),
                        answered=max(int(t["answered"]), len(scores)),
                        scores=scores,
                        ratings=counts,
                    )
                )
            found[user_id] = rows
        return found

    async def opted_in(self, guild_id: int) -> set[int]:
        """Return the members who let the server see their scores."""
        async with self._db.conn.execute(
            "SELECT user_id FROM round_history_optins WHERE guild_id = ?", (guild_id,)
        ) as cur:
            return {int(r[0]) for r in await cur.fetchall()}

    async def set_opt_in(self, guild_id: int, user_id: int, on: bool, at: datetime) -> bool:
        """Opt a member in (or out); tell if anything changed."""
        now = datetime.now(UTC).isoformat()
        async with self._db.transaction() as conn:
            if not on:
                cur = await conn.execute(
                    "DELETE FROM round_history_optins WHERE guild_id = ? AND user_id = ?",
                    (guild_id, user_id),
                )
                return cur.rowcount > 0
            await conn.execute(
                "INSERT OR IGNORE INTO guilds (id, created_at) VALUES (?, ?)", (guild_id, now)
            )
            await conn.execute(
                "INSERT OR IGNORE INTO users (id, created_at) VALUES (?, ?)", (user_id, now)
            )
            cur = await conn.execute(
                "INSERT OR IGNORE INTO round_history_optins (guild_id, user_id, opted_in_at)"
                " VALUES (?, ?, ?)",
                (guild_id, user_id, at.astimezone(UTC).isoformat()),
            )
            return cur.rowcount > 0
