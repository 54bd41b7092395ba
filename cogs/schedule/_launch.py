"""Start a schedule's round in Discord, and post its reminders and notes.

A voice schedule joins its voice channel through the voice coach and runs in a public thread
of the post channel; a text schedule opens its round in a thread of its text channel. Both
call the people who RSVP'd by name and put them first in the queue (they still press Consent
or Join: interest in an event is not consent to being listened to).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

import discord

from bot.copy import text
from bot.rounds.model import RoundMedium, RoundMode
from bot.rounds.ports import RoundPresenter
from bot.rounds.run import RoundRequest, RoundRun
from bot.rounds.schedule_ports import Notice
from bot.rounds.schedules import Schedule, ScheduleError
from bot.voice.coach import VoiceCoach
from cogs.interview._channels import ARCHIVE_AFTER_MINUTES
from cogs.rounds._desk import DEFAULT_ANSWER_MINUTES, RoundDesk
from cogs.voice._presenter import ThreadPresenter

log = logging.getLogger(__name__)

PEOPLE = discord.AllowedMentions(everyone=False, roles=False, users=True)


def _mentions(user_ids: Sequence[int]) -> str:
    return " ".join(f"<@{u}>" for u in user_ids)


class DiscordRoundStarter:
    """The RoundStarter port: a voice round through the coach, a text round through the desk."""

    def __init__(self, bot: discord.Client, coach: VoiceCoach, desk: RoundDesk) -> None:
        self.bot = bot
        self.coach = coach
        self.desk = desk

    async def start(
        self, schedule: Schedule, occurrence: datetime, priority: Sequence[int]
    ) -> RoundRun:
        """Start the occurrence's round; raise ScheduleError when its channel cannot be used."""
        lang = schedule.language
        guild = self.bot.get_guild(schedule.guild_id)
        if guild is None or guild.me is None:
            raise ScheduleError("guild_gone", lang)
        channel = guild.get_channel(schedule.channel_id)
        if channel is None:
            raise ScheduleError("channel_gone", lang, channel_id=schedule.channel_id)
        perms = channel.permissions_for(guild.me)
        request = RoundRequest(
            guild_id=guild.id,
            channel_id=channel.id,
            host_id=schedule.creator_id or guild.me.id,
            mode=RoundMode.GROUP,
            kind=schedule.kind,
            level=schedule.level,
            language=lang,
            turns_each=schedule.questions_each,
            medium=schedule.medium,
            priority=tuple(priority),
            answer_timeout_s=(
                DEFAULT_ANSWER_MINUTES * 60 / 2 if schedule.medium is RoundMedium.TEXT else None
            ),
        )
        kind = text(f"common.kinds.{schedule.kind.value}", lang)
        title = text("schedules.thread", lang, kind=kind)
        if schedule.medium is RoundMedium.TEXT:
            if not isinstance(channel, discord.TextChannel):
                raise ScheduleError("channel_gone", lang, channel_id=schedule.channel_id)
            if not (perms.view_channel and perms.send_messages):
                raise ScheduleError("channel_hidden", lang, channel_id=channel.id)
            run, _ = await self.desk.open(channel, request, title, DEFAULT_ANSWER_MINUTES)
            return run
        if not isinstance(channel, discord.VoiceChannel | discord.StageChannel):
            raise ScheduleError("channel_gone", lang, channel_id=schedule.channel_id)
        if not (perms.view_channel and perms.connect and perms.speak):
            raise ScheduleError("channel_hidden", lang, channel_id=channel.id)
        post = guild.get_channel(schedule.post_channel_id)
        if not isinstance(post, discord.TextChannel):
            raise ScheduleError("channel_gone", lang, channel_id=schedule.post_channel_id)

        async def open_place() -> tuple[RoundPresenter, int | None]:
            thread = await _thread(post, title)
            where: discord.abc.Messageable = thread or post
            if priority:
                called = text(
                    "schedules.voice_called",
                    lang,
                    mentions=_mentions(priority),
                    channel_id=channel.id,
                )
                await _send(where, called, PEOPLE)
            presenter = ThreadPresenter(guild, where, channel.id, self.desk.names, lang)
            return presenter, thread.id if thread is not None else post.id

        return await self.coach.start(request, open_place)


class DiscordAnnouncer:
    """The Announcer port: reminders and notes in a schedule's post channel."""

    def __init__(self, bot: discord.Client) -> None:
        self.bot = bot

    async def remind(
        self, schedule: Schedule, occurrence: datetime, user_ids: Sequence[int]
    ) -> None:
        """Post the reminder, mentioning exactly those who RSVP'd (nobody else is pinged)."""
        lang = schedule.language
        when = int(occurrence.timestamp())
        kind = text(f"common.kinds.{schedule.kind.value}", lang)
        if user_ids:
            content = text(
                "schedules.reminder",
                lang,
                mentions=_mentions(user_ids),
                kind=kind,
                when=when,
                channel_id=schedule.channel_id,
            )
        else:
            content = text(
                "schedules.reminder_nobody",
                lang,
                kind=kind,
                when=when,
                channel_id=schedule.channel_id,
            )
        allowed = discord.AllowedMentions(
            everyone=False, roles=False, users=[discord.Object(u) for u in user_ids]
        )
        await self._post(schedule, content, allowed)

    async def notice(self, schedule: Schedule, notice: Notice) -> None:
        """Post a note about an occurrence: late, missed, or could not start (with why)."""
        lang = schedule.language
        content = text(
            f"schedules.notices.{notice.kind.value}",
            lang,
            when=int(notice.occurrence.timestamp()),
            minutes=notice.minutes_late,
            more=notice.also_missed,
            reason=notice.reason or text("schedules.notices.unknown_reason", lang),
            schedule_id=schedule.id,
        )
        await self._post(schedule, content, discord.AllowedMentions.none())

    async def _post(
        self, schedule: Schedule, content: str, allowed: discord.AllowedMentions
    ) -> None:
        guild = self.bot.get_guild(schedule.guild_id)
        channel = guild.get_channel(schedule.post_channel_id) if guild is not None else None
        if not isinstance(channel, discord.TextChannel | discord.Thread):
            log.warning("Post channel of schedule %s is gone; note not posted", schedule.id)
            return
        await _send(channel, content, allowed)


async def _thread(post: discord.TextChannel, title: str) -> discord.Thread | None:
    try:
        return await post.create_thread(
            name=title[:100],
            type=discord.ChannelType.public_thread,
            auto_archive_duration=ARCHIVE_AFTER_MINUTES,
        )
    except discord.HTTPException as exc:
        log.info("Public thread refused in channel %s: %s", post.id, exc)
        return None


async def _send(
    channel: discord.abc.Messageable, content: str, allowed: discord.AllowedMentions
) -> None:
    try:
        await channel.send(content, allowed_mentions=allowed)
    except discord.HTTPException:
        log.warning("Could not post in channel %s", getattr(channel, "id", None))
