"""The profile store: each user's resume and job description (text and structure, never the
file) and how each personalised interview was planned."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

import aiosqlite

from bot.catalog import Language
from bot.profile.models import (
    JobDescription,
    JobFacts,
    PersonalPlan,
    Profile,
    Resume,
    ResumeFacts,
)
from storage.db import Database
from storage.timestamps import from_text, to_text

log = logging.getLogger(__name__)

_RESUME_COLUMNS = (
    "resume_text",
    "resume_facts",
    "resume_pages",
    "resume_name",
    "resume_language",
    "resume_at",
)
_JOB_COLUMNS = ("job_title", "job_company", "job_text", "job_facts", "job_language", "job_at")


class SqliteProfileStore:
    """The ProfileStore port on SQLite."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def profile(self, user_id: int) -> Profile:
        """Return the user's resume and job description (either may be None)."""
        async with self._db.conn.execute(
            "SELECT * FROM profiles WHERE user_id = ?", (user_id,)
        ) as cur:
            row = await cur.fetchone()
        if row is None:
            return Profile(user_id)
        return Profile(user_id, _resume(row), _job(row))

    async def save_resume(self, user_id: int, resume: Resume) -> None:
        """Keep the user's resume (replacing the one before)."""
        values = (
            resume.text,
            json.dumps(resume.facts.to_dict(), ensure_ascii=False),
            resume.pages,
            resume.name,
            resume.language.value,
            to_text(resume.updated_at),
        )
        await self._upsert(user_id, _RESUME_COLUMNS, values, resume.updated_at)

    async def save_job(self, user_id: int, job: JobDescription) -> None:
        """Keep the user's job description (replacing the one before)."""
        values = (
            job.title,
            job.company,
            job.text,
            json.dumps(job.facts.to_dict(), ensure_ascii=False),
            job.language.value,
            to_text(job.updated_at),
        )
        await self._upsert(user_id, _JOB_COLUMNS, values, job.updated_at)

    async def clear(self, user_id: int, part: str | None = None) -> bool:
        """Forget the resume ("resume"), the job ("job") or both (None); tell if any was kept."""
        async with self._db.transaction() as conn:
            if part is None:
                cur = await conn.execute("DELETE FROM profiles WHERE user_id = ?", (user_id,))
                return cur.rowcount > 0
            columns = _RESUME_COLUMNS if part == "resume" else _JOB_COLUMNS
            first = columns[0]
            sets = ", ".join(f"{c} = NULL" for c in columns)
            cur = await conn.execute(
                f"UPDATE profiles SET {sets} WHERE user_id = ? AND {first} IS NOT NULL",
                (user_id,),
            )
            await conn.execute(
                "DELETE FROM profiles WHERE user_id = ? AND resume_text IS NULL"
                " AND job_text IS NULL",
                (user_id,),
            )
            return cur.rowcount > 0

    async def save_plan(self, user_id: int, plan: PersonalPlan) -> None:
        """Remember how an interview (``plan.session_id``) was personalised."""
        if plan.session_id is None:
            raise ValueError("a plan is saved with its interview's id")
        at = to_text(plan.created_at or datetime.now(UTC))
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT OR IGNORE INTO users (id, created_at) VALUES (?, ?)", (user_id, at)
            )
            await conn.execute(
                "INSERT OR REPLACE INTO personal_plans (session_id, user_id, plan, created_at)"
                " VALUES (?, ?, ?, ?)",
                (plan.session_id, user_id, json.dumps(plan.to_dict(), ensure_ascii=False), at),
            )

    async def plan(self, session_id: int) -> PersonalPlan | None:
        """Return how an interview was personalised, or None."""
        async with self._db.conn.execute(
            "SELECT plan, created_at FROM personal_plans WHERE session_id = ?", (session_id,)
        ) as cur:
            row = await cur.fetchone()
        if row is None:
            return None
        return PersonalPlan.from_dict(
            json.loads(row["plan"]), session_id, from_text(row["created_at"])
        )

    async def prune(self, older_than: datetime) -> int:
        """Delete profiles and plans untouched since ``older_than``; return rows deleted."""
        cutoff = to_text(older_than)
        async with self._db.transaction() as conn:
            plans = await conn.execute("DELETE FROM personal_plans WHERE created_at < ?", (cutoff,))
            profiles = await conn.execute("DELETE FROM profiles WHERE updated_at < ?", (cutoff,))
        return max(plans.rowcount, 0) + max(profiles.rowcount, 0)

    async def _upsert(
        self, user_id: int, columns: tuple[str, ...], values: tuple[Any, ...], at: datetime
    ) -> None:
        stamp = to_text(at)
        names = ", ".join(columns)
        marks = ", ".join("?" for _ in columns)
        updates = ", ".join(f"{c} = excluded.{c}" for c in columns)
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT OR IGNORE INTO users (id, created_at) VALUES (?, ?)", (user_id, stamp)
            )
            await conn.execute(
                f"INSERT INTO profiles (user_id, {names}, updated_at) VALUES (?, {marks}, ?)"
                f" ON CONFLICT(user_id) DO UPDATE SET {updates}, updated_at = excluded.updated_at",
                (user_id, *values, stamp),
            )


def _resume(row: aiosqlite.Row) -> Resume | None:
    if row["resume_text"] is None:
        return None
    return Resume(
        text=row["resume_text"],
        facts=ResumeFacts.from_dict(json.loads(row["resume_facts"] or "{}")),
        pages=int(row["resume_pages"] or 0),
        language=Language(row["resume_language"] or "en"),
        updated_at=from_text(row["resume_at"]),
        name=row["resume_name"] or "",
    )


def _job(row: aiosqlite.Row) -> JobDescription | None:
    if row["job_text"] is None:
        return None
    return JobDescription(
        title=row["job_title"] or "",
        company=row["job_company"] or "",
        text=row["job_text"],
        facts=JobFacts.from_dict(json.loads(row["job_facts"] or "{}")),
        language=Language(row["job_language"] or "en"),
        updated_at=from_text(row["job_at"]),
    )
