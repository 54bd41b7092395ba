"""Privacy side of the profile store: the user's resume, job description and personal plans.

All of it is the user's alone: export gives the resume's text and what was read from it, the
job description with its analysis, and how each personalised interview was planned; erase
deletes them (plans first).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import aiosqlite

from bot.privacy.declarations import ExportPart, PersonalTable, StoreDeclaration
from storage.privacy_sql import counts, decoded, iso, rows

log = logging.getLogger(__name__)

_COUNTS = {
    "profiles": "SELECT COUNT(*) FROM profiles WHERE user_id = :u",
    "personal_plans": "SELECT COUNT(*) FROM personal_plans WHERE user_id = :u",
}


class ProfilesPersonalData:
    """Resumes and job descriptions (text and structure) and personalised interview plans."""

    declaration = StoreDeclaration(
        name="profiles",
        tables=(
            PersonalTable("profiles", user_columns=("user_id",)),
            PersonalTable("personal_plans", user_columns=("user_id",)),
        ),
        counts=tuple(_COUNTS),
    )

    async def count(self, conn: aiosqlite.Connection, user_id: int) -> Mapping[str, int]:
        """Return the user's profile rows and plans."""
        return await counts(conn, _COUNTS, user_id)

    async def export(self, conn: aiosqlite.Connection, user_id: int) -> ExportPart:
        """Return the user's resume, job description and interview plans."""
        p = {"u": user_id}
        found = await rows(conn, "SELECT * FROM profiles WHERE user_id = :u", p)
        profile = None
        if found:
            r = found[0]
            profile = {
                "resume": None
                if r["resume_text"] is None
                else {
                    "text": r["resume_text"],
                    "read": decoded(r["resume_facts"]),
                    "pages": r["resume_pages"],
                    "file_name": r["resume_name"],
                    "language": r["resume_language"],
                    "kept_at": iso(r["resume_at"]),
                },
                "job": None
                if r["job_text"] is None
                else {
                    "title": r["job_title"],
                    "company": r["job_company"],
                    "text": r["job_text"],
                    "read": decoded(r["job_facts"]),
                    "language": r["job_language"],
                    "kept_at": iso(r["job_at"]),
                },
                "updated_at": iso(r["updated_at"]),
            }
        plans = [
            {
                "session_id": r["session_id"],
                "plan": decoded(r["plan"]),
                "created_at": iso(r["created_at"]),
            }
            for r in await rows(
                conn, "SELECT * FROM personal_plans WHERE user_id = :u ORDER BY session_id", p
            )
        ]
        return ExportPart(sections={"profile": profile, "personal_plans": plans})

    async def erase(self, conn: aiosqlite.Connection, user_id: int) -> Mapping[str, int]:
        """Delete the user's plans, then their profile."""
        p = {"u": user_id}
        await conn.execute("DELETE FROM personal_plans WHERE user_id = :u", p)
        await conn.execute("DELETE FROM profiles WHERE user_id = :u", p)
        return {}
