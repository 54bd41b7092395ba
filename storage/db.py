"""The aiosqlite connection: pragmas, numbered migrations, and what a broken file means."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import os
import re
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import aiosqlite

from bot.errors import CoachError

log = logging.getLogger(__name__)

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
BUSY_TIMEOUT_MS = 5000
# aiosqlite's default batch of rows fetched per step when iterating a cursor.
_ITER_CHUNK_SIZE = 64

# SQLite's primary result codes (``SQLITE_<NAME>[_<extended>]``) -> the copy key that says
# what is wrong and what to do (bot/copy/<language>/database.yaml).
_PROBLEMS = {
    "NOTADB": "corrupt",
    "CORRUPT": "corrupt",
    "READONLY": "read_only",
    "PERM": "read_only",
    "AUTH": "read_only",
    "FULL": "full",
    "BUSY": "locked",
    "LOCKED": "locked",
    "CANTOPEN": "cannot_open",
    "IOERR": "io_error",
}
# The same, from the message, for errors raised without a result code.
_MESSAGES = (
    ("not a database", "corrupt"),
    ("malformed", "corrupt"),
    ("readonly", "read_only"),
    ("read-only", "read_only"),
    ("disk is full", "full"),
    ("locked", "locked"),
    ("unable to open", "cannot_open"),
    ("disk i/o error", "io_error"),
)
_OS_PROBLEMS = {errno.ENOSPC: "full", errno.EDQUOT: "full", errno.EROFS: "read_only"}


class DatabaseUnavailable(CoachError):
    """The database file cannot be used; the message names the file and what to do."""

    def __init__(self, path: str, problem: str, detail: str) -> None:
        super().__init__(key=f"database.{problem}", path=path, detail=detail)
        self.path = path
        self.problem = problem
        self.detail = detail

    @classmethod
    def from_error(cls, path: str, exc: BaseException) -> DatabaseUnavailable:
        """Explain ``exc``, raised while using the file at ``path``."""
        return cls(path, problem_of(exc), _detail(exc))


def problem_of(exc: BaseException) -> str:
    """Return which kind of database problem ``exc`` is (a key of database.yaml)."""
    if isinstance(exc, sqlite3.Error):
        name = getattr(exc, "sqlite_errorname", "") or ""
        if name == "SQLITE_IOERR_SHORT_READ":
            return "corrupt"  # the file is shorter than its header says: truncated
        primary = name.split("_")[1] if name.startswith("SQLITE_") else ""
        if primary in _PROBLEMS:
            return _PROBLEMS[primary]
        text = str(exc).lower()
        return next((problem for needle, problem in _MESSAGES if needle in text), "other")
    if isinstance(exc, OSError):
        return _OS_PROBLEMS.get(exc.errno or 0, "cannot_open")
    return "other"


def _detail(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


def read_only_uri(path: Path | str) -> str:
    """Return the SQLite URI that opens the file at ``path`` for reading only."""
    return f"file:{quote(str(Path(path).resolve()))}?mode=ro"


def _file_of(target: str) -> str:
    """Return the file a ``file:`` URI names (what messages show), or ``target`` itself."""
    if not target.startswith("file:"):
        return target
    return unquote(urlsplit(target).path) or target


def _is_read_only(target: str) -> bool:
    return target.startswith("file:") and "mode=ro" in urlsplit(target).query.split("&")


def _migrations() -> list[tuple[int, str, str]]:
    """Return (version, name, sql) for every migration file, in order."""
    found = []
    for entry in resources.files("storage.migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)


class Database:
    """One SQLite database file opened with WAL and foreign keys.

    ``path`` may be a ``file:`` URI; ``read_only_uri(path)`` opens an existing file for
    reading only (nothing is created, migrated or written: a read-only file can be read).
    """

    def __init__(self, path: Path | str, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> None:
        self._target = str(path)
        # What messages name: the file, even when it was given as a URI.
        self.path = _file_of(self._target)
        self.read_only = _is_read_only(self._target)
        self.busy_timeout_ms = busy_timeout_ms
        self._conn: aiosqlite.Connection | None = None
        # One connection is shared by every coroutine; the lock keeps transactions apart.
        self._lock = asyncio.Lock()

    @property
    def conn(self) -> aiosqlite.Connection:
        """Return the open connection."""
        if self._conn is None:
            raise RuntimeError("Database is not open; call open() first")
        return self._conn

    async def open(self) -> Database:
        """Open the file, set pragmas, check it can be written and apply pending migrations.

        Any failure closes the connection (its worker thread would otherwise keep the
        process alive) and raises DatabaseUnavailable naming the file and what to do.
        """
        try:
            if not self.read_only:
                self._create_private()
            self._conn = await self._connect()
            self._conn.row_factory = aiosqlite.Row
            if not self.read_only:
                await self._conn.execute("PRAGMA journal_mode = WAL")
            await self._conn.execute("PRAGMA foreign_keys = ON")
            await self._conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
            if self.read_only:
                await self._check_current()
            else:
                await self._conn.execute("PRAGMA synchronous = NORMAL")
                await self._probe()
                await self.migrate()
        except BaseException as exc:
            await self.close()
            if isinstance(exc, Exception) and not isinstance(exc, DatabaseUnavailable):
                log.debug("opening database %s failed", self.path, exc_info=True)
                raise DatabaseUnavailable.from_error(self.path, exc) from exc
            raise
        return self

    async def _connect(self) -> aiosqlite.Connection:
        """Open the file in a worker thread, then hand the open connection to aiosqlite.

        ``aiosqlite.connect`` opens the file in its own thread; when that fails it stops the
        thread without waiting, and the thread may then report to an event loop that has
        closed ("Exception in thread ... Event loop is closed"). Opening first means
        aiosqlite's thread starts only for a connection that exists, and ``close()`` always
        waits for it to end.
        """
        uri = self._target.startswith("file:")
        # check_same_thread=False: opened here, then used only by aiosqlite's one thread.
        raw = await asyncio.to_thread(
            sqlite3.connect,
            self._target,
            isolation_level=None,
            check_same_thread=False,
            uri=uri,
        )
        return await aiosqlite.Connection(lambda: raw, _ITER_CHUNK_SIZE)

    async def _check_current(self) -> None:
        """Raise DatabaseUnavailable ("outdated") when a migration is missing from the file.

        A read-only connection cannot migrate, and the newer code may need the newer tables.
        """
        conn = self.conn
        async with conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
        ) as cur:
            has_table = await cur.fetchone() is not None
        done: set[int] = set()
        if has_table:
            async with conn.execute("SELECT version FROM schema_migrations") as cur:
                done = {int(row[0]) for row in await cur.fetchall()}
        missing = [name for version, name, _ in _migrations() if version not in done]
        if missing:
            raise DatabaseUnavailable(
                self.path, "outdated", f"{len(missing)} migration(s) not applied"
            )

    def _create_private(self) -> None:
        """Create the folder (0700) and the file (0600) when missing: answers are private.

        SQLite gives the -wal and -shm files the database file's permissions.
        """
        if self._target == ":memory:" or self._target.startswith("file:"):
            return
        path = Path(self.path)
        if not path.parent.exists():
            path.parent.mkdir(parents=True, mode=0o700, exist_ok=True)
        if not path.exists():
            with contextlib.suppress(FileExistsError):
                os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))

    async def _probe(self) -> None:
        """Read and rewrite the header's user_version: fails on a locked, read-only or full file.

        Rewriting the same value changes nothing, but it is a real write transaction.
        """
        conn = self.conn
        async with conn.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        version = int(row[0]) if row is not None else 0
        await conn.execute(f"PRAGMA user_version = {version}")

    async def check(self, timeout_s: float = 10.0) -> None:
        """Raise DatabaseUnavailable unless the file can be read and written right now."""
        try:
            async with asyncio.timeout(timeout_s), self._lock:
                await self._probe()
        except TimeoutError as exc:
            raise DatabaseUnavailable(
                self.path, "locked", f"no answer within {timeout_s:g} s"
            ) from exc
        except (sqlite3.Error, OSError, ValueError, RuntimeError) as exc:
            raise DatabaseUnavailable.from_error(self.path, exc) from exc

    async def close(self) -> None:
        """Close the connection."""
        if self._conn is not None:
            conn, self._conn = self._conn, None
            try:
                await conn.close()
            except Exception:
                log.debug("closing database %s failed", self.path, exc_info=True)

    async def __aenter__(self) -> Database:
        return await self.open()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def migrate(self) -> list[str]:
        """Apply migrations not yet applied; return the names applied."""
        conn = self.conn
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
            " applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)"
        )
        async with conn.execute("SELECT version FROM schema_migrations") as cur:
            done = {row[0] for row in await cur.fetchall()}
        applied = []
        for version, name, sql in _migrations():
            if version in done:
                continue
            # executescript commits implicitly, so the migration and its record are
            # wrapped in one explicit transaction inside the script.
            await conn.executescript(
                f"BEGIN;\n{sql}\nINSERT INTO schema_migrations (version, name) "
                f"VALUES ({version}, '{name}');\nCOMMIT;"
            )
            log.info("Applied migration %s", name)
            applied.append(name)
        return applied

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Run the block in one immediate transaction."""
        conn = self.conn
        async with self._lock:
            await conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                await conn.execute("ROLLBACK")
                raise
            else:
                await conn.execute("COMMIT")
