"""Privacy side of the voice-round store: consents, round answers, peer ratings, hosting.

What is the user's: their consents (``round_participants``), the answers they gave in rounds
and the ratings those answers received, and the ratings they gave. Rounds they hosted are
shared with the others who took part: erasing keeps those rounds and clears the host id
(an ended round nobody else took part in describes no one, so it goes). The export names no
other person: ratings received carry no rater id, ratings given carry no answerer id (only
the answer and round ids, which tell them apart).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import aiosqlite

from bot.privacy.declarations import ExportPart, OnErase, PersonalTable, StoreDeclaration, Via
from storage.privacy_sessions import USER_SESSIONS, USER_TURNS
from storage.privacy_sql import Params, counts, iso, rows

log = logging.getLogger(__name__)

LIVE_ROUND = "('gathering', 'running')"
_PARTICIPATIONS = "SELECT id FROM round_participants WHERE user_id = :u"
_ANSWERS = f"SELECT id FROM round_answers WHERE participant_id IN ({_PARTICIPATIONS})"

_COUNTS = {
    "voice_consents": "SELECT COUNT(*) FROM round_participants WHERE user_id = :u",
    "round_answers": (
        f"SELECT COUNT(*) FROM round_answers WHERE participant_id IN ({_PARTICIPATIONS})"
    ),
    "ratings_received": f"SELECT COUNT(*) FROM peer_ratings WHERE answer_id IN ({_ANSWERS})",
    "ratings_given": "SELECT COUNT(*) FROM peer_ratings WHERE rater_id = :u",
    "rounds_hosted": "SELECT COUNT(*) FROM rounds WHERE host_id = :u",
}
RATINGS_NOTE = (
    "Ratings you received do not say who gave them; ratings you gave do not say whose answer "
    "it was."
)


class RoundsPersonalData:
    """Live voice: consents, round answers, ratings given and received, rounds hosted."""

    declaration = StoreDeclaration(
        name="rounds",
        tables=(
            PersonalTable("rounds", user_columns=("host_id",), on_erase=OnErase.CLEAR),
            PersonalTable("round_participants", user_columns=("user_id",)),
            PersonalTable("round_answers", parents=(Via("participant_id", "round_participants"),)),
            PersonalTable(
                "peer_ratings",
                user_columns=("rater_id",),
                parents=(Via("answer_id", "round_answers"),),
            ),
        ),
        counts=tuple(_COUNTS),
        shared=("rounds_hosted",),
    )

    async def count(self, conn: aiosqlite.Connection, user_id: int) -> Mapping[str, int]:
        """Return the user's consents, answers, ratings and rounds hosted."""
        return await counts(conn, _COUNTS, user_id)

    async def export(self, conn: aiosqlite.Connection, user_id: int) -> ExportPart:
        """Return the user's voice data, naming no other person."""
        p = {"u": user_id}
        voice = {
            "consents": await _consents(conn, p),
            "answers": await _answers(conn, p),
            "ratings_given": await _ratings_given(conn, p),
            "rounds_hosted": await _hosted(conn, p),
        }
        return ExportPart(sections={"voice": voice}, notes=(RATINGS_NOTE,))

    async def erase(self, conn: aiosqlite.Connection, user_id: int) -> Mapping[str, int]:
        """Delete the user's round rows; keep rounds they hosted for the others, unhosted."""
        p = {"u": user_id}
        hosted = [
            int(r[0]) for r in await rows(conn, "SELECT id FROM rounds WHERE host_id = :u", p)
        ]
        await conn.execute(f"DELETE FROM peer_ratings WHERE answer_id IN ({_ANSWERS})", p)
        await conn.execute("DELETE FROM peer_ratings WHERE rater_id = :u", p)
        await conn.execute(
            f"DELETE FROM round_answers WHERE participant_id IN ({_PARTICIPATIONS})", p
        )
        await conn.execute("DELETE FROM round_participants WHERE user_id = :u", p)
        # Other rows may point at the user's turns or sessions, which go next: cut the links.
        await conn.execute(
            f"UPDATE round_answers SET turn_id = NULL WHERE turn_id IN ({USER_TURNS})", p
        )
        await conn.execute(
            f"UPDATE round_answers SET session_id = NULL WHERE session_id IN ({USER_SESSIONS})", p
        )
        await conn.execute(
            "UPDATE round_participants SET session_id = NULL"
            f" WHERE session_id IN ({USER_SESSIONS})",
            p,
        )
        await conn.execute("UPDATE rounds SET host_id = NULL WHERE host_id = :u", p)
        removed = 0
        if hosted:
            marks = ", ".join("?" * len(hosted))
            # An ended round with nobody left in it describes no one: drop it.
            cur = await conn.execute(
                f"DELETE FROM rounds WHERE id IN ({marks}) AND host_id IS NULL"
                f" AND status NOT IN {LIVE_ROUND}"
                " AND NOT EXISTS (SELECT 1 FROM round_participants p WHERE p.round_id = rounds.id)",
                hosted,
            )
            removed = cur.rowcount
        return {"rounds_unhosted": len(hosted) - removed, "rounds_removed": removed}


async def _consents(conn: aiosqlite.Connection, p: Params) -> list[dict[str, Any]]:
    found = await rows(
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
            "consented_at": iso(r["consented_at"]),
            "position": r["position"],
            "session_id": r["session_id"],
            "turns": r["turns"],
            "answered": r["answered"],
            "skipped": r["skipped"],
            "left_channel": bool(r["left_channel"]),
            "done": bool(r["done"]),
            "round_status": r["round_status"],
            "round_started_at": iso(r["round_created_at"]),
            "round_ended_at": iso(r["ended_at"]),
        }
        for r in found
    ]


async def _answers(conn: aiosqlite.Connection, p: Params) -> list[dict[str, Any]]:
    received: dict[int, list[dict[str, Any]]] = {}
    for r in await rows(
        conn,
        "SELECT answer_id, rating, created_at, updated_at FROM peer_ratings"
        f" WHERE answer_id IN ({_ANSWERS}) ORDER BY id",
        p,
    ):
        # Who rated is another person's data: the rater id stays out on purpose.
        received.setdefault(r["answer_id"], []).append(
            {
                "rating": r["rating"],
                "created_at": iso(r["created_at"]),
                "updated_at": iso(r["updated_at"]),
            }
        )
    found = await rows(
        conn,
        f"SELECT a.* FROM round_answers a WHERE a.participant_id IN ({_PARTICIPATIONS})"
        " ORDER BY a.id",
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
            "created_at": iso(a["created_at"]),
            "ratings_received": received.get(a["id"], []),
        }
        for a in found
    ]


async def _ratings_given(conn: aiosqlite.Connection, p: Params) -> list[dict[str, Any]]:
    found = await rows(
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
            "created_at": iso(r["created_at"]),
            "updated_at": iso(r["updated_at"]),
        }
        for r in found
    ]


async def _hosted(conn: aiosqlite.Connection, p: Params) -> list[dict[str, Any]]:
    found = await rows(
        conn,
        "SELECT id, guild_id, voice_channel_id, thread_id, mode, kind, level, language,"
        " turns_each, status, created_at, ended_at FROM rounds WHERE host_id = :u ORDER BY id",
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
            "created_at": iso(r["created_at"]),
            "ended_at": iso(r["ended_at"]),
        }
        for r in found
    ]
