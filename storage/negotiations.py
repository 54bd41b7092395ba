"""Negotiation persistence: the NegotiationStore port on SQLite."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

import aiosqlite

from bot.catalog import Language
from bot.negotiation.models import (
    Debrief,
    HistoryRow,
    Negotiation,
    RecruiterState,
    Setup,
    Speaker,
    Status,
    Turn,
)
from bot.negotiation.ports import NegotiationGone
from storage.db import Database

log = logging.getLogger(__name__)

_LAST_TURN_IS_CANDIDATE = (
    "SELECT n.id FROM negotiations n JOIN negotiation_turns t ON t.negotiation_id = n.id"
    " WHERE n.status = 'active' AND t.speaker = 'candidate'"
    " AND t.idx = (SELECT MAX(idx) FROM negotiation_turns WHERE negotiation_id = n.id)"
    " ORDER BY n.id"
)


def _ts(value: datetime | None) -> str:
    return (value or datetime.now(UTC)).astimezone(UTC).isoformat()


def _json(value: dict[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


class SqliteNegotiationStore:
    """The NegotiationStore port on SQLite."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(self, negotiation: Negotiation) -> Negotiation:
        """Insert a negotiation with its opening turn(s); return it with its id."""
        now = _ts(negotiation.created_at)
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT OR IGNORE INTO users (id, created_at) VALUES (?, ?)",
                (negotiation.user_id, now),
            )
            if negotiation.guild_id is not None:
                await conn.execute(
                    "INSERT OR IGNORE INTO guilds (id, created_at) VALUES (?, ?)",
                    (negotiation.guild_id, now),
                )
            cur = await conn.execute(
                "INSERT INTO negotiations (user_id, guild_id, channel_id, language, setup, seed,"
                " state, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    negotiation.user_id,
                    negotiation.guild_id,
                    negotiation.channel_id,
                    negotiation.language.value,
                    _json(negotiation.setup.to_dict()),
                    negotiation.seed,
                    _json(negotiation.state.to_dict()),
                    negotiation.status.value,
                    now,
                    now,
                ),
            )
            negotiation_id = cur.lastrowid
            assert negotiation_id is not None
            for idx, turn in enumerate(negotiation.turns):
                await _insert_turn(conn, negotiation_id, idx, turn)
        negotiation.id = negotiation_id
        return negotiation

    async def add_turn(self, negotiation_id: int, turn: Turn) -> None:
        """Append one turn (the candidate's message is saved before it is answered)."""
        async with self._db.transaction() as conn:
            await _append(conn, negotiation_id, turn)

    async def save_reply(self, negotiation_id: int, turn: Turn, state: RecruiterState) -> None:
        """Append the recruiter's reply and its new state in one transaction."""
        async with self._db.transaction() as conn:
            await _append(conn, negotiation_id, turn)
            await conn.execute(
                "UPDATE negotiations SET state = ? WHERE id = ?",
                (_json(state.to_dict()), negotiation_id),
            )

    async def finish(self, negotiation_id: int, status: Status, debrief: Debrief) -> None:
        """Mark a negotiation ended and keep its debrief."""
        async with self._db.transaction() as conn:
            row = await _one(conn, "SELECT state FROM negotiations WHERE id = ?", (negotiation_id,))
            if row is None:
                raise NegotiationGone(negotiation_id)
            state = RecruiterState.from_dict(json.loads(row["state"]))
            state = state.evolve(ended=True, outcome=debrief.outcome)
            await conn.execute(
                "UPDATE negotiations SET status = ?, state = ?, debrief = ?, updated_at = ?"
                " WHERE id = ?",
                (
                    status.value,
                    _json(state.to_dict()),
                    _json(debrief.to_dict()),
                    _ts(debrief.ended_at),
                    negotiation_id,
                ),
            )

    async def get(self, negotiation_id: int) -> Negotiation | None:
        """Return a negotiation with its turns, or None."""
        return await self._load("SELECT * FROM negotiations WHERE id = ?", (negotiation_id,))

    async def active(self, user_id: int, guild_id: int | None) -> Negotiation | None:
        """Return the user's running negotiation in this server (None: DMs/terminal)."""
        return await self._load(
            "SELECT * FROM negotiations WHERE user_id = ? AND IFNULL(guild_id, 0) = ?"
            " AND status = 'active'",
            (user_id, guild_id or 0),
        )

    async def in_channel(self, channel_id: int) -> Negotiation | None:
        """Return the running negotiation bound to a channel, or None."""
        return await self._load(
            "SELECT * FROM negotiations WHERE channel_id = ? AND status = 'active'"
            " ORDER BY id DESC LIMIT 1",
            (channel_id,),
        )

    async def bind_channel(self, negotiation_id: int, channel_id: int) -> None:
        """Remember the channel (thread) a negotiation runs in."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE negotiations SET channel_id = ?, updated_at = ? WHERE id = ?",
                (channel_id, _ts(None), negotiation_id),
            )

    async def awaiting_reply(self) -> list[int]:
        """Return running negotiations whose last turn is an unanswered candidate message."""
        async with self._db.conn.execute(_LAST_TURN_IS_CANDIDATE) as cur:
            return [int(r[0]) for r in await cur.fetchall()]

    async def history(self, user_id: int, limit: int) -> list[HistoryRow]:
        """Return the user's latest negotiations, newest first."""
        async with self._db.conn.execute(
            "SELECT id, language, setup, status, debrief, created_at FROM negotiations"
            " WHERE user_id = ? ORDER BY created_at DESC, id DESC LIMIT ?",
            (user_id, limit),
        ) as cur:
            rows = list(await cur.fetchall())
        found = []
        for r in rows:
            setup = Setup.from_dict(json.loads(r["setup"]))
            debrief = Debrief.from_dict(json.loads(r["debrief"])) if r["debrief"] else None
            found.append(
                HistoryRow(
                    negotiation_id=int(r["id"]),
                    role=setup.role,
                    currency=setup.currency,
                    offer=setup.offer.base,
                    final_offer=debrief.final_offer if debrief else None,
                    status=Status(r["status"]),
                    outcome=debrief.outcome if debrief else None,
                    overall=debrief.overall if debrief else None,
                    language=_language(r["language"]),
                    created_at=datetime.fromisoformat(r["created_at"]),
                )
            )
        return found

    async def recent_debriefs(self, user_id: int, limit: int) -> list[Debrief]:
        """Return the debriefs of the user's latest ended negotiations, newest first."""
        async with self._db.conn.execute(
            "SELECT debrief FROM negotiations WHERE user_id = ? AND debrief IS NOT NULL"
            " ORDER BY updated_at DESC, id DESC LIMIT ?",
            (user_id, limit),
        ) as cur:
            rows = list(await cur.fetchall())
        return [Debrief.from_dict(json.loads(r["debrief"])) for r in rows]

    async def prune(self, older_than: datetime) -> int:
        """Delete negotiations (with their turns) untouched since ``older_than``."""
        cutoff = _ts(older_than)
        old = "SELECT id FROM negotiations WHERE updated_at < :cutoff"
        async with self._db.transaction() as conn:
            await conn.execute(
                f"DELETE FROM negotiation_turns WHERE negotiation_id IN ({old})", {"cutoff": cutoff}
            )
            cur = await conn.execute(
                "DELETE FROM negotiations WHERE updated_at < :cutoff", {"cutoff": cutoff}
            )
        return max(cur.rowcount, 0)

    async def _load(self, sql: str, params: tuple[Any, ...]) -> Negotiation | None:
        conn = self._db.conn
        row = await _one(conn, sql, params)
        if row is None:
            return None
        async with conn.execute(
            "SELECT * FROM negotiation_turns WHERE negotiation_id = ? ORDER BY idx", (row["id"],)
        ) as cur:
            turns = [_turn(t) for t in await cur.fetchall()]
        return Negotiation(
            id=int(row["id"]),
            user_id=int(row["user_id"]),
            guild_id=row["guild_id"],
            channel_id=row["channel_id"],
            setup=Setup.from_dict(json.loads(row["setup"])),
            seed=int(row["seed"]),
            state=RecruiterState.from_dict(json.loads(row["state"])),
            status=Status(row["status"]),
            turns=turns,
            created_at=datetime.fromisoformat(row["created_at"]),
            updated_at=datetime.fromisoformat(row["updated_at"]),
            debrief=Debrief.from_dict(json.loads(row["debrief"])) if row["debrief"] else None,
        )


async def _one(
    conn: aiosqlite.Connection, sql: str, params: tuple[Any, ...] | dict[str, Any]
) -> aiosqlite.Row | None:
    async with conn.execute(sql, params) as cur:
        row: aiosqlite.Row | None = await cur.fetchone()
    return row


async def _append(conn: aiosqlite.Connection, negotiation_id: int, turn: Turn) -> None:
    row = await _one(
        conn,
        "SELECT (SELECT COUNT(*) FROM negotiation_turns WHERE negotiation_id = :n) AS turns,"
        " (SELECT COUNT(*) FROM negotiations WHERE id = :n) AS found",
        {"n": negotiation_id},
    )
    if row is None or not row["found"]:
        raise NegotiationGone(negotiation_id)
    await _insert_turn(conn, negotiation_id, int(row["turns"]), turn)
    await conn.execute(
        "UPDATE negotiations SET updated_at = ? WHERE id = ?", (_ts(turn.at), negotiation_id)
    )


async def _insert_turn(
    conn: aiosqlite.Connection, negotiation_id: int, idx: int, turn: Turn
) -> None:
    await conn.execute(
        "INSERT INTO negotiation_turns (negotiation_id, idx, speaker, text, offer, spoken, source,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            negotiation_id,
            idx,
            turn.speaker.value,
            turn.text,
            turn.offer,
            int(turn.spoken),
            turn.source or None,
            _ts(turn.at),
        ),
    )


def _turn(row: aiosqlite.Row) -> Turn:
    return Turn(
        speaker=Speaker(row["speaker"]),
        text=row["text"],
        offer=row["offer"],
        spoken=bool(row["spoken"]),
        source=row["source"] or "",
        at=datetime.fromisoformat(row["created_at"]),
    )


def _language(value: str) -> Language:
    try:
        return Language(value)
    except ValueError:
        return Language.EN


__all__ = ["NegotiationGone", "SqliteNegotiationStore"]
