"""The per-server daily token budget (``BudgetPort`` and ``BudgetReader``) in memory."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

log = logging.getLogger(__name__)

Today = Callable[[], date]

# Guild id counted for calls made outside a server, as in the SQLite budget.
NO_GUILD = 0


def _utc_today() -> date:
    return datetime.now(UTC).date()


class InMemoryBudget:
    """A per-server daily token allowance with the SQLite budget's rules."""

    def __init__(
        self,
        daily_tokens: int | None,
        *,
        today: Today = _utc_today,
        per_guild: dict[int, int] | None = None,
    ) -> None:
        if daily_tokens is not None and daily_tokens < 0:
            raise ValueError("daily_tokens must be >= 0 or None for no limit")
        self.daily_tokens = daily_tokens
        self._today = today
        self.counts: dict[tuple[int, date], int] = {}
        # Servers' own budgets (capped by the bot's), as the settings set them.
        self.per_guild = dict(per_guild or {})

    def limit(self, guild_id: int | None) -> int | None:
        """Return the server's daily budget: its own (capped by the bot's), else the bot's."""
        own = self.per_guild.get(_guild(guild_id))
        if own is None:
            return self.daily_tokens
        return own if self.daily_tokens is None else min(own, self.daily_tokens)

    async def spent(self, guild_id: int | None, day: date | None = None) -> int:
        """Return the tokens a server has used on ``day`` (today by default)."""
        return self.counts.get((_guild(guild_id), day or self._today()), 0)

    async def remaining(self, guild_id: int | None) -> int | None:
        """Return the tokens left today, or None when there is no limit."""
        limit = self.limit(guild_id)
        if limit is None:
            return None
        return max(0, limit - await self.spent(guild_id))

    async def allow(self, guild_id: int | None) -> bool:
        """Tell whether the server has tokens left today."""
        left = await self.remaining(guild_id)
        return left is None or left > 0

    async def spend(self, guild_id: int | None, tokens: int) -> None:
        """Add ``tokens`` to the server's count for today."""
        if tokens <= 0:
            return
        key = (_guild(guild_id), self._today())
        self.counts[key] = self.counts.get(key, 0) + int(tokens)

    async def prune(self, keep_days: int = 31) -> int:
        """Delete counts older than ``keep_days``; return how many went."""
        cutoff = date.fromordinal(self._today().toordinal() - keep_days)
        old = [key for key in self.counts if key[1] < cutoff]
        for key in old:
            del self.counts[key]
        return len(old)


def _guild(guild_id: int | None) -> int:
    return guild_id if guild_id is not None else NO_GUILD


if TYPE_CHECKING:
    from bot.llm.evaluator import BudgetPort
    from bot.llm.guild_routing import BudgetReader

    _port: BudgetPort = InMemoryBudget(10)
    _reader: BudgetReader = InMemoryBudget(10)
