"""The running bot's heartbeat file, and `python -m bot health`, which judges it.

The bot rewrites a small JSON file every ``INTERVAL_S`` seconds with whether it is connected
to Discord and whether its database can be read and written right now. The health check
(Docker's HEALTHCHECK, a systemd timer, a monitoring script) reads that file: cheap, no
second database connection, no Discord call, and a hung process shows as a stale file.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Final, TextIO

log = logging.getLogger(__name__)

INTERVAL_S: Final = 30.0
# Three missed beats: the process is hung, stopped, or its disk refuses writes.
STALE_AFTER_S: Final = 3 * INTERVAL_S


@dataclass(frozen=True, slots=True)
class Beat:
    """One heartbeat: what the bot knew about itself at ``time``."""

    time: float
    pid: int
    connected: bool
    user: str | None
    servers: int
    latency_ms: float | None
    database: str  # "ok", or why the database cannot be used

    @property
    def healthy(self) -> bool:
        """Tell whether the bot was connected and its database usable."""
        return self.connected and self.database == "ok"


def write_beat(path: Path, beat: Beat) -> None:
    """Replace the heartbeat file atomically (a reader never sees half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    partial.write_text(json.dumps(asdict(beat)), encoding="utf-8")
    os.replace(partial, path)


def read_beat(path: Path) -> Beat:
    """Return the beat in ``path``; raise OSError or ValueError when there is none."""
    raw: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return Beat(
        time=float(raw["time"]),
        pid=int(raw["pid"]),
        connected=bool(raw["connected"]),
        user=raw.get("user"),
        servers=int(raw.get("servers", 0)),
        latency_ms=raw.get("latency_ms"),
        database=str(raw["database"]),
    )


def judge(path: Path, now: float | None = None, stale_after_s: float = STALE_AFTER_S) -> str | None:
    """Return why the bot is unhealthy according to its heartbeat file, or None if healthy."""
    try:
        beat = read_beat(path)
    except FileNotFoundError:
        return f"no heartbeat at {path}: the bot is not running, or has not started yet"
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return f"unreadable heartbeat at {path}: {exc}"
    age = (time.time() if now is None else now) - beat.time
    if age > stale_after_s:
        return (
            f"the last heartbeat is {age:.0f} s old (expected every {INTERVAL_S:.0f} s): the "
            "bot is hung or stopped"
        )
    if not _alive(beat.pid):
        return f"the bot process {beat.pid} that wrote {path} is not running"
    if beat.database != "ok":
        return f"the database cannot be used: {beat.database}"
    if not beat.connected:
        return "not connected to Discord (reconnecting, or the token or network is wrong)"
    return None


def _alive(pid: int) -> bool:
    """Tell whether a process with this id exists (on this machine or in this container)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, as another user
    return True


def health_main(path: Path, out: TextIO, stale_after_s: float = STALE_AFTER_S) -> int:
    """Print whether the bot is healthy; return 0 when it is, 1 when not."""
    problem = judge(path, stale_after_s=stale_after_s)
    if problem is not None:
        out.write(f"unhealthy: {problem}\n")
        return 1
    beat = read_beat(path)
    latency = f", latency {beat.latency_ms:.0f} ms" if beat.latency_ms is not None else ""
    out.write(
        f"healthy: connected as {beat.user} in {beat.servers} servers{latency}, database ok, "
        f"heartbeat {time.time() - beat.time:.0f} s ago\n"
    )
    return 0


DatabaseCheck = Callable[[], Awaitable[None]]
Status = Callable[[], tuple[bool, str | None, int, float | None]]


class Heartbeat:
    """Write the heartbeat file every ``interval_s`` seconds until stopped."""

    def __init__(
        self,
        path: Path,
        status: Status,
        check_database: DatabaseCheck,
        interval_s: float = INTERVAL_S,
    ) -> None:
        self.path = path
        self._status = status
        self._check_database = check_database
        self.interval_s = interval_s
        self._task: asyncio.Task[None] | None = None

    async def beat(self) -> Beat:
        """Check the database, read the connection status and write one beat."""
        try:
            await self._check_database()
            database = "ok"
        except Exception as exc:
            database = _short(exc)
            log.error("Health check: the database cannot be used: %s", database)
        connected, user, servers, latency_ms = self._status()
        beat = Beat(time.time(), os.getpid(), connected, user, servers, latency_ms, database)
        try:
            await asyncio.to_thread(write_beat, self.path, beat)
        except OSError as exc:
            log.error("Could not write the heartbeat file %s: %s", self.path, exc.strerror or exc)
        return beat

    def start(self) -> None:
        """Start beating in the background; a stale file from an earlier run is replaced."""
        with contextlib.suppress(OSError):
            self.path.unlink()
        self._task = asyncio.create_task(self._run(), name="heartbeat")

    async def stop(self) -> None:
        """Stop beating and remove the file, so nothing reads a dead bot as healthy."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        with contextlib.suppress(OSError):
            self.path.unlink()

    async def _run(self) -> None:
        while True:
            try:
                await self.beat()
            except Exception:
                # A missed beat shows as a stale file; the loop itself must not die.
                log.exception("Writing the heartbeat failed")
            await asyncio.sleep(self.interval_s)


def _short(exc: BaseException) -> str:
    """Return a one-line account of a database failure (the user message when there is one)."""
    message = getattr(exc, "user_message", None) or str(exc) or type(exc).__name__
    return str(message).splitlines()[0]
