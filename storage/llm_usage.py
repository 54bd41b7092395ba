"""Model call usage, per-server daily token budgets, per-server key ciphertext, prompt stats."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Protocol

from bot.llm.types import UsageRecord
from storage.db import Database

log = logging.getLogger(__name__)

# Guild id stored for calls made outside a server (direct messages, the terminal).
NO_GUILD = 0
# Every Fernet token starts with version byte 0x80, which base64-encodes to "gAAAAA".
_FERNET_PREFIX = "gAAAAA"
# Prefixes of real API keys: such a value in the "key" label column would be a leak.
_SECRET_PREFIXES = ("sk-", "sk_", "sess-")

Today = Callable[[], date]


class GuildBudgets(Protocol):
    """Per-server daily budgets (``bot.guilds.GuildSettingsService``), read from memory."""

    def daily_tokens_for(self, guild_id: int | None, default: int | None) -> int | None:
        """Return the server's daily budget given the bot's ``default`` (None: no limit)."""
        ...


def _utc_today() -> date:
    return datetime.now(UTC).date()


def _label(key: str | None) -> str | None:
    """Return the key label to store, masking anything that looks like a real API key."""
    if key is None:
        return None
    if key.startswith(_SECRET_PREFIXES) or len(key) > 64:
        log.warning("usage record carried something that looks like an API key; masked")
        return "[REDACTED]"
    return key


class SqliteUsageSink:
    """The router's UsageSink on SQLite: one ``llm_calls`` row per provider attempt."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def record(self, usage: UsageRecord) -> None:
        """Store one usage record."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO llm_calls (prompt_id, prompt_version, language, provider, model,"
                " ok, error, latency_ms, ttft_ms, input_tokens, output_tokens, cost_usd,"
                " attempt, key, started_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    usage.prompt_id,
                    usage.prompt_version,
                    usage.language,
                    usage.provider,
                    usage.model,
                    int(usage.ok),
                    usage.error,
                    float(usage.latency_ms),
                    None if usage.ttft_ms is None else float(usage.ttft_ms),
                    int(usage.input_tokens),
                    int(usage.output_tokens),
                    float(usage.cost_usd),
                    int(usage.attempt),
                    _label(usage.key),
                    usage.started_at.astimezone(UTC).isoformat(),
                ),
            )


class SqliteUsageTotals:
    """Token totals read back from ``llm_calls`` (e.g. what a server's own key used today)."""

    def __init__(self, db: Database, *, today: Today = _utc_today) -> None:
        self._db = db
        self._today = today

    async def tokens_today(self, label: str) -> int:
        """Return input plus output tokens recorded under ``label`` on the current UTC day."""
        return await self.tokens_on(label, self._today())

    async def tokens_on(self, label: str, day: date) -> int:
        """Return input plus output tokens recorded under ``label`` on ``day`` (UTC)."""
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        end = datetime.fromordinal(day.toordinal() + 1).replace(tzinfo=UTC)
        async with self._db.conn.execute(
            "SELECT COALESCE(SUM(input_tokens + output_tokens), 0) FROM llm_calls"
            " WHERE key = ? AND started_at >= ? AND started_at < ?",
            (label, start.isoformat(), end.isoformat()),
        ) as cur:
            row = await cur.fetchone()
        return int(row[0]) if row is not None else 0


class SqliteBudget:
    """A per-server daily token allowance (the evaluator's BudgetPort) on SQLite."""

    def __init__(
        self,
        db: Database,
        daily_tokens: int | None,
        *,
        today: Today = _utc_today,
        per_guild: GuildBudgets | None = None,
    ):
        if daily_tokens is not None and daily_tokens < 0:
            raise ValueError("daily_tokens must be >= 0 or None for no limit")
        self._db = db
        # The bot's budget: every server's default (a server may set a lower one).
        self.daily_tokens = daily_tokens
        self._today = today
        self.per_guild = per_guild

    def limit(self, guild_id: int | None) -> int | None:
        """Return the server's daily budget: its own when set, else the bot's (None: none)."""
        if self.per_guild is None or guild_id is None:
            return self.daily_tokens
        return self.per_guild.daily_tokens_for(guild_id, self.daily_tokens)

    async def spent(self, guild_id: int | None, day: date | None = None) -> int:
        """Return the tokens a server has used on ``day`` (today by default)."""
        when = (day or self._today()).isoformat()
        async with self._db.conn.execute(
            "SELECT tokens FROM llm_budget WHERE guild_id = ? AND day = ?",
            (guild_id if guild_id is not None else NO_GUILD, when),
        ) as cur:
            row = await cur.fetchone()
        return int(row[0]) if row is not None else 0

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
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO llm_budget (guild_id, day, tokens) VALUES (?, ?, ?)"
                " ON CONFLICT (guild_id, day) DO UPDATE SET tokens = tokens + excluded.tokens",
                (
                    guild_id if guild_id is not None else NO_GUILD,
                    self._today().isoformat(),
                    int(tokens),
                ),
            )

    async def prune(self, keep_days: int = 31) -> int:
        """Delete counts older than ``keep_days``; return how many rows went."""
        cutoff = date.fromordinal(self._today().toordinal() - keep_days).isoformat()
        async with self._db.transaction() as conn:
            cur = await conn.execute("DELETE FROM llm_budget WHERE day < ?", (cutoff,))
            return cur.rowcount


class SqliteGuildKeys:
    """Per-server API keys as Fernet ciphertext; encryption stays in ``bot.llm.keys.KeyVault``."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def store(self, guild_id: int, provider: str, ciphertext: str) -> None:
        """Insert or replace a server's encrypted key for ``provider``."""
        if not ciphertext.startswith(_FERNET_PREFIX):
            # Refuse rather than risk a plaintext key landing on disk.
            raise ValueError("guild keys must be stored as Fernet ciphertext (use KeyVault)")
        now = datetime.now(UTC).isoformat()
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT OR IGNORE INTO guilds (id, created_at) VALUES (?, ?)", (guild_id, now)
            )
            await conn.execute(
                "INSERT INTO guild_llm_keys (guild_id, provider, ciphertext, updated_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (guild_id, provider) DO UPDATE SET"
                " ciphertext = excluded.ciphertext, updated_at = excluded.updated_at",
                (guild_id, provider, ciphertext, now),
            )

    async def load(self, guild_id: int, provider: str) -> str | None:
        """Return the stored ciphertext, or None."""
        async with self._db.conn.execute(
            "SELECT ciphertext FROM guild_llm_keys WHERE guild_id = ? AND provider = ?",
            (guild_id, provider),
        ) as cur:
            row = await cur.fetchone()
        return str(row[0]) if row is not None else None

    async def load_all(self, guild_id: int) -> dict[str, str]:
        """Return provider -> ciphertext for one server."""
        async with self._db.conn.execute(
            "SELECT provider, ciphertext FROM guild_llm_keys WHERE guild_id = ? ORDER BY provider",
            (guild_id,),
        ) as cur:
            rows = await cur.fetchall()
        return {str(r[0]): str(r[1]) for r in rows}

    async def delete(self, guild_id: int, provider: str | None = None) -> int:
        """Delete one provider's key (or all of a server's); return how many rows went."""
        async with self._db.transaction() as conn:
            if provider is None:
                cur = await conn.execute(
                    "DELETE FROM guild_llm_keys WHERE guild_id = ?", (guild_id,)
                )
            else:
                cur = await conn.execute(
                    "DELETE FROM guild_llm_keys WHERE guild_id = ? AND provider = ?",
                    (guild_id, provider),
                )
            return cur.rowcount


@dataclass(frozen=True, slots=True)
class PromptStats:
    """How one prompt version performed: reliability, speed, tokens, cost and grades."""

    prompt_id: str
    prompt_version: str
    language: str
    calls: int
    ok_calls: int
    ok_ratio: float
    mean_latency_ms: float | None
    p95_latency_ms: float | None
    mean_ttft_ms: float | None
    input_tokens: int
    output_tokens: int
    cost_usd: float
    graded_answers: int = 0
    mean_score: float | None = None


def _p95(values: list[float]) -> float | None:
    """Return the nearest-rank 95th percentile."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


async def prompt_stats(
    db: Database, prompt_id: str | None = None, *, language: str | None = None
) -> list[PromptStats]:
    """Compare prompt versions per prompt and language (latency and ttft over good calls)."""
    where: list[str] = []
    params: list[str] = []
    if prompt_id is not None:
        where.append("prompt_id = ?")
        params.append(prompt_id)
    if language is not None:
        where.append("language = ?")
        params.append(language)
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    async with db.conn.execute(
        "SELECT prompt_id, prompt_version, language, ok, latency_ms, ttft_ms, input_tokens,"
        f" output_tokens, cost_usd FROM llm_calls{clause}",
        params,
    ) as cur:
        rows = await cur.fetchall()
    Group = tuple[str, str, str]
    groups: dict[Group, list[tuple[int, float, float | None, int, int, float]]] = {}
    for r in rows:
        groups.setdefault((str(r[0]), str(r[1]), str(r[2])), []).append(
            (int(r[3]), float(r[4]), r[5], int(r[6]), int(r[7]), float(r[8]))
        )
    scores = await _scores(db, prompt_id, language)
    out: list[PromptStats] = []
    # Sorted so versions of one prompt and language sit next to each other in a table.
    for (pid, version, lang), calls in sorted(
        groups.items(), key=lambda g: (g[0][0], g[0][2], g[0][1])
    ):
        good = [c for c in calls if c[0]]
        latencies = [c[1] for c in good]
        ttfts = [float(c[2]) for c in good if c[2] is not None]
        graded, mean_score = scores.get((pid, version, lang), (0, None))
        out.append(
            PromptStats(
                prompt_id=pid,
                prompt_version=version,
                language=lang,
                calls=len(calls),
                ok_calls=len(good),
                ok_ratio=len(good) / len(calls),
                mean_latency_ms=sum(latencies) / len(latencies) if latencies else None,
                p95_latency_ms=_p95(latencies),
                mean_ttft_ms=sum(ttfts) / len(ttfts) if ttfts else None,
                input_tokens=sum(c[3] for c in calls),
                output_tokens=sum(c[4] for c in calls),
                cost_usd=sum(c[5] for c in calls),
                graded_answers=graded,
                mean_score=mean_score,
            )
        )
    return out


async def _scores(
    db: Database, prompt_id: str | None, language: str | None
) -> dict[tuple[str, str, str], tuple[int, float | None]]:
    """Return (count, mean score) of model-graded turns per prompt version and language."""
    # The evaluator stores prompt_id/prompt_version in the turn's extra JSON.
    sql = (
        "SELECT json_extract(extra, '$.prompt_id') AS pid,"
        " json_extract(extra, '$.prompt_version') AS ver,"
        " COALESCE(json_extract(extra, '$.prompt_language'), '') AS lang,"
        " COUNT(*), AVG(score) FROM turns"
        " WHERE source = 'llm' AND score IS NOT NULL AND json_valid(extra)"
        " AND json_extract(extra, '$.prompt_id') IS NOT NULL"
    )
    params: list[str] = []
    if prompt_id is not None:
        sql += " AND json_extract(extra, '$.prompt_id') = ?"
        params.append(prompt_id)
    if language is not None:
        sql += " AND json_extract(extra, '$.prompt_language') = ?"
        params.append(language)
    sql += " GROUP BY pid, ver, lang"
    async with db.conn.execute(sql, params) as cur:
        rows = await cur.fetchall()
    return {
        (str(r[0]), str(r[1]), str(r[2])): (int(r[3]), float(r[4]) if r[4] is not None else None)
        for r in rows
    }
