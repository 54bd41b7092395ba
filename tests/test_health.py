"""The heartbeat the running bot writes and `python -m bot health`, which judges it."""

from __future__ import annotations

import io
import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.health import STALE_AFTER_S, Beat, Heartbeat, health_main, judge, write_beat
from storage.db import Database

ROOT = Path(__file__).resolve().parents[1]


def beat(**changes: object) -> Beat:
    fields: dict[str, object] = {
        "time": time.time(),
        "pid": os.getpid(),
        "connected": True,
        "user": "Mockingbird#0001",
        "servers": 2,
        "latency_ms": 41.5,
        "database": "ok",
    }
    fields.update(changes)
    return Beat(**fields)  # type: ignore[arg-type]


def test_a_fresh_beat_of_a_connected_bot_with_a_usable_database_is_healthy(
    tmp_path: Path,
) -> None:
    path = tmp_path / "health.json"
    write_beat(path, beat())
    assert judge(path) is None
    out = io.StringIO()
    assert health_main(path, out) == 0
    assert out.getvalue().startswith("healthy: connected as Mockingbird#0001 in 2 servers")


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"time": time.time() - STALE_AFTER_S - 5}, "hung or stopped"),
        ({"connected": False}, "not connected to Discord"),
        ({"database": "database is locked"}, "the database cannot be used: database is locked"),
    ],
)
def test_a_stale_disconnected_or_database_less_bot_is_unhealthy(
    tmp_path: Path, changes: dict[str, object], says: str
) -> None:
    path = tmp_path / "health.json"
    write_beat(path, beat(**changes))
    out = io.StringIO()
    assert health_main(path, out) == 1
    assert out.getvalue().startswith("unhealthy: ") and says in out.getvalue()


def test_a_beat_left_by_a_dead_process_is_unhealthy(tmp_path: Path) -> None:
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], **_OUT)
    path = tmp_path / "health.json"
    write_beat(path, beat(pid=int(child.stdout)))
    problem = judge(path)
    assert problem is not None and "is not running" in problem


def test_no_heartbeat_or_a_broken_one_is_unhealthy(tmp_path: Path) -> None:
    problem = judge(tmp_path / "missing.json")
    assert problem is not None and "the bot is not running" in problem
    (tmp_path / "broken.json").write_text("{not json")
    problem = judge(tmp_path / "broken.json")
    assert problem is not None and "unreadable heartbeat" in problem


async def test_heartbeat_reports_a_locked_database_and_the_health_check_fails(
    tmp_path: Path,
) -> None:
    path = tmp_path / "health.json"
    db = await Database(tmp_path / "m.sqlite3", busy_timeout_ms=100).open()
    try:
        heart = Heartbeat(path, lambda: (True, "Mockingbird#0001", 1, 40.0), db.check)
        assert (await heart.beat()).healthy
        assert judge(path) is None
        other = sqlite3.connect(tmp_path / "m.sqlite3", isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        try:
            written = await heart.beat()
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert not written.healthy and "is locked" in written.database
        problem = judge(path)
        assert problem is not None and "m.sqlite3" in problem
    finally:
        await db.close()


async def test_heartbeat_replaces_a_stale_file_and_removes_its_own_when_stopped(
    tmp_path: Path,
) -> None:
    path = tmp_path / "health.json"
    write_beat(path, beat(time=1.0))

    async def fine() -> None:
        return None

    heart = Heartbeat(path, lambda: (False, None, 0, None), fine, interval_s=3600)
    heart.start()
    for _ in range(200):
        await _tick()
        if path.exists() and json.loads(path.read_text())["time"] > 1.0:
            break
    assert json.loads(path.read_text())["connected"] is False
    await heart.stop()
    assert not path.exists()


async def test_run_bot_keeps_the_heartbeat_only_while_it_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.discord_app import MockingbirdBot, intents, run_bot

    path = tmp_path / "health.json"
    seen: list[bool] = []

    async def start(self: MockingbirdBot, token: str) -> None:
        for _ in range(200):
            await _tick()
            if path.exists():
                break
        seen.append(path.exists())

    async def fine() -> None:
        return None

    monkeypatch.setattr(MockingbirdBot, "start", start)
    bot = MockingbirdBot(intents=intents())
    heart = Heartbeat(path, bot.connection_status, fine, interval_s=3600)
    assert await run_bot(bot, "token", heart) == 0
    assert seen == [True]
    assert not path.exists()


async def test_health_command_uses_the_configured_file_and_exits_0_or_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "beat.json"
    monkeypatch.setenv("HEALTH_FILE", str(path))
    assert await main(["health"]) == 1
    assert "no heartbeat at" in capsys.readouterr().out
    write_beat(path, beat())
    assert await main(["health"]) == 0
    # Docker reserves exit code 2: a broken setting is "unhealthy" (1) too.
    monkeypatch.setenv("RETENTION_DAYS", "-1")
    assert await main(["health"]) == 1
    assert "RETENTION_DAYS" in capsys.readouterr().out


def test_health_command_is_cheap_enough_for_a_container_check(tmp_path: Path) -> None:
    # It must not import the model SDKs or py-cord: Docker runs it every minute.
    code = (
        "import sys, asyncio; from bot.__main__ import main; asyncio.run(main(['health']));"
        "print(sorted(m for m in ('openai', 'anthropic', 'discord', 'faster_whisper')"
        " if m in sys.modules))"
    )
    env = {**os.environ, "HEALTH_FILE": str(tmp_path / "none.json")}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, **_OUT)
    assert done.stdout.strip().splitlines()[-1] == "[]"


_OUT: dict[str, object] = {"capture_output": True, "text": True, "timeout": 60, "check": True}


async def _tick() -> None:
    import asyncio

    await asyncio.sleep(0.01)
