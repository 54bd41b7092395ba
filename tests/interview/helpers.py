"""Shared builders for the interview engine tests."""

from __future__ import annotations

import logging

from bot.catalog import Kind, Level
from bot.interview.engine import StartOptions

log = logging.getLogger(__name__)

USER, GUILD = 7, 99


def opts(count: int = 3, level: Level = Level.MID) -> StartOptions:
    """Return start options for a behavioural interview of user 7 in server 99."""
    return StartOptions(
        user_id=USER, guild_id=GUILD, kind=Kind.BEHAVIORAL, level=level, count=count
    )
