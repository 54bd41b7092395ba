"""The SQLite file: pragmas, migrations, and what survives a killed process."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from bot.catalog import Kind, Level
from bot.interview.engine import InterviewEngine, StartOptions
from bot.interview.events import FeedbackGiven
from bot.interview.models import TurnStatus
from storage.db import Database
from storage.sessions import SqliteSessionStore
from tests.fakes.evaluator import ScriptedEvaluator, make_bank

ROOT = Path(__file__).resolve().parents[2]
MIGRATIONS = ROOT / "storage" / "migrations"


async def test_open_sets_wal_foreign_keys_and_migrates_once(tmp_path: Path) -> None:
    path = tmp_path / "db" / "m.sqlite3"
    db = await Database(path).open()
    async with db.conn.execute("PRAGMA journal_mode") as cur:
        assert (await cur.fetchone())[0] == "wal"
    async with db.conn.execute("PRAGMA foreign_keys") as cur:
        assert (await cur.fetchone())[0] == 1
    assert await db.migrate() == []
    await db.close()
    with sqlite3.connect(path) as raw:
        versions = [r[0] for r in raw.execute("SELECT version FROM schema_migrations")]
        tables = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    on_disk = sorted(
        int(f.name.split("_", 1)[0]) for f in MIGRATIONS.glob("[0-9][0-9][0-9][0-9]_*.sql")
    )
    assert versions == on_disk and on_disk[:2] == [1, 2]
    assert {"users", "guilds", "sessions", "turns", "findings"} <= tables


async def test_one_active_session_per_user_and_server_is_enforced_by_sqlite(tmp_path: Path) -> None:
    db = await Database(tmp_path / "u.sqlite3").open()
    await db.conn.execute("INSERT INTO users (id, created_at) VALUES (1, 'now')")
    row = (
        "INSERT INTO sessions (user_id, guild_id, kind, level, start_level, question_count,"
        " language, status, created_at, updated_at)"
        " VALUES (1, NULL, 'coding', 'mid', 'mid', 5, 'en', 'active', 'now', 'now')"
    )
    await db.conn.execute(row)
    with pytest.raises(sqlite3.IntegrityError):
        await db.conn.execute(row)
    await db.close()


async def test_turns_and_findings_round_trip(tmp_path: Path) -> None:
    db = await Database(tmp_path / "r.sqlite3").open()
    engine = InterviewEngine(SqliteSessionStore(db), make_bank(), ScriptedEvaluator())
    session, _ = await engine.start(StartOptions(5, 6, Kind.BEHAVIORAL, Level.MID, 3))
    events = await engine.answer(session.id, "vague but saved")  # type: ignore[arg-type]
    graded = events[0]
    assert isinstance(graded, FeedbackGiven)
    await db.close()

    db = await Database(tmp_path / "r.sqlite3").open()
    store = SqliteSessionStore(db)
    again = await store.get_session(session.id)  # type: ignore[arg-type]
    assert again is not None
    turn = again.turns[0]
    assert turn.answer == "vague but saved" and turn.status is TurnStatus.EVALUATED
    assert turn.evaluation == graded.evaluation
    history = await store.history(5, 6, 10)
    assert history[0].answered == 1 and history[0].average_score == 40
    await db.close()


KILLED_CHILD = textwrap.dedent(
    """
    import asyncio, sys
    from pathlib import Path
    sys.path.insert(0, {root!r})
    from bot.interview.engine import InterviewEngine, StartOptions
    from bot.interview.models import Kind, Level
    from storage.db import Database
    from storage.sessions import SqliteSessionStore
    from tests.fakes.evaluator import ScriptedEvaluator, make_bank

    class Hangs(ScriptedEvaluator):
        async def evaluate(self, *args, **kwargs):
            print("grading", flush=True)
            await asyncio.sleep(3600)

    async def main():
        db = await Database({path!r}).open()
        engine = InterviewEngine(SqliteSessionStore(db), make_bank(), Hangs())
        session, _ = await engine.start(StartOptions(11, 22, Kind.BEHAVIORAL, Level.MID, 3))
        await engine.answer(session.id, "an answer written just before the crash")

    asyncio.run(main())
    """
)


async def test_process_killed_mid_grading_loses_nothing_and_resumes(tmp_path: Path) -> None:
    path = str(tmp_path / "k.sqlite3")
    # A blocking Popen is fine here: the test needs a separate process it can SIGKILL.
    child = subprocess.Popen(  # noqa: ASYNC220
        [sys.executable, "-c", KILLED_CHILD.format(root=str(ROOT), path=path)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert child.stdout is not None
    deadline = time.monotonic() + 60
    line = ""
    while time.monotonic() < deadline and line != "grading\n":
        line = child.stdout.readline()
        if not line:
            break
    assert line == "grading\n", "child never reached grading"
    os.kill(child.pid, signal.SIGKILL)
    child.wait()

    db = await Database(path).open()
    engine = InterviewEngine(SqliteSessionStore(db), make_bank(), ScriptedEvaluator())
    pending = await engine.sessions_awaiting_grade()
    assert len(pending) == 1
    session = await engine.active_session(11, 22)
    assert session is not None and session.id == pending[0]
    assert session.current_turn is not None
    assert session.current_turn.answer == "an answer written just before the crash"
    events = await engine.resume(session.id)  # type: ignore[arg-type]
    assert isinstance(events[0], FeedbackGiven)
    assert events[0].turn.answer == "an answer written just before the crash"
    await db.close()


async def test_retention_prunes_old_sessions_with_their_turns(tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    db = await Database(tmp_path / "p.sqlite3").open()
    store = SqliteSessionStore(db)
    engine = InterviewEngine(store, make_bank(), ScriptedEvaluator())
    session, _ = await engine.start(StartOptions(3, 4, Kind.BEHAVIORAL, Level.MID, 2))
    await engine.answer(session.id, "vague answer")  # type: ignore[arg-type]
    assert await store.prune(datetime.now(UTC) - timedelta(days=1)) == 0
    assert await store.prune(datetime.now(UTC) + timedelta(seconds=1)) == 1
    assert await store.get_session(session.id) is None  # type: ignore[arg-type]
    async with db.conn.execute("SELECT COUNT(*) FROM turns") as cur:
        assert (await cur.fetchone())[0] == 0
    async with db.conn.execute("SELECT COUNT(*) FROM findings") as cur:
        assert (await cur.fetchone())[0] == 0
    await db.close()
