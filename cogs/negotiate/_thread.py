"""Where a negotiation runs: a private thread (or a public one), never a DM.

A DM may already hold an interview, and the interview cog takes the messages of a DM that
runs one; a thread of its own keeps the two apart.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

import discord

from bot.catalog import Language
from bot.copy import text
from bot.errors import CoachError

log = logging.getLogger(__name__)

ARCHIVE_AFTER_MINUTES: Literal[1440] = 1440


@dataclass(frozen=True, slots=True)
class NegotiationThread:
    """The thread a negotiation runs in, and a note when it is not private."""

    channel: discord.Thread
    note: str | None = None


def thread_title(user: discord.User | discord.Member, language: Language) -> str:
    """Return the name of a user's negotiation thread."""
    return text("negotiation.thread_title", language, name=user.display_name)[:100]


def parent_channel(channel: object) -> discord.TextChannel | None:
    """Return the text channel a thread can be opened in (a thread's parent, or itself)."""
    if isinstance(channel, discord.Thread):
        channel = channel.parent
    return channel if isinstance(channel, discord.TextChannel) else None


async def open_thread(
    origin: object, user: discord.User | discord.Member, language: Language
) -> NegotiationThread:
    """Open a private thread in ``origin`` (a public one if refused); refuse DMs."""
    parent = parent_channel(origin)
    if parent is None:
        raise CoachError(key="negotiation.errors.no_thread", language=language)
    title = thread_title(user, language)
    try:
        thread = await parent.create_thread(
            name=title,
            type=discord.ChannelType.private_thread,
            invitable=False,
            auto_archive_duration=ARCHIVE_AFTER_MINUTES,
        )
        await thread.add_user(user)
        return NegotiationThread(thread)
    except discord.HTTPException as exc:
        log.info("Private thread refused in channel %s: %s", parent.id, exc)
    try:
        thread = await parent.create_thread(
            name=title,
            type=discord.ChannelType.public_thread,
            auto_archive_duration=ARCHIVE_AFTER_MINUTES,
        )
    except discord.HTTPException as exc:
        log.info("Public thread refused in channel %s: %s", parent.id, exc)
        raise CoachError(key="negotiation.errors.no_thread", language=language) from exc
    return NegotiationThread(thread, text("negotiation.public_thread", language))


async def find_thread(bot: discord.Client, channel_id: int | None) -> discord.Thread | None:
    """Return a negotiation's thread, unarchived, or None when it is gone."""
    if channel_id is None:
        return None
    channel = bot.get_channel(channel_id)
    if channel is None:
        try:
            channel = await bot.fetch_channel(channel_id)
        except (discord.NotFound, discord.Forbidden):
            return None
    if not isinstance(channel, discord.Thread):
        return None
    if channel.archived:
        try:
            await channel.edit(archived=False)
        except discord.HTTPException:
            return None
    return channel
