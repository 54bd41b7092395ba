"""A file that cannot be opened leaves no aiosqlite thread behind to outlive the event loop."""

from __future__ import annotations

import asyncio
import logging
import threading
from pathlib import Path

import pytest

from storage.db import Database, DatabaseUnavailable

log = logging.getLogger(__name__)


async def _open(path: Path) -> DatabaseUnavailable:
    with pytest.raises(DatabaseUnavailable) as raised:
        await Database(path).open()
    return raised.value


def _workers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if "_connection_worker_thread" in t.name]


def test_a_folder_as_the_database_fails_cleanly_every_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[BaseException | None] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: seen.append(args.exc_value))
    for _ in range(20):
        # asyncio.run closes its loop as soon as open() has failed, as `python -m bot` does.
        problem = asyncio.run(_open(tmp_path))
        assert problem.problem == "cannot_open" and problem.path == str(tmp_path)
        assert _workers() == []  # nothing left to report to the closed loop
    for thread in _workers():
        thread.join(5)
    assert seen == []
