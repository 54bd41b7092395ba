"""Small helpers the SQLite privacy declarations share: reading rows, JSON-ready values."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import aiosqlite

log = logging.getLogger(__name__)

Params = Mapping[str, Any]


async def rows(conn: aiosqlite.Connection, sql: str, params: Params) -> list[aiosqlite.Row]:
    """Return every row of a query."""
    async with conn.execute(sql, params) as cur:
        return list(await cur.fetchall())


async def scalar(conn: aiosqlite.Connection, sql: str, params: Params) -> int:
    """Return the first column of the first row as an int (0 when empty or NULL)."""
    async with conn.execute(sql, params) as cur:
        row = await cur.fetchone()
    return int(row[0]) if row is not None and row[0] is not None else 0


async def counts(
    conn: aiosqlite.Connection, queries: Mapping[str, str], user_id: int
) -> dict[str, int]:
    """Return one COUNT query's result per key, for the user bound as ``:u``."""
    return {key: await scalar(conn, sql, {"u": user_id}) for key, sql in queries.items()}


def iso(value: str | None) -> str | None:
    """Return a stored timestamp as ISO 8601 in UTC (stored values already are; be safe)."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return value
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).isoformat()


def decoded(value: str | None) -> Any:
    """Return a JSON column decoded, or the raw text if it is not JSON."""
    if value is None:
        return None
    try:
        return json.loads(value)
    except ValueError:
        return value


def flag(value: int | None) -> bool | None:
    """Return a 0/1 column as a bool (None stays None)."""
    return None if value is None else bool(value)
