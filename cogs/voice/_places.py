"""Where a round posts: a private thread for a solo interview, a public thread for a group."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import discord

from bot.catalog import Language
from bot.copy import text
from bot.errors import CoachError
from bot.rounds.model import RoundMode
from cogs.interview._channels import ARCHIVE_AFTER_MINUTES, open_interview_channel

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Place:
    """The channel or thread a round posts in, and a note when it is not the usual one."""

    channel: discord.abc.Messageable
    channel_id: int
    note: str | None = None

    @property
    def mention(self) -> str:
        """Return how to point at the place in a reply (a DM has no mention)."""
        return "" if isinstance(self.channel, discord.DMChannel) else f"<#{self.channel_id}>"


async def open_place(
    origin: object, host: discord.Member, mode: RoundMode, language: Language
) -> Place:
    """Open the thread a round posts in: private for one candidate, public for a group."""
    if mode is RoundMode.SOLO:
        title = text("voice.threads.solo", language, name=host.display_name)[:100]
        found = await open_interview_channel(origin, host, title, language)
        return Place(found.channel, found.channel_id, found.note)
    return await _round_thread(origin, host, language)


async def _round_thread(origin: object, host: discord.Member, language: Language) -> Place:
    """Open a public thread for a round (everyone must see it), else use the channel."""
    if isinstance(origin, discord.TextChannel):
        try:
            thread = await origin.create_thread(
                name=text("voice.threads.group", language, name=host.display_name)[:100],
                type=discord.ChannelType.public_thread,
                auto_archive_duration=ARCHIVE_AFTER_MINUTES,
            )
            return Place(thread, thread.id)
        except discord.HTTPException as exc:
            log.info("Public thread refused in channel %s: %s", origin.id, exc)
            return Place(origin, origin.id, text("voice.threads.no_thread", language))
    if isinstance(origin, discord.abc.Messageable) and isinstance(origin, discord.abc.Snowflake):
        return Place(origin, origin.id)
    raise CoachError(text("voice.errors.round_needs_text_channel", language))
