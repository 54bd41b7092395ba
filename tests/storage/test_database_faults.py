"""A broken SQLite file: each fault gets a clear message naming the file, nothing hangs.

Faults made for real: random bytes (corrupt), a valid file cut short (truncated), an
immutable file (read-only, even for root), another connection holding the write lock
(locked), and a file-size limit on the process (full: SQLite's writes fail as on a full
disk). Each entry point runs in a child process, so a connection left open (whose worker
thread keeps the interpreter alive) shows as a hang.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.db import Database, DatabaseUnavailable

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4OQ.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"
# Generous for a loaded 2-core machine; a hang is "never", not "slow".
PROMPTLY_S = 60


def assert_no_open_connection() -> None:
    for thread in threading.enumerate():
        if "connection_worker" in thread.name:
            thread.join(timeout=5)
            assert not thread.is_alive(), "a database connection was left open"


def valid_file(path: Path) -> Path:
    """Make a migrated database file (from a sync test: no event loop runs there)."""

    async def make() -> None:
        db = await Database(path).open()
        await db.close()

    asyncio.run(make())
    return path


def corrupt(path: Path) -> Path:
    path.write_bytes(os.urandom(16384))
    return path


def truncated(path: Path) -> Path:
    whole = valid_file(path.with_name("whole.sqlite3")).read_bytes()
    path.write_bytes(whole[: len(whole) // 2])
    return path


@pytest.fixture
def read_only() -> Iterator[list[Path]]:
    """Yield a list; each path added becomes read-only (immutable as root), undone after."""
    made: list[Path] = []
    yield made
    for path in made:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(path)], check=False)
        path.chmod(stat.S_IRUSR | stat.S_IWUSR)


def make_read_only(path: Path, made: list[Path]) -> None:
    made.append(path)
    if os.geteuid() != 0:
        path.chmod(stat.S_IRUSR)
        return
    # Root ignores file modes; the immutable attribute binds root too.
    if shutil.which("chattr") is None:
        pytest.skip("running as root without chattr: cannot make a read-only file")
    done = subprocess.run(["chattr", "+i", str(path)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"this filesystem has no immutable files: {done.stderr.strip()}")


# ---- Database.open, in this process -------------------------------------------------


async def test_a_corrupt_file_is_named_with_what_to_do_and_closed(tmp_path: Path) -> None:
    path = corrupt(tmp_path / "m.sqlite3")
    with pytest.raises(DatabaseUnavailable) as info:
        await Database(path).open()
    assert info.value.problem == "corrupt"
    message = info.value.user_message
    assert str(path) in message and "Move it aside" in message and ".recover" in message
    assert_no_open_connection()


async def test_a_truncated_file_is_reported_as_damaged(tmp_path: Path) -> None:
    path = await asyncio.to_thread(truncated, tmp_path / "m.sqlite3")
    with pytest.raises(DatabaseUnavailable) as info:
        await Database(path).open()
    assert info.value.problem == "corrupt" and str(path) in info.value.user_message
    assert_no_open_connection()


async def test_a_read_only_file_is_refused_at_open_not_at_the_first_answer(
    tmp_path: Path, read_only: list[Path]
) -> None:
    path = await asyncio.to_thread(valid_file, tmp_path / "m.sqlite3")
    make_read_only(path, read_only)
    with pytest.raises(DatabaseUnavailable) as info:
        await Database(path).open()
    assert info.value.problem == "read_only"
    assert str(path) in info.value.user_message and "writable" in info.value.user_message
    assert_no_open_connection()


async def test_a_locked_file_is_reported_after_the_busy_timeout(tmp_path: Path) -> None:
    path = await asyncio.to_thread(valid_file, tmp_path / "m.sqlite3")
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(DatabaseUnavailable) as info:
            await Database(path, busy_timeout_ms=100).open()
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert info.value.problem == "locked"
    assert str(path) in info.value.user_message and "another program" in info.value.user_message
    assert_no_open_connection()


async def test_a_full_database_is_explained(tmp_path: Path) -> None:
    db = await Database(tmp_path / "m.sqlite3").open()
    try:
        async with db.conn.execute("PRAGMA page_count") as cur:
            row = await cur.fetchone()
        await db.conn.execute(f"PRAGMA max_page_count = {row[0]}")
        with pytest.raises(sqlite3.OperationalError) as raised:
            await db.conn.execute("CREATE TABLE filler (x BLOB)")
    finally:
        await db.close()
    problem = DatabaseUnavailable.from_error(str(tmp_path / "m.sqlite3"), raised.value)
    assert problem.problem == "full" and "Free some space" in problem.user_message


async def test_a_folder_that_cannot_be_created_is_named(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(DatabaseUnavailable) as info:
        await Database(blocker / "m.sqlite3").open()
    assert info.value.problem == "cannot_open"
    assert str(blocker / "m.sqlite3") in info.value.user_message


async def test_the_check_fails_while_another_program_holds_the_lock(tmp_path: Path) -> None:
    db = await Database(tmp_path / "m.sqlite3", busy_timeout_ms=100).open()
    try:
        await db.check()
        other = sqlite3.connect(tmp_path / "m.sqlite3", isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(DatabaseUnavailable) as info:
                await db.check()
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert info.value.problem == "locked"
        await db.check()
    finally:
        await db.close()


async def test_the_check_gives_up_on_a_transaction_that_never_ends(tmp_path: Path) -> None:
    db = await Database(tmp_path / "m.sqlite3").open()
    release = asyncio.Event()

    async def hold() -> None:
        async with db.transaction():
            await release.wait()

    holder = asyncio.create_task(hold())
    await asyncio.sleep(0)
    try:
        with pytest.raises(DatabaseUnavailable) as info:
            await db.check(timeout_s=0.1)
        assert info.value.problem == "locked" and "no answer within" in info.value.detail
    finally:
        release.set()
        await holder
        await db.close()


# ---- created owner-only --------------------------------------------------------------


async def test_a_new_database_is_owner_only_and_so_is_its_new_folder(tmp_path: Path) -> None:
    path = tmp_path / "new" / "data" / "m.sqlite3"
    db = await Database(path).open()
    try:
        await db.conn.execute("CREATE TABLE t (x)")
        files = sorted(p.name for p in path.parent.iterdir())
        assert files == ["m.sqlite3", "m.sqlite3-shm", "m.sqlite3-wal"]
        for name in files:
            assert stat.S_IMODE((path.parent / name).stat().st_mode) == 0o600, name
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    finally:
        await db.close()


async def test_an_existing_folder_keeps_its_permissions(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    db = await Database(folder / "m.sqlite3").open()
    await db.close()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o755
    assert stat.S_IMODE((folder / "m.sqlite3").stat().st_mode) == 0o600


# ---- every entry point, in a child process --------------------------------------------


def run_entry(
    args: list[str], database: Path, tmp_path: Path, limit_bytes: int | None = None
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_PATH": str(database),
        "DISCORD_TOKEN": TOKEN,
        "HEALTH_FILE": str(tmp_path / "health.json"),
    }
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "MOCKINGBIRD_MASTER_KEY"):
        env.pop(name, None)

    # prlimit (util-linux) rather than preexec_fn, which is unsafe with threads running.
    limit = [] if limit_bytes is None else ["prlimit", f"--fsize={limit_bytes}", "--"]
    try:
        return subprocess.run(
            [*limit, sys.executable, "-m", "bot", *args],
            cwd=tmp_path,
            env={**env, "PYTHONPATH": str(ROOT)},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=PROMPTLY_S,
        )
    except subprocess.TimeoutExpired as exc:
        raise AssertionError(f"`python -m bot {' '.join(args)}` hung on a broken database") from exc


def assert_clear_exit(done: subprocess.CompletedProcess[str], database: Path, says: str) -> None:
    assert done.returncode == 1, (done.returncode, done.stderr[-2000:])
    assert str(database) in done.stderr and says in done.stderr, done.stderr[-2000:]
    assert "Traceback" not in done.stderr and "Event loop is closed" not in done.stderr


@pytest.mark.parametrize("command", ["run", "migrate", "rehearse"])
def test_every_entry_point_exits_promptly_on_a_corrupt_file(tmp_path: Path, command: str) -> None:
    database = corrupt(tmp_path / "m.sqlite3")
    done = run_entry([command], database, tmp_path)
    assert_clear_exit(done, database, "is damaged or is not a Mockingbird database")


def test_evaluate_needs_no_database_and_is_not_hurt_by_a_broken_one(
    tmp_path: Path,
) -> None:
    database = corrupt(tmp_path / "m.sqlite3")
    env = {**os.environ, "DATABASE_PATH": str(database), "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "evaluate", "--question", "Tell me about a project."],
        cwd=tmp_path,
        env=env,
        input="I led the migration and we cut costs by 30%.",
        capture_output=True,
        text=True,
        timeout=PROMPTLY_S,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert '"score"' in done.stdout


def test_a_locked_file_stops_the_bot_after_the_busy_timeout_with_a_message(
    tmp_path: Path,
) -> None:
    database = valid_file(tmp_path / "m.sqlite3")
    other = sqlite3.connect(database, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        done = run_entry(["run"], database, tmp_path)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert_clear_exit(done, database, "is locked by another program")


def test_a_read_only_file_stops_the_bot_with_a_message(
    tmp_path: Path, read_only: list[Path]
) -> None:
    database = valid_file(tmp_path / "m.sqlite3")
    make_read_only(database, read_only)
    assert_clear_exit(run_entry(["run"], database, tmp_path), database, "is read-only")


@pytest.mark.skipif(shutil.which("prlimit") is None, reason="needs prlimit (util-linux)")
def test_a_disk_that_cannot_take_more_stops_migrate_with_a_message(tmp_path: Path) -> None:
    database = tmp_path / "m.sqlite3"
    # Writes past 40 KB fail as on a full disk (SQLite reports an I/O error or "full").
    done = run_entry(["migrate"], database, tmp_path, limit_bytes=40_000)
    assert_clear_exit(done, database, "full")
