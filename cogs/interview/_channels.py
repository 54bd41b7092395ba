"""Open the place where an interview runs: private thread, public thread, or DM."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

import discord

from bot.errors import CoachError

log = logging.getLogger(__name__)

ARCHIVE_AFTER_MINUTES: Literal[1440] = 1440


@dataclass(frozen=True, slots=True)
class InterviewChannel:
    """Where the interview runs, and a note for the user when it is not a private thread."""

    channel: discord.abc.Messageable
    channel_id: int
    note: str | None = None


async def open_interview_channel(
    origin: object, user: discord.User | discord.Member, title: str
) -> InterviewChannel:
    """Open a private thread in ``origin``, falling back to a public thread, then a DM."""
    if isinstance(origin, discord.TextChannel):
        try:
            thread = await origin.create_thread(
                name=title,
                type=discord.ChannelType.private_thread,
                invitable=False,
                auto_archive_duration=ARCHIVE_AFTER_MINUTES,
            )
            await thread.add_user(user)
            return InterviewChannel(thread, thread.id)
        except discord.Forbidden:
            log.info("No permission for a private thread in channel %s", origin.id)
        except discord.HTTPException as exc:
            # Private threads need a boosted server on some older guilds (code 20035 etc.).
            log.info("Private thread refused in channel %s: %s", origin.id, exc)
        try:
            thread = await origin.create_thread(
                name=title,
                type=discord.ChannelType.public_thread,
                auto_archive_duration=ARCHIVE_AFTER_MINUTES,
            )
            return InterviewChannel(
                thread,
                thread.id,
                "I couldn't open a private thread here (I need the *Create Private Threads* "
                "permission), so this interview is in a **public** thread others can read.",
            )
        except discord.HTTPException as exc:
            log.info("Public thread refused in channel %s: %s", origin.id, exc)
    try:
        # Member proxies create_dm to its User; py-cord's stubs only type the User side.
        dm = await user.create_dm()  # type: ignore[misc]
        note = None
        if origin is not None and not isinstance(origin, discord.DMChannel):
            note = (
                "I couldn't open a thread in that channel (I need the *Create Public Threads* "
                "or *Create Private Threads* permission there), so we'll continue here in "
                "your DMs."
            )
        return InterviewChannel(dm, dm.id, note)
    except discord.HTTPException as exc:
        log.info("DM to user %s refused: %s", user.id, exc)
        raise CoachError(
            "I can't open a thread in this channel and I can't message you directly. Ask a "
            "moderator to give me the Create Private Threads permission, or allow direct "
            "messages from server members."
        ) from exc
