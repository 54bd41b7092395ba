"""Privacy side of the model-usage store: per-server rows that name no person.

``llm_calls``, ``llm_budget`` and ``guild_llm_keys`` are per server. Their only user-ish
column, ``llm_calls.key``, holds a server label such as ``guild:123`` (never a user or a
session id), so they are neither exported nor erased for a user.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import aiosqlite

from bot.privacy.declarations import ExportPart, NotPersonal, StoreDeclaration

log = logging.getLogger(__name__)


class LlmUsagePersonalData:
    """Model calls, token budgets and server keys: declared, holding nobody's data."""

    declaration = StoreDeclaration(
        name="llm_usage",
        not_personal=(
            NotPersonal("llm_calls", None, "one row per model call: prompt, model, tokens, cost"),
            NotPersonal("llm_calls", "key", "a server label such as guild:123, never a user id"),
            NotPersonal("llm_budget", None, "each server's daily token use"),
            NotPersonal("guild_llm_keys", None, "a server's own model key, encrypted"),
        ),
    )

    async def count(self, conn: aiosqlite.Connection, user_id: int) -> Mapping[str, int]:
        """Return no counts: nothing here is a person's."""
        return {}

    async def export(self, conn: aiosqlite.Connection, user_id: int) -> ExportPart:
        """Return nothing: nothing here is a person's."""
        return ExportPart()

    async def erase(self, conn: aiosqlite.Connection, user_id: int) -> Mapping[str, int]:
        """Erase nothing: nothing here is a person's."""
        return {}
