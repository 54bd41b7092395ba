"""`python -m bot prompts stats`: a table and JSON from seeded usage rows."""

from __future__ import annotations

import io
import json
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.config import Settings
from bot.llm import UsageRecord
from bot.prompt_stats import prompt_stats_main
from storage.db import Database
from storage.llm_usage import SqliteUsageSink

log = logging.getLogger(__name__)


def record(version: str, latency: float, *, ok: bool = True, language: str = "en") -> UsageRecord:
    return UsageRecord(
        prompt_id="evaluate",
        prompt_version=version,
        language=language,
        provider="openai",
        model="gpt-test",
        ok=ok,
        error=None if ok else "unavailable:503",
        latency_ms=latency,
        ttft_ms=latency / 4 if ok else None,
        input_tokens=1000,
        output_tokens=200 if ok else 0,
        cost_usd=0.01 if ok else 0.0,
        attempt=1,
        started_at=datetime(2026, 11, 20, 9, 0, tzinfo=UTC),
        key="guild:1",
    )


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "stats.sqlite3"))
    return Settings(env_file=None)


async def seed(path: Path) -> None:
    async with Database(path) as db:
        sink = SqliteUsageSink(db)
        for latency in (100.0, 300.0):
            await sink.record(record("v1", latency))
        await sink.record(record("v1", 50.0, ok=False))
        for latency in (800.0, 1200.0, 1000.0):
            await sink.record(record("v2", latency))
        await sink.record(record("v1", 700.0, language="ko"))


async def run(settings: Settings, *argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = await prompt_stats_main(settings, list(argv), out)
    return code, out.getvalue()


async def test_table_compares_two_versions(settings: Settings) -> None:
    await seed(settings.storage.database_path)
    code, text = await run(settings)
    assert code == 0
    lines = text.splitlines()
    assert lines[0].split()[:3] == ["prompt", "lang", "version"]
    rows = [line.split() for line in lines[2:] if line.strip()]
    assert [(r[0], r[1], r[2]) for r in rows] == [
        ("evaluate", "en", "v1"),
        ("evaluate", "en", "v2"),
        ("evaluate", "ko", "v1"),
    ]
    v1, v2, _ = rows
    assert v1[3:7] == ["3", "66.7", "200", "300"]  # calls, ok %, mean ms, p95 ms
    assert v2[3:7] == ["3", "100.0", "1000", "1200"]
    assert "" in lines[2:]  # a blank line separates the ko group


async def test_json_parses_and_filters(settings: Settings) -> None:
    await seed(settings.storage.database_path)
    code, text = await run(settings, "--json", "--language", "en")
    assert code == 0
    data = json.loads(text)
    versions = {p["prompt_version"]: p for p in data["prompts"]}
    assert set(versions) == {"v1", "v2"}
    assert versions["v1"]["ok_calls"] == 2 and versions["v1"]["calls"] == 3
    assert versions["v2"]["mean_ttft_ms"] == pytest.approx(250.0)
    assert versions["v2"]["cost_usd"] == pytest.approx(0.03)
    assert versions["v1"]["mean_score"] is None


async def test_empty_database_prints_a_helpful_line(settings: Settings) -> None:
    async with Database(settings.storage.database_path):
        pass
    code, text = await run(settings)
    assert code == 0
    assert "No model calls recorded yet" in text and text.count("\n") == 1
    code, text = await run(settings, "--json")
    assert json.loads(text) == {"prompts": []}


async def test_missing_database_says_where_it_looked(settings: Settings, tmp_path: Path) -> None:
    code, text = await run(settings, "--db", str(tmp_path / "nowhere.sqlite3"))
    assert code == 1
    assert "nowhere.sqlite3" in text
    assert not (tmp_path / "nowhere.sqlite3").exists()
