"""The router's ``UsageSink`` and the ``UsageTotals`` read back from it, in memory."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from bot.llm.types import UsageRecord

log = logging.getLogger(__name__)

Today = Callable[[], date]

# Prefixes of real API keys: the SQLite sink masks such a label rather than store it.
_SECRET_PREFIXES = ("sk-", "sk_", "sess-")
MASKED = "[REDACTED]"


def _utc_today() -> date:
    return datetime.now(UTC).date()


def _label(key: str | None) -> str | None:
    """Return the label the SQLite sink would store for ``key``."""
    if key is not None and (key.startswith(_SECRET_PREFIXES) or len(key) > 64):
        return MASKED
    return key


class InMemoryUsageSink:
    """A UsageSink that keeps what the SQLite sink would store (secret-looking labels masked)."""

    def __init__(self) -> None:
        self.records: list[UsageRecord] = []

    async def record(self, usage: UsageRecord) -> None:
        """Store one usage record."""
        self.records.append(replace(usage, key=_label(usage.key)))


class InMemoryUsageTotals:
    """UsageTotals over an in-memory sink's records (``today`` is fixed by tests)."""

    def __init__(self, sink: InMemoryUsageSink, *, today: Today = _utc_today) -> None:
        self.sink = sink
        self._today = today

    async def tokens_today(self, label: str) -> int:
        """Return input plus output tokens recorded under ``label`` on the current UTC day."""
        return await self.tokens_on(label, self._today())

    async def tokens_on(self, label: str, day: date) -> int:
        """Return input plus output tokens recorded under ``label`` on ``day`` (UTC)."""
        return sum(
            r.input_tokens + r.output_tokens
            for r in self.sink.records
            if r.key == label and r.started_at.astimezone(UTC).date() == day
        )


if TYPE_CHECKING:
    from bot.llm.guild_routing import UsageTotals
    from bot.llm.types import UsageSink

    _sink: UsageSink = InMemoryUsageSink()
    _totals: UsageTotals = InMemoryUsageTotals(InMemoryUsageSink())
