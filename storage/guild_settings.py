"""Server settings, and pruning a server's data sooner than the bot's retention, on SQLite."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from bot.catalog import Language
from bot.guilds.settings import GuildSettings
from storage.db import Database

log = logging.getLogger(__name__)


def _flag(value: bool | None) -> int | None:
    return None if value is None else int(value)


class SqliteGuildSettings:
    """The SettingsStore port on SQLite."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def all(self) -> list[GuildSettings]:
        """Return every server's stored settings."""
        async with self._db.conn.execute("SELECT * FROM guild_settings ORDER BY guild_id") as cur:
            rows = await cur.fetchall()
        return [
            GuildSettings(
                guild_id=r["guild_id"],
                moderator_role_id=r["moderator_role_id"],
                allowed_channels=tuple(int(c) for c in json.loads(r["allowed_channels"])),
                language=Language(r["language"]) if r["language"] else None,
                speak_questions=None
                if r["speak_questions"] is None
                else bool(r["speak_questions"]),
                daily_token_budget=r["daily_token_budget"],
                retention_days=r["retention_days"],
            )
            for r in rows
        ]

    async def save(self, settings: GuildSettings) -> None:
        """Insert or replace one server's settings."""
        now = datetime.now(UTC).isoformat()
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT OR IGNORE INTO guilds (id, created_at) VALUES (?, ?)",
                (settings.guild_id, now),
            )
            await conn.execute(
                "INSERT INTO guild_settings (guild_id, moderator_role_id, allowed_channels,"
                " language, speak_questions, daily_token_budget, retention_days, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (guild_id) DO UPDATE SET"
                " moderator_role_id = excluded.moderator_role_id,"
                " allowed_channels = excluded.allowed_channels, language = excluded.language,"
                " speak_questions = excluded.speak_questions,"
                " daily_token_budget = excluded.daily_token_budget,"
                " retention_days = excluded.retention_days, updated_at = excluded.updated_at",
                (
                    settings.guild_id,
                    settings.moderator_role_id,
                    json.dumps(list(settings.allowed_channels)),
                    settings.language.value if settings.language else None,
                    _flag(settings.speak_questions),
                    settings.daily_token_budget,
                    settings.retention_days,
                    now,
                ),
            )


class SqliteGuildRetention:
    """Delete one server's interviews, negotiations and ended rounds past its own retention.

    People's skill graphs and story banks span servers and follow the bot's retention.
    """

    def __init__(self, db: Database) -> None:
        self._db = db

    async def prune(self, guild_id: int, older_than: datetime) -> int:
        """Delete the server's data untouched since ``older_than``; return the rows deleted."""
        cutoff = older_than.astimezone(UTC).isoformat()
        params = {"g": guild_id, "cutoff": cutoff}
        deleted = 0
        async with self._db.transaction() as conn:
            old_rounds = (
                "SELECT id FROM rounds WHERE guild_id = :g AND status IN ('finished', 'stopped')"
                " AND COALESCE(ended_at, created_at) < :cutoff"
            )
            answers = f"SELECT id FROM round_answers WHERE round_id IN ({old_rounds})"
            for sql in (
                f"DELETE FROM peer_ratings WHERE answer_id IN ({answers})",
                f"DELETE FROM round_answers WHERE round_id IN ({old_rounds})",
                f"UPDATE schedule_runs SET round_id = NULL WHERE round_id IN ({old_rounds})",
                f"DELETE FROM round_participants WHERE round_id IN ({old_rounds})",
                "DELETE FROM rounds WHERE guild_id = :g AND status IN ('finished', 'stopped')"
                " AND COALESCE(ended_at, created_at) < :cutoff",
                "DELETE FROM negotiation_turns WHERE negotiation_id IN (SELECT id FROM"
                " negotiations WHERE guild_id = :g AND updated_at < :cutoff)",
                "DELETE FROM negotiations WHERE guild_id = :g AND updated_at < :cutoff",
                # Turns, findings and attempts go with their session (foreign-key cascade), as
                # in the bot-wide pruning.
                "DELETE FROM sessions WHERE guild_id = :g AND updated_at < :cutoff",
            ):
                cur = await conn.execute(sql, params)
                if sql.startswith("DELETE"):
                    deleted += max(cur.rowcount, 0)
        return deleted
