"""After a (re)connect: tell candidates about messages the bot may never have received.

Discord does not replay messages sent while the bot was offline, and a message being
transcribed when the bot died was never saved. For each interview waiting for an answer
(the engine knows which, from the database), one read of the thread's newest messages
tells: if the candidate wrote after the bot's last message (ignoring a "Transcribing..."
left hanging), and before this connection, that message never reached the grader. The
candidate gets one reply to it asking to send it again, and a hanging "Transcribing..." is
ended. Our reply is itself a later bot message, so a second restart does not repeat it.

Cost: one database query, one session read per waiting interview, and one history request
(the newest ``HISTORY_LIMIT`` messages) per waiting interview whose thread is still there.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

import discord

from bot.copy import text
from bot.interview.engine import InterviewEngine
from bot.interview.inbox import AnswerInbox
from bot.interview.models import Session
from cogs.interview._audio import transcribing_prefix

log = logging.getLogger(__name__)

HISTORY_LIMIT = 20
_QUIET = discord.AllowedMentions.none()


@dataclass(slots=True)
class Found:
    """What the thread's newest messages show for one interview."""

    missed: discord.Message | None = None
    hanging: list[discord.Message] = field(default_factory=list)


async def tell_missed(
    bot: discord.Client, engine: InterviewEngine, inbox: AnswerInbox, connected_at: datetime
) -> int:
    """Reply to each candidate message the bot may have missed; return how many it told."""
    me = bot.user
    if me is None:
        return 0
    told = 0
    async for session in inbox.awaiting_answer():
        try:
            told += await _check(bot, engine, inbox, session, me.id, connected_at)
        except Exception:
            log.exception("Could not look for missed messages of session %s", session.id)
    if told:
        log.info("Told %d candidate(s) that a message may not have been received", told)
    return told


async def _check(
    bot: discord.Client,
    engine: InterviewEngine,
    inbox: AnswerInbox,
    session: Session,
    me_id: int,
    connected_at: datetime,
) -> int:
    """Look at one interview's thread; tell the candidate if a message was missed."""
    channel = await _channel(bot, session)
    if channel is None or session.id is None:
        return 0
    found = await _scan(channel, session, me_id, connected_at)
    lang = session.language
    for hanging in found.hanging:
        try:
            await hanging.edit(content=text("interview.audio.interrupted", lang))
        except discord.HTTPException:
            log.info("Could not end a hanging transcribing message in session %s", session.id)
    if found.missed is None:
        return 0
    # Read again: the candidate may have answered live while we looked.
    if not inbox.still_waiting(session, await engine.session(session.id)):
        return 0
    note = text("interview.missed", lang, mention=f"<@{session.user_id}>")
    await found.missed.reply(note, allowed_mentions=_QUIET)
    return 1


async def _channel(bot: discord.Client, session: Session) -> discord.abc.Messageable | None:
    """Return the interview's channel if it still exists and is open (no side effects)."""
    if session.channel_id is None:
        return None
    channel = bot.get_channel(session.channel_id)
    if channel is None:
        try:
            channel = await bot.fetch_channel(session.channel_id)
        except (discord.NotFound, discord.Forbidden):
            return None
    # A candidate's message would have unarchived the thread: nothing can be waiting there.
    if isinstance(channel, discord.Thread) and channel.archived:
        return None
    return channel if isinstance(channel, discord.abc.Messageable) else None


async def _scan(
    channel: discord.abc.Messageable, session: Session, me_id: int, connected_at: datetime
) -> Found:
    """Walk back from the newest message to the bot's last real one."""
    found = Found()
    prefix = transcribing_prefix(session.language)
    async for message in channel.history(limit=HISTORY_LIMIT):
        if message.author.id == me_id:
            if prefix and message.content.startswith(prefix) and message.created_at < connected_at:
                found.hanging.append(message)
                continue
            break  # the bot was alive after this point: everything older was seen
        if message.author.id != session.user_id or message.is_system():
            continue
        if found.missed is None and message.created_at < connected_at:
            found.missed = message
    return found
