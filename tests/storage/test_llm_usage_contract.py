"""The LLM stores' contract: SQLite and the in-memory fakes pass the same checks.

Budget (``BudgetPort`` and ``BudgetReader``), usage sink with the totals read back from it,
and per-server key ciphertext (``GuildKeyStore``).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.llm import KeyVault, UsageRecord
from storage.db import Database
from storage.llm_usage import SqliteBudget, SqliteGuildKeys, SqliteUsageSink, SqliteUsageTotals
from tests.fakes.guild_keys import InMemoryGuildKeys
from tests.fakes.llm_budget import InMemoryBudget
from tests.fakes.llm_usage import InMemoryUsageSink, InMemoryUsageTotals

log = logging.getLogger(__name__)

DAY = date(2026, 11, 2)


class Today:
    """A UTC date the test moves by hand."""

    def __init__(self) -> None:
        self.day = DAY

    def __call__(self) -> date:
        return self.day


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async with Database(tmp_path / "llm.sqlite3") as database:
        yield database


@pytest.fixture(params=["sqlite", "memory"])
def kind(request: pytest.FixtureRequest) -> str:
    """Name the implementation under test: the SQLite store or the in-memory fake."""
    return str(request.param)


# ---- budget -------------------------------------------------------------------------------

Budget = SqliteBudget | InMemoryBudget


def budget_of(kind: str, db: Database, daily: int | None, today: Today) -> Budget:
    if kind == "sqlite":
        return SqliteBudget(db, daily, today=today)
    return InMemoryBudget(daily, today=today)


async def test_budget_allows_until_the_daily_allowance_is_spent(kind: str, db: Database) -> None:
    today = Today()
    budget = budget_of(kind, db, 500, today)
    assert budget.daily_tokens == 500
    assert await budget.allow(1) and await budget.remaining(1) == 500
    await budget.spend(1, 300)
    await budget.spend(1, 0)  # nothing to charge
    await budget.spend(1, -5)
    assert await budget.remaining(1) == 200
    await budget.spend(1, 250)
    assert not await budget.allow(1)
    assert (await budget.spent(1), await budget.remaining(1)) == (550, 0)
    assert await budget.allow(2) and await budget.allow(None)  # other places are separate
    await budget.spend(None, 7)
    assert await budget.spent(None) == 7 and await budget.spent(0) == 7  # no server is 0
    today.day = DAY + timedelta(days=1)
    assert await budget.allow(1) and await budget.spent(1) == 0  # a new UTC day
    assert await budget.spent(1, DAY) == 550


async def test_budget_prune_keeps_recent_days(kind: str, db: Database) -> None:
    today = Today()
    budget = budget_of(kind, db, None, today)
    for offset in range(4):
        today.day = DAY + timedelta(days=offset)
        await budget.spend(1, 10)
        await budget.spend(2, 10)
    assert await budget.prune(keep_days=2) == 2  # DAY itself, for both servers
    assert await budget.spent(1, DAY) == 0
    assert await budget.spent(1, DAY + timedelta(days=1)) == 10
    assert await budget.prune(keep_days=2) == 0


async def test_budget_without_a_limit_always_allows(kind: str, db: Database) -> None:
    budget = budget_of(kind, db, None, Today())
    await budget.spend(1, 10**9)
    assert await budget.allow(1) and await budget.remaining(1) is None
    with pytest.raises(ValueError, match="daily_tokens"):
        budget_of(kind, db, -1, Today())


# ---- usage sink and totals ----------------------------------------------------------------


@dataclass
class Usage:
    """A sink and the totals that read it back."""

    sink: SqliteUsageSink | InMemoryUsageSink
    totals: SqliteUsageTotals | InMemoryUsageTotals


def usage_of(kind: str, db: Database, today: Today) -> Usage:
    if kind == "sqlite":
        return Usage(SqliteUsageSink(db), SqliteUsageTotals(db, today=today))
    sink = InMemoryUsageSink()
    return Usage(sink, InMemoryUsageTotals(sink, today=today))


def record(key: str | None, tokens: tuple[int, int], at: datetime) -> UsageRecord:
    return UsageRecord(
        prompt_id="evaluate",
        prompt_version="v1",
        language="en",
        provider="openai",
        model="gpt-test",
        ok=True,
        error=None,
        latency_ms=100.0,
        ttft_ms=20.0,
        input_tokens=tokens[0],
        output_tokens=tokens[1],
        cost_usd=0.001,
        attempt=1,
        started_at=at,
        key=key,
    )


async def test_totals_count_a_labels_tokens_on_the_utc_day(kind: str, db: Database) -> None:
    today = Today()
    usage = usage_of(kind, db, today)
    noon = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
    await usage.sink.record(record("guild:9:own", (100, 50), noon))
    await usage.sink.record(record("guild:9:own", (10, 0), noon.replace(hour=0)))
    await usage.sink.record(record("guild:9", (1000, 1000), noon))  # the bot's key
    await usage.sink.record(record(None, (1000, 1000), noon))
    # 23:30 at UTC-2 is 01:30 the next UTC day.
    late = datetime(2026, 11, 2, 23, 30, tzinfo=timezone(timedelta(hours=-2)))
    await usage.sink.record(record("guild:9:own", (5, 5), late))
    assert await usage.totals.tokens_today("guild:9:own") == 160
    assert await usage.totals.tokens_today("guild:10:own") == 0
    today.day = DAY + timedelta(days=1)
    assert await usage.totals.tokens_today("guild:9:own") == 10
    assert await usage.totals.tokens_on("guild:9", DAY) == 2000


async def test_a_label_that_looks_like_an_api_key_is_never_stored(kind: str, db: Database) -> None:
    usage = usage_of(kind, db, Today())
    secret = "sk-live-abcdefghijklmnop0123456789"
    noon = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
    await usage.sink.record(record(secret, (100, 50), noon))
    await usage.sink.record(record("x" * 65, (1, 1), noon))
    assert await usage.totals.tokens_today(secret) == 0
    assert await usage.totals.tokens_today("x" * 65) == 0
    assert await usage.totals.tokens_today("[REDACTED]") == 152


# ---- guild keys ---------------------------------------------------------------------------


def keys_of(kind: str, db: Database) -> SqliteGuildKeys | InMemoryGuildKeys:
    return SqliteGuildKeys(db) if kind == "sqlite" else InMemoryGuildKeys()


async def test_guild_keys_store_replace_list_and_delete_ciphertext(kind: str, db: Database) -> None:
    vault = KeyVault(KeyVault.generate_master_key())
    keys = keys_of(kind, db)
    secret = "sk-guild-0123456789abcdefghij"
    with pytest.raises(ValueError, match="ciphertext"):
        await keys.store(5, "openai", secret)
    assert await keys.load(5, "openai") is None and await keys.load_all(5) == {}
    await keys.store(5, "openai", vault.encrypt(secret))
    await keys.store(5, "anthropic", vault.encrypt("sk-ant-0123456789abcdefgh"))
    await keys.store(6, "openai", vault.encrypt("sk-other-0123456789abcdefgh"))
    rotated = vault.encrypt("sk-guild-rotated-0123456789ab")
    await keys.store(5, "openai", rotated)
    assert await keys.load(5, "openai") == rotated
    every = await keys.load_all(5)
    assert list(every) == ["anthropic", "openai"]  # sorted by provider
    assert vault.decrypt(every["openai"]).startswith("sk-guild-rotated")
    assert await keys.delete(5, "openai") == 1
    assert await keys.delete(5, "openai") == 0
    assert list(await keys.load_all(5)) == ["anthropic"]
    await keys.store(5, "openai", rotated)
    assert await keys.delete(5) == 2
    assert await keys.load_all(5) == {}
    assert list(await keys.load_all(6)) == ["openai"]  # other servers keep theirs
