"""What still runs for a user (interviews, live voice rounds) and the language they last used."""

from __future__ import annotations

import logging

from bot.catalog import Language
from bot.privacy.models import ActiveInterview, LiveRound
from storage.db import Database
from storage.privacy_rounds import LIVE_ROUND
from storage.privacy_sql import rows

log = logging.getLogger(__name__)


class SqlitePrivacyLookups:
    """Read a user's running work from the database (implements ``PrivacyLookups``)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def active_interviews(self, user_id: int) -> list[ActiveInterview]:
        """Return the user's interviews still running, in any server or DM."""
        found = await rows(
            self._db.conn,
            "SELECT id, guild_id, channel_id, language FROM sessions"
            " WHERE user_id = :u AND status = 'active' ORDER BY id",
            {"u": user_id},
        )
        return [
            ActiveInterview(r["id"], r["guild_id"], r["channel_id"], _language(r["language"]))
            for r in found
        ]

    async def live_voice_rounds(self, user_id: int) -> list[LiveRound]:
        """Return ids of live rounds the user takes part in (consented, not left)."""
        found = await rows(
            self._db.conn,
            "SELECT DISTINCT r.id, r.guild_id FROM rounds r"
            " JOIN round_participants p ON p.round_id = r.id"
            f" WHERE p.user_id = :u AND p.left_channel = 0 AND r.status IN {LIVE_ROUND}"
            " ORDER BY r.id",
            {"u": user_id},
        )
        return [LiveRound(int(r["id"]), int(r["guild_id"])) for r in found]

    async def latest_language(self, user_id: int) -> str | None:
        """Return the language of the user's most recent session, if any."""
        found = await rows(
            self._db.conn,
            "SELECT language FROM sessions WHERE user_id = :u"
            " ORDER BY created_at DESC, id DESC LIMIT 1",
            {"u": user_id},
        )
        return str(found[0]["language"]) if found else None


def _language(value: str) -> Language:
    try:
        return Language(value)
    except ValueError:
        return Language.EN
