"""Privacy side of the interview store: sessions, turns, findings, rewind attempts.

All of it is the user's alone: export gives every session with its turns, findings and
retries; erase deletes them, children first, without relying on cascades.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import aiosqlite

from bot.privacy.declarations import ExportPart, PersonalTable, StoreDeclaration, Via
from storage.privacy_sql import Params, counts, decoded, flag, iso, rows

log = logging.getLogger(__name__)

# Sub-selects naming the user's rows (``:u`` is the user id); other stores' declarations
# use them to cut their links to these rows before they go.
USER_SESSIONS = "SELECT id FROM sessions WHERE user_id = :u"
USER_TURNS = f"SELECT id FROM turns WHERE session_id IN ({USER_SESSIONS})"

_COUNTS = {
    "sessions": "SELECT COUNT(*) FROM sessions WHERE user_id = :u",
    "turns": f"SELECT COUNT(*) FROM turns WHERE session_id IN ({USER_SESSIONS})",
    "findings": f"SELECT COUNT(*) FROM findings WHERE turn_id IN ({USER_TURNS})",
    "attempts": f"SELECT COUNT(*) FROM attempts WHERE turn_id IN ({USER_TURNS})",
}


class SessionsPersonalData:
    """Interviews: every session, turn, finding and retry of the user."""

    declaration = StoreDeclaration(
        name="sessions",
        tables=(
            PersonalTable("sessions", user_columns=("user_id",)),
            PersonalTable("turns", parents=(Via("session_id", "sessions"),)),
            PersonalTable("findings", parents=(Via("turn_id", "turns"),)),
            PersonalTable("attempts", parents=(Via("turn_id", "turns"),)),
        ),
        counts=tuple(_COUNTS),
    )

    async def count(self, conn: aiosqlite.Connection, user_id: int) -> Mapping[str, int]:
        """Return the user's sessions, turns, findings and retries."""
        return await counts(conn, _COUNTS, user_id)

    async def export(self, conn: aiosqlite.Connection, user_id: int) -> ExportPart:
        """Return every session of the user with its turns, findings and retries."""
        return ExportPart(sections={"sessions": await _sessions(conn, {"u": user_id})})

    async def erase(self, conn: aiosqlite.Connection, user_id: int) -> Mapping[str, int]:
        """Delete the user's sessions and everything in them."""
        p = {"u": user_id}
        await conn.execute(
            f"UPDATE sessions SET rewind_turn_id = NULL WHERE rewind_turn_id IN ({USER_TURNS})", p
        )
        await conn.execute(f"DELETE FROM findings WHERE turn_id IN ({USER_TURNS})", p)
        await conn.execute(f"DELETE FROM attempts WHERE turn_id IN ({USER_TURNS})", p)
        await conn.execute(f"DELETE FROM turns WHERE session_id IN ({USER_SESSIONS})", p)
        await conn.execute("DELETE FROM sessions WHERE user_id = :u", p)
        return {}


def _finding(f: aiosqlite.Row) -> dict[str, Any]:
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
    return {
        "rule_id": f["rule_id"],
        "dimension": f["dimension"],
        "severity": f["severity"],
        "positive": bool(f["positive"]),
        "message": f["message"],
        "fix": f["fix"],
        "evidence": evidence,
    }


def _turn(
    t: aiosqlite.Row,
    findings: dict[int, list[dict[str, Any]]],
    attempts: dict[int, list[dict[str, Any]]],
) -> dict[str, Any]:
    return {
        "id": t["id"],
        "number": t["idx"] + 1,
        "question_id": t["question_id"],
        "question": t["prompt"],
        "level": t["level"],
        "follow_up": t["follow_up"],
        "status": t["status"],
        "answer": t["answer"],
        "score": t["score"],
        "dimensions": decoded(t["dimensions"]),
        "on_topic": flag(t["on_topic"]),
        "source": t["source"],
        "coaching": None
        if t["score"] is None
        else {"praise": t["praise"], "fix": t["fix"], "tip": t["tip"]},
        "extra": decoded(t["extra"]),
        "findings": findings.get(t["id"], []),
        "rewind_attempts": attempts.get(t["id"], []),
        "created_at": iso(t["created_at"]),
        "updated_at": iso(t["updated_at"]),
    }


async def _sessions(conn: aiosqlite.Connection, p: Params) -> list[dict[str, Any]]:
    findings: dict[int, list[dict[str, Any]]] = {}
    for f in await rows(
        conn, f"SELECT * FROM findings WHERE turn_id IN ({USER_TURNS}) ORDER BY id", p
    ):
        findings.setdefault(f["turn_id"], []).append(_finding(f))
    attempts: dict[int, list[dict[str, Any]]] = {}
    for a in await rows(
        conn, f"SELECT * FROM attempts WHERE turn_id IN ({USER_TURNS}) ORDER BY id", p
    ):
        attempts.setdefault(a["turn_id"], []).append(
            {
                "id": a["id"],
                "answer": a["answer"],
                "score": a["score"],
                "evaluation": decoded(a["evaluation"]),
                "created_at": iso(a["created_at"]),
            }
        )
    turns: dict[int, list[dict[str, Any]]] = {}
    for t in await rows(
        conn, f"SELECT * FROM turns WHERE session_id IN ({USER_SESSIONS}) ORDER BY idx", p
    ):
        turns.setdefault(t["session_id"], []).append(_turn(t, findings, attempts))
    sessions = await rows(
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
            "rewind_pending_answer": s["rewind_answer"],
            "created_at": iso(s["created_at"]),
            "updated_at": iso(s["updated_at"]),
            "turns": turns.get(s["id"], []),
        }
        for s in sessions
    ]
