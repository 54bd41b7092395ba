"""How the stores write and read times: ISO 8601 text in UTC (a naive time is taken as UTC)."""

from __future__ import annotations

from datetime import UTC, datetime


def to_text(value: datetime) -> str:
    """Return ``value`` as ISO 8601 text in UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat()


def from_text(value: str) -> datetime:
    """Return the time stored as ``value`` (UTC when the text carries no offset)."""
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def now_text() -> str:
    """Return the current time as stored text."""
    return datetime.now(UTC).isoformat()
