"""Privacy side of the progress store: skills, evidence, schedules, practice log, drills.

All of it is the user's alone: export gives every row (evidence quotes the user's own
answers), erase deletes them without relying on cascades.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import aiosqlite

from bot.privacy.declarations import ExportPart, PersonalTable, StoreDeclaration
from storage.privacy_sql import counts, decoded, flag, iso, rows

log = logging.getLogger(__name__)

_TABLES = ("skill_states", "skill_evidence", "drill_schedules", "practice_log", "drills")
_COUNTS = {
    "skills": "SELECT COUNT(*) FROM skill_states WHERE user_id = :u",
    "skill_evidence": "SELECT COUNT(*) FROM skill_evidence WHERE user_id = :u",
    "drill_schedules": "SELECT COUNT(*) FROM drill_schedules WHERE user_id = :u",
    "practice_log": "SELECT COUNT(*) FROM practice_log WHERE user_id = :u",
    "drills": "SELECT COUNT(*) FROM drills WHERE user_id = :u",
}


class ProgressPersonalData:
    """The skill graph, its evidence, drill schedules, the practice log and drills."""

    declaration = StoreDeclaration(
        name="progress",
        tables=tuple(PersonalTable(t, user_columns=("user_id",)) for t in _TABLES),
        counts=tuple(_COUNTS),
    )

    async def count(self, conn: aiosqlite.Connection, user_id: int) -> Mapping[str, int]:
        """Return the user's skills, evidence, schedules, practice entries and drills."""
        return await counts(conn, _COUNTS, user_id)

    async def export(self, conn: aiosqlite.Connection, user_id: int) -> ExportPart:
        """Return every progress row of the user."""
        p = {"u": user_id}
        skills = [
            {
                "skill_id": r["skill_id"],
                "level": round(float(r["level"]), 1),
                "observations": r["observations"],
                "recent": decoded(r["recent"]),
                "last_practised": iso(r["last_practised"]),
            }
            for r in await rows(
                conn, "SELECT * FROM skill_states WHERE user_id = :u ORDER BY skill_id", p
            )
        ]
        evidence = [
            {
                "skill_id": r["skill_id"],
                "turn_id": r["turn_id"],
                "session_id": r["session_id"],
                "score": r["score"],
                "rule_id": r["rule_id"],
                "positive": bool(r["positive"]),
                "quote": r["quote"],
                "at": iso(r["at"]),
            }
            for r in await rows(
                conn, "SELECT * FROM skill_evidence WHERE user_id = :u ORDER BY id", p
            )
        ]
        schedules = [
            {
                "skill_id": r["skill_id"],
                "due": iso(r["due"]),
                "last_rating": r["last_rating"],
                "last_review": iso(r["last_review"]),
                "card": decoded(r["card"]),
            }
            for r in await rows(
                conn, "SELECT * FROM drill_schedules WHERE user_id = :u ORDER BY skill_id", p
            )
        ]
        log_rows = [
            _entry(r)
            for r in await rows(
                conn, "SELECT * FROM practice_log WHERE user_id = :u ORDER BY id", p
            )
        ]
        drills = [
            {
                "session_id": r["session_id"],
                "skills": decoded(r["skills"]),
                "question_ids": decoded(r["question_ids"]),
                "created_at": iso(r["created_at"]),
            }
            for r in await rows(
                conn, "SELECT * FROM drills WHERE user_id = :u ORDER BY created_at", p
            )
        ]
        return ExportPart(
            sections={
                "progress": {
                    "skills": skills,
                    "evidence": evidence,
                    "drill_schedules": schedules,
                    "practice_log": log_rows,
                    "drills": drills,
                }
            }
        )

    async def erase(self, conn: aiosqlite.Connection, user_id: int) -> Mapping[str, int]:
        """Delete every progress row of the user."""
        for table in _TABLES:
            await conn.execute(f"DELETE FROM {table} WHERE user_id = :u", {"u": user_id})
        return {}


def _entry(r: aiosqlite.Row) -> dict[str, Any]:
    return {
        "turn_id": r["turn_id"],
        "session_id": r["session_id"],
        "question_number": r["number"],
        "question_id": r["question_id"],
        "kind": r["kind"],
        "level": r["level"],
        "language": r["language"],
        "score": r["score"],
        "spoken": flag(r["spoken"]),
        "retry": flag(r["retry"]),
        "problems": decoded(r["problems"]),
        "at": iso(r["at"]),
    }
