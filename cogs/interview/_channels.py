"""Where an interview runs: open a private thread (or a public one, or a DM), find it again."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

import discord

from bot.catalog import Language
from bot.copy import text
from bot.errors import CoachError
from bot.interview.models import Session
from bot.presenters import kind_name

log = logging.getLogger(__name__)

ARCHIVE_AFTER_MINUTES: Literal[1440] = 1440


@dataclass(frozen=True, slots=True)
class InterviewChannel:
    """Where the interview runs, and a note for the user when it is not a private thread."""

    channel: discord.abc.Messageable
    channel_id: int
    note: str | None = None


def thread_title(user: discord.User | discord.Member, language: Language) -> str:
    """Return the name of a user's interview thread."""
    return text("interview.thread_title", language, name=user.display_name)[:100]


def where(channel: object, language: Language) -> str:
    """Return how to point the user at a channel: a mention, or "your DMs"."""
    if isinstance(channel, discord.DMChannel):
        return text("interview.your_dms", language)
    mention = getattr(channel, "mention", None)
    return str(mention) if mention else text("interview.your_dms", language)


async def open_interview_channel(
    origin: object,
    user: discord.User | discord.Member,
    title: str,
    language: Language = Language.EN,
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
                thread, thread.id, text("interview.channels.public_thread", language)
            )
        except discord.HTTPException as exc:
            log.info("Public thread refused in channel %s: %s", origin.id, exc)
    try:
        # Member proxies create_dm to its User; py-cord's stubs only type the User side.
        dm = await user.create_dm()  # type: ignore[misc]
        note = None
        if origin is not None and not isinstance(origin, discord.DMChannel):
            note = text("interview.channels.dm", language)
        return InterviewChannel(dm, dm.id, note)
    except discord.HTTPException as exc:
        log.info("DM to user %s refused: %s", user.id, exc)
        raise CoachError(key="interview.channels.nowhere", language=language) from exc


async def discard_channel(channel: discord.abc.Messageable) -> None:
    """Delete a thread opened for an interview that did not start (best effort; DMs stay)."""
    if not isinstance(channel, discord.Thread):
        return
    try:
        await channel.delete()
    except discord.HTTPException:
        log.warning("Could not delete the unused interview thread %s", channel.id)


async def session_channel(bot: discord.Client, session: Session) -> discord.abc.Messageable | None:
    """Return the channel a session runs in, unarchived, or None when it is gone."""
    if session.channel_id is None:
        return None
    channel = bot.get_channel(session.channel_id)
    if channel is None:
        try:
            channel = await bot.fetch_channel(session.channel_id)
        except (discord.NotFound, discord.Forbidden):
            return None
    if isinstance(channel, discord.Thread) and channel.archived:
        try:
            await channel.edit(archived=False)
        except discord.HTTPException:
            return None
    return channel if isinstance(channel, discord.abc.Messageable) else None


def progress(session: Session) -> str:
    """Return "question 2 of 5, behavioral" in the session's language."""
    lang = session.language
    return text(
        "interview.progress",
        lang,
        asked=max(1, session.questions_asked),
        total=session.question_count,
        kind=kind_name(session.kind.value, lang),
    )
