"""Model usage rows, daily token budgets, guild key ciphertext and prompt version stats."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.llm import KeyVault, KeyVaultError, UsageRecord
from storage.db import Database
from storage.llm_usage import (
    SqliteBudget,
    SqliteGuildKeys,
    SqliteUsageSink,
    SqliteUsageTotals,
    prompt_stats,
)

log = logging.getLogger(__name__)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database(tmp_path / "u.sqlite3").open()
    try:
        yield database
    finally:
        await database.close()


def usage(
    version: str,
    *,
    ok: bool = True,
    latency: float = 100.0,
    ttft: float | None = 20.0,
    tokens: tuple[int, int] = (100, 50),
    cost: float = 0.001,
    key: str | None = None,
    language: str = "en",
) -> UsageRecord:
    return UsageRecord(
        prompt_id="evaluate",
        prompt_version=version,
        language=language,
        provider="openai",
        model="gpt-test",
        ok=ok,
        error=None if ok else "unavailable:500",
        latency_ms=latency,
        ttft_ms=ttft if ok else None,
        input_tokens=tokens[0],
        output_tokens=tokens[1] if ok else 0,
        cost_usd=cost if ok else 0.0,
        attempt=1,
        started_at=datetime(2026, 11, 2, 12, 0, tzinfo=UTC),
        key=key,
    )


async def test_migration_creates_the_tables(db: Database) -> None:
    async with db.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'") as cur:
        tables = {r[0] for r in await cur.fetchall()}
    assert {"llm_calls", "llm_budget", "guild_llm_keys"} <= tables


async def test_sink_stores_every_field(db: Database) -> None:
    await SqliteUsageSink(db).record(usage("v1", latency=123.5, ttft=45.0, key="guild:9"))
    async with db.conn.execute("SELECT * FROM llm_calls") as cur:
        fetched = await cur.fetchone()
    assert fetched is not None
    row = dict(fetched)
    assert row["prompt_id"] == "evaluate" and row["prompt_version"] == "v1"
    assert row["ok"] == 1 and row["error"] is None
    assert row["latency_ms"] == 123.5 and row["ttft_ms"] == 45.0
    assert (row["input_tokens"], row["output_tokens"]) == (100, 50)
    assert row["cost_usd"] == pytest.approx(0.001)
    assert row["key"] == "guild:9"
    assert row["started_at"].startswith("2026-11-02T12:00:00")


async def test_sink_never_stores_something_that_looks_like_an_api_key(db: Database) -> None:
    await SqliteUsageSink(db).record(usage("v1", key="sk-live-abcdefghijklmnop0123456789"))
    async with db.conn.execute("SELECT key FROM llm_calls") as cur:
        row = await cur.fetchone()
    assert row is not None
    assert "abcdefghijklmnop" not in row[0]


async def test_budget_allows_until_the_daily_allowance_is_spent(db: Database) -> None:
    today = [date(2026, 11, 2)]
    budget = SqliteBudget(db, daily_tokens=500, today=lambda: today[0])
    assert await budget.allow(1)
    await budget.spend(1, 300)
    assert await budget.allow(1)
    assert await budget.remaining(1) == 200
    await budget.spend(1, 250)
    assert not await budget.allow(1)
    assert await budget.spent(1) == 550
    assert await budget.allow(2)  # other servers are separate
    assert await budget.allow(None)  # so are direct messages
    today[0] = date(2026, 11, 3)
    assert await budget.allow(1)  # a new UTC day starts fresh
    assert await budget.spent(1, date(2026, 11, 2)) == 550
    assert await budget.prune(keep_days=0) == 1


async def test_budget_without_a_limit_always_allows(db: Database) -> None:
    budget = SqliteBudget(db, daily_tokens=None)
    await budget.spend(1, 10**9)
    assert await budget.allow(1)
    assert await budget.remaining(1) is None


async def test_guild_keys_store_ciphertext_only(db: Database) -> None:
    vault = KeyVault(KeyVault.generate_master_key())
    keys = SqliteGuildKeys(db)
    secret = "sk-guild-0123456789abcdefghij"
    await keys.store(5, "openai", vault.encrypt(secret))
    with pytest.raises(ValueError, match="ciphertext"):
        await keys.store(5, "anthropic", secret)
    stored = await keys.load(5, "openai")
    assert stored is not None and secret not in stored
    assert vault.decrypt(stored) == secret
    with pytest.raises(KeyVaultError):
        KeyVault(KeyVault.generate_master_key()).decrypt(stored)
    async with db.conn.execute("SELECT group_concat(ciphertext) FROM guild_llm_keys") as cur:
        row = await cur.fetchone()
    assert row is not None and secret not in row[0]
    await keys.store(5, "openai", vault.encrypt("sk-guild-rotated-0123456789ab"))
    assert list(await keys.load_all(5)) == ["openai"]
    assert vault.decrypt((await keys.load_all(5))["openai"]).startswith("sk-guild-rotated")
    assert await keys.delete(5) == 1
    assert await keys.load(5, "openai") is None


async def test_deleting_a_guild_deletes_its_keys(db: Database) -> None:
    vault = KeyVault(KeyVault.generate_master_key())
    keys = SqliteGuildKeys(db)
    await keys.store(6, "anthropic", vault.encrypt("sk-ant-0123456789abcdefgh"))
    async with db.transaction() as conn:
        await conn.execute("DELETE FROM guilds WHERE id = 6")
    assert await keys.load_all(6) == {}


async def _graded_turn(
    db: Database, version: str, score: int, idx: int, language: str = "en"
) -> None:
    now = datetime.now(UTC).isoformat()
    async with db.transaction() as conn:
        await conn.execute("INSERT OR IGNORE INTO users (id, created_at) VALUES (1, ?)", (now,))
        await conn.execute(
            "INSERT OR IGNORE INTO sessions (id, user_id, kind, level, start_level,"
            " question_count, language, status, created_at, updated_at)"
            " VALUES (1, 1, 'behavioral', 'mid', 'mid', 5, 'en', 'active', ?, ?)",
            (now, now),
        )
        extra = {"prompt_id": "evaluate", "prompt_version": version, "prompt_language": language}
        await conn.execute(
            "INSERT INTO turns (session_id, idx, question_id, prompt, level, status, score,"
            " source, extra, created_at, updated_at)"
            " VALUES (1, ?, 'q', 'Q?', 'mid', 'evaluated', ?, 'llm', ?, ?, ?)",
            (idx, score, json.dumps(extra), now, now),
        )


async def test_prompt_stats_compares_two_versions(db: Database) -> None:
    sink = SqliteUsageSink(db)
    for latency in (100.0, 200.0, 300.0):
        await sink.record(usage("v1", latency=latency, ttft=10.0, cost=0.002))
    await sink.record(usage("v1", ok=False, latency=50.0))
    for i in range(20):
        await sink.record(usage("v2", latency=float(1000 + 100 * i), ttft=40.0, cost=0.001))
    await _graded_turn(db, "v1", 60, 0)
    await _graded_turn(db, "v1", 80, 1)
    await _graded_turn(db, "v2", 90, 2)

    v1, v2 = await prompt_stats(db, "evaluate")
    assert (v1.prompt_version, v2.prompt_version) == ("v1", "v2")
    assert (v1.calls, v1.ok_calls) == (4, 3)
    assert v1.ok_ratio == pytest.approx(0.75)
    assert v1.mean_latency_ms == pytest.approx(200.0)  # failed attempts are left out
    assert v1.p95_latency_ms == pytest.approx(300.0)
    assert v1.mean_ttft_ms == pytest.approx(10.0)
    assert v1.input_tokens == 400 and v1.output_tokens == 150
    assert v1.cost_usd == pytest.approx(0.006)
    assert v1.graded_answers == 2 and v1.mean_score == pytest.approx(70.0)
    assert v2.ok_ratio == 1.0
    assert v2.p95_latency_ms == pytest.approx(2800.0)
    assert v2.mean_ttft_ms == pytest.approx(40.0)
    assert v2.graded_answers == 1 and v2.mean_score == pytest.approx(90.0)
    assert await prompt_stats(db, "follow_up") == []
    assert len(await prompt_stats(db, language="en")) == 2
    assert await prompt_stats(db, language="ko") == []


async def test_prompt_stats_keep_languages_apart(db: Database) -> None:
    sink = SqliteUsageSink(db)
    await sink.record(usage("v1", latency=100.0, language="en"))
    await sink.record(usage("v1", latency=300.0, language="ko"))
    await sink.record(usage("v1", latency=500.0, language="ko"))
    await sink.record(usage("v2", latency=200.0, language="en"))
    await _graded_turn(db, "v1", 50, 0, language="en")
    await _graded_turn(db, "v1", 90, 1, language="ko")

    rows = await prompt_stats(db)
    assert [(r.language, r.prompt_version, r.calls) for r in rows] == [
        ("en", "v1", 1),
        ("en", "v2", 1),
        ("ko", "v1", 2),
    ]
    en_v1, _, ko_v1 = rows
    assert ko_v1.mean_latency_ms == pytest.approx(400.0)
    assert en_v1.mean_score == pytest.approx(50.0)
    assert ko_v1.mean_score == pytest.approx(90.0)
    (only_ko,) = await prompt_stats(db, language="ko")
    assert only_ko.graded_answers == 1


async def test_usage_totals_sum_one_label_on_one_utc_day(db: Database) -> None:
    sink = SqliteUsageSink(db)
    await sink.record(usage("v1", key="guild:9:own", tokens=(100, 50)))
    await sink.record(usage("v2", key="guild:9:own", tokens=(30, 20)))
    await sink.record(usage("v1", key="guild:9", tokens=(1000, 500)))
    late = replace(
        usage("v1", key="guild:9:own"), started_at=datetime(2026, 11, 3, 0, 0, tzinfo=UTC)
    )
    await sink.record(late)
    totals = SqliteUsageTotals(db, today=lambda: date(2026, 11, 2))
    assert await totals.tokens_today("guild:9:own") == 200
    assert await totals.tokens_on("guild:9", date(2026, 11, 2)) == 1500
    assert await totals.tokens_on("guild:9:own", date(2026, 11, 3)) == 150
    assert await totals.tokens_today("guild:10:own") == 0
