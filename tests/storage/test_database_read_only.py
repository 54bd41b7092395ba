"""Opening a database file read-only: nothing created, migrated or written."""

from __future__ import annotations

import hashlib
import logging
import sqlite3
from pathlib import Path

import pytest

from storage.db import Database, DatabaseUnavailable, read_only_uri

log = logging.getLogger(__name__)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def _made(path: Path) -> None:
    async with Database(path) as db:
        await db.conn.execute("CREATE TABLE notes (body TEXT)")
        await db.conn.execute("INSERT INTO notes VALUES ('kept')")


async def test_a_read_only_open_reads_and_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "a b.sqlite3"  # a space: the URI must quote the name
    await _made(path)
    before = _digest(path)
    db = await Database(read_only_uri(path)).open()
    try:
        assert db.read_only and db.path == str(path)  # messages name the file, not the URI
        async with db.conn.execute("SELECT body FROM notes") as cur:
            assert [row[0] for row in await cur.fetchall()] == ["kept"]
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            await db.conn.execute("INSERT INTO notes VALUES ('no')")
    finally:
        await db.close()
    assert _digest(path) == before
    # SQLite may leave an empty -wal (and its -shm) that only a writer removes: no data.
    wal = tmp_path / "a b.sqlite3-wal"
    assert not wal.exists() or wal.stat().st_size == 0


async def test_a_read_write_open_does_write_the_file(tmp_path: Path) -> None:
    """The check above can fail: an ordinary open rewrites the header (its probe)."""
    path = tmp_path / "t.sqlite3"
    await _made(path)
    before = _digest(path)
    async with Database(path):
        pass
    assert _digest(path) != before


async def test_a_missing_file_is_not_created_by_a_read_only_open(tmp_path: Path) -> None:
    path = tmp_path / "missing.sqlite3"
    with pytest.raises(DatabaseUnavailable) as raised:
        await Database(read_only_uri(path)).open()
    assert raised.value.problem == "cannot_open" and str(path) in raised.value.user_message
    assert not path.exists()


async def test_a_file_that_needs_a_migration_says_so_when_read_only(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    await _made(path)
    raw = sqlite3.connect(path)
    with raw:
        raw.execute(
            "DELETE FROM schema_migrations"
            " WHERE version = (SELECT max(version) FROM schema_migrations)"
        )
    raw.close()
    with pytest.raises(DatabaseUnavailable) as raised:
        await Database(read_only_uri(path)).open()
    assert raised.value.problem == "outdated"
    message = raised.value.user_message
    assert str(path) in message and "python -m bot migrate" in message
