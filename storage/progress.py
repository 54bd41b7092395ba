"""The progress store: skill states, evidence, schedules, the practice log and drills."""

from __future__ import annotations

import json
import logging
from datetime import date, datetime

import aiosqlite

from bot.catalog import Kind, Language, Level
from bot.progress.models import (
    DrillRecord,
    DrillSkill,
    Evidence,
    GraphUpdate,
    PracticeEntry,
    Schedule,
    SkillState,
)
from bot.progress.ports import PracticeSummary, SessionScore
from storage.db import Database
from storage.timestamps import from_text, to_text

log = logging.getLogger(__name__)

# Evidence kept per user and skill: enough to show what the level rests on, bounded so a
# year of practice stays small (see bench/progress.py).
EVIDENCE_PER_SKILL = 12
# Practice days read for the streak.
STREAK_DAYS = 400


class SqliteProgressStore:
    """The ProgressStore port on SQLite."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def record(self, update: GraphUpdate) -> None:
        """Write everything one graded answer changed, in one transaction (the user and the
        answer's turn are stored already: their interview was saved first)."""
        e = update.entry
        user = update.user_id
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO practice_log (user_id, turn_id, session_id, number, question_id,"
                " kind, level, language, score, spoken, retry, problems, at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    user,
                    e.turn_id,
                    e.session_id,
                    e.number,
                    e.question_id,
                    e.kind.value,
                    e.level.value,
                    e.language.value,
                    e.score,
                    int(e.spoken),
                    int(e.retry),
                    json.dumps(list(e.problems)),
                    to_text(e.at),
                ),
            )
            await conn.executemany(
                "INSERT INTO skill_states (user_id, skill_id, level, observations, recent,"
                " last_practised) VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (user_id, skill_id) DO UPDATE SET level = excluded.level,"
                " observations = excluded.observations, recent = excluded.recent,"
                " last_practised = excluded.last_practised",
                [
                    (
                        user,
                        s.skill_id,
                        max(0.0, min(100.0, s.level)),
                        s.observations,
                        json.dumps(list(s.recent)),
                        to_text(s.last_practised),
                    )
                    for s in update.states
                ],
            )
            await conn.executemany(
                "INSERT INTO skill_evidence (user_id, skill_id, turn_id, session_id, score,"
                " rule_id, positive, quote, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        user,
                        ev.skill_id,
                        ev.turn_id,
                        ev.session_id,
                        ev.score,
                        ev.rule_id,
                        int(ev.positive),
                        ev.quote,
                        to_text(ev.at),
                    )
                    for ev in update.evidence
                ],
            )
            if update.evidence:
                # Keep the newest evidence per skill, in one statement.
                await conn.execute(
                    "DELETE FROM skill_evidence WHERE id IN (SELECT id FROM (SELECT id,"
                    " ROW_NUMBER() OVER (PARTITION BY skill_id ORDER BY id DESC) AS rank"
                    " FROM skill_evidence WHERE user_id = ?) WHERE rank > ?)",
                    (user, EVIDENCE_PER_SKILL),
                )
            await conn.executemany(
                "INSERT INTO drill_schedules (user_id, skill_id, card, due, last_rating,"
                " last_review) VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (user_id, skill_id) DO UPDATE SET card = excluded.card,"
                " due = excluded.due, last_rating = excluded.last_rating,"
                " last_review = excluded.last_review",
                [
                    (
                        user,
                        s.skill_id,
                        json.dumps(s.card),
                        to_text(s.due),
                        s.last_rating,
                        to_text(s.last_review),
                    )
                    for s in update.schedules
                ],
            )

    async def practised(self, user_id: int, state: SkillState, schedule: Schedule | None) -> None:
        """Write one skill's state and schedule after practice that is not an answer."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT OR IGNORE INTO users (id, created_at) VALUES (?, ?)",
                (user_id, to_text(state.last_practised)),
            )
            await conn.execute(
                "INSERT INTO skill_states (user_id, skill_id, level, observations, recent,"
                " last_practised) VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (user_id, skill_id) DO UPDATE SET level = excluded.level,"
                " observations = excluded.observations, recent = excluded.recent,"
                " last_practised = excluded.last_practised",
                (
                    user_id,
                    state.skill_id,
                    max(0.0, min(100.0, state.level)),
                    state.observations,
                    json.dumps(list(state.recent)),
                    to_text(state.last_practised),
                ),
            )
            if schedule is not None:
                await conn.execute(
                    "INSERT INTO drill_schedules (user_id, skill_id, card, due, last_rating,"
                    " last_review) VALUES (?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (user_id, skill_id) DO UPDATE SET card = excluded.card,"
                    " due = excluded.due, last_rating = excluded.last_rating,"
                    " last_review = excluded.last_review",
                    (
                        user_id,
                        schedule.skill_id,
                        json.dumps(schedule.card),
                        to_text(schedule.due),
                        schedule.last_rating,
                        to_text(schedule.last_review),
                    ),
                )

    async def skills(self, user_id: int) -> dict[str, SkillState]:
        """Return the user's skill states by skill id."""
        rows = await self._rows("SELECT * FROM skill_states WHERE user_id = ?", (user_id,))
        return {
            r["skill_id"]: SkillState(
                skill_id=r["skill_id"],
                level=float(r["level"]),
                observations=int(r["observations"]),
                recent=tuple(int(v) for v in json.loads(r["recent"])),
                last_practised=from_text(r["last_practised"]),
            )
            for r in rows
        }

    async def schedules(self, user_id: int) -> dict[str, Schedule]:
        """Return the user's drill schedules by skill id."""
        rows = await self._rows("SELECT * FROM drill_schedules WHERE user_id = ?", (user_id,))
        return {
            r["skill_id"]: Schedule(
                skill_id=r["skill_id"],
                card=json.loads(r["card"]),
                due=from_text(r["due"]),
                last_rating=int(r["last_rating"]),
                last_review=from_text(r["last_review"]),
            )
            for r in rows
        }

    async def practice(self, user_id: int, limit: int) -> list[PracticeEntry]:
        """Return the user's latest graded answers, newest first."""
        rows = await self._rows(
            "SELECT * FROM practice_log WHERE user_id = ? ORDER BY id DESC LIMIT ?",
            (user_id, limit),
        )
        return [
            PracticeEntry(
                turn_id=r["turn_id"],
                session_id=r["session_id"],
                number=r["number"],
                kind=Kind(r["kind"]),
                level=Level(r["level"]),
                language=Language(r["language"]),
                score=r["score"],
                at=from_text(r["at"]),
                spoken=bool(r["spoken"]),
                retry=bool(r["retry"]),
                problems=tuple(str(p) for p in json.loads(r["problems"])),
                question_id=r["question_id"],
            )
            for r in rows
        ]

    async def evidence(self, user_id: int, skill_id: str, limit: int) -> list[Evidence]:
        """Return the latest evidence about one skill, newest first."""
        rows = await self._rows(
            "SELECT * FROM skill_evidence WHERE user_id = ? AND skill_id = ?"
            " ORDER BY id DESC LIMIT ?",
            (user_id, skill_id, limit),
        )
        return [
            Evidence(
                skill_id=r["skill_id"],
                turn_id=r["turn_id"],
                session_id=r["session_id"],
                score=r["score"],
                at=from_text(r["at"]),
                rule_id=r["rule_id"],
                positive=bool(r["positive"]),
                quote=r["quote"],
            )
            for r in rows
        ]

    async def summary(self, user_id: int, sessions: int) -> PracticeSummary:
        """Return the user's interview count, practice days and last interviews' scores."""
        count = await self._rows(
            "SELECT COUNT(DISTINCT session_id) AS n FROM practice_log WHERE user_id = ?",
            (user_id,),
        )
        days = await self._rows(
            "SELECT DISTINCT substr(at, 1, 10) AS day FROM practice_log WHERE user_id = ?"
            " ORDER BY day DESC LIMIT ?",
            (user_id, STREAK_DAYS),
        )
        # A question's grade is its latest graded answer (a follow-up reply is graded with
        # the question); an interview's score is the mean of its questions' grades.
        scores = await self._rows(
            "SELECT session_id, MIN(at) AS at, AVG(score) AS average, MIN(id) AS first"
            " FROM practice_log p WHERE user_id = ? AND retry = 0 AND id ="
            " (SELECT MAX(id) FROM practice_log q WHERE q.user_id = p.user_id"
            " AND q.session_id = p.session_id AND q.number = p.number AND q.retry = 0)"
            " GROUP BY session_id ORDER BY first DESC LIMIT ?",
            (user_id, sessions),
        )
        latest = await self._rows(
            "SELECT language FROM practice_log WHERE user_id = ? ORDER BY id DESC LIMIT 1",
            (user_id,),
        )
        return PracticeSummary(
            interviews=int(count[0]["n"]) if count else 0,
            days=tuple(date.fromisoformat(r["day"]) for r in days),
            sessions=tuple(
                SessionScore(r["session_id"], from_text(r["at"]), float(r["average"]))
                for r in reversed(scores)
            ),
            language=Language(latest[0]["language"]) if latest else None,
        )

    async def save_drill(self, drill: DrillRecord) -> None:
        """Remember which skills a drill's interview works on."""
        skills = [
            {
                "skill_id": s.skill_id,
                "reason": s.reason,
                "level": s.level,
                "overdue": s.days_overdue,
            }
            for s in drill.skills
        ]
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT OR REPLACE INTO drills (session_id, user_id, skills, question_ids,"
                " created_at) VALUES (?, ?, ?, ?, ?)",
                (
                    drill.session_id,
                    drill.user_id,
                    json.dumps(skills),
                    json.dumps(list(drill.question_ids)),
                    to_text(drill.created_at),
                ),
            )

    async def drill(self, session_id: int) -> DrillRecord | None:
        """Return the drill an interview belongs to, or None."""
        rows = await self._rows("SELECT * FROM drills WHERE session_id = ?", (session_id,))
        if not rows:
            return None
        r = rows[0]
        return DrillRecord(
            session_id=r["session_id"],
            user_id=r["user_id"],
            skills=tuple(
                DrillSkill(
                    str(s["skill_id"]), str(s["reason"]), s.get("level"), int(s.get("overdue", 0))
                )
                for s in json.loads(r["skills"])
            ),
            question_ids=tuple(json.loads(r["question_ids"])),
            created_at=from_text(r["created_at"]),
        )

    async def prune(self, older_than: datetime) -> int:
        """Delete progress untouched since ``older_than``; return the rows deleted."""
        cutoff = to_text(older_than)
        deleted = 0
        async with self._db.transaction() as conn:
            for sql in (
                "DELETE FROM skill_evidence WHERE at < ?",
                "DELETE FROM practice_log WHERE at < ?",
                "DELETE FROM drills WHERE created_at < ?",
                "DELETE FROM drill_schedules WHERE last_review < ?",
                "DELETE FROM skill_states WHERE last_practised < ?",
            ):
                cur = await conn.execute(sql, (cutoff,))
                deleted += max(cur.rowcount, 0)
        return deleted

    async def _rows(self, sql: str, params: tuple[object, ...]) -> list[aiosqlite.Row]:
        async with self._db.conn.execute(sql, params) as cur:
            return list(await cur.fetchall())
