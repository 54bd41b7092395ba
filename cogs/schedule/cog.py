"""`/schedule`: recurring rounds with a Discord event, RSVPs, and the poller that runs them."""

from __future__ import annotations

import logging

import discord
from discord.ext import commands, tasks

from bot.catalog import Kind, Level
from bot.copy import text
from bot.errors import CoachError
from bot.guilds.settings import GuildSettingsService
from bot.rounds.schedules import (
    ScheduleChanges,
    ScheduleRequest,
    Weekday,
    parse_clock,
    parse_day,
    parse_zone,
)
from bot.rounds.scheduling import ScheduleService
from cogs._buttons import chosen_language, locale_language
from cogs._shared import command, interview_options, kind_choices, level_choices, option
from cogs.schedule._checks import (
    check_bot_can,
    check_channel,
    guild_member,
    medium_of,
    require_moderator,
)
from cogs.schedule._options import (
    EVERY,
    OPTIONS,
    ROUND_CHANNELS,
    event_guild_id,
    text_channel_of,
    when_options,
)
from cogs.schedule._render import created_text, edited_text, list_embed

log = logging.getLogger(__name__)

SCHEDULE = "schedules.commands.schedule"


class ScheduleCog(commands.Cog):
    """Moderators' schedule commands, RSVP events, and one poller for every schedule."""

    schedule = discord.SlashCommandGroup(**command(SCHEDULE))

    def __init__(
        self,
        bot: discord.Bot,
        service: ScheduleService,
        settings: GuildSettingsService,
        *,
        poll_seconds: float = 30.0,
    ) -> None:
        self.bot = bot
        self.service = service
        self.settings = settings
        self.poller.change_interval(seconds=poll_seconds)

    def cog_unload(self) -> None:
        """Stop the poller with the cog."""
        self.poller.cancel()

    # ---- commands ---------------------------------------------------------------------

    @schedule.command(**command(f"{SCHEDULE}.create"))
    @interview_options(
        kind=f"{OPTIONS}.kind", level=f"{OPTIONS}.level", language=f"{OPTIONS}.language"
    )
    @option(f"{OPTIONS}.reminder", int, min_value=0, max_value=1440, default=60)
    @option(f"{OPTIONS}.questions", int, min_value=1, max_value=5, default=2)
    @option(f"{OPTIONS}.duration", int, min_value=10, max_value=240, default=60)
    @option(f"{OPTIONS}.start_date", str, required=False, default=None, max_length=10)
    @option(f"{OPTIONS}.post_channel", discord.TextChannel, required=False, default=None)
    @option(f"{OPTIONS}.every", int, choices=EVERY, default=1)
    @option(f"{OPTIONS}.channel", discord.abc.GuildChannel, channel_types=ROUND_CHANNELS)
    @when_options(required=True)
    async def create(
        self,
        ctx: discord.ApplicationContext,
        weekday: int,
        time: str,
        timezone: str,
        channel: discord.abc.GuildChannel,
        every: int,
        post_channel: discord.TextChannel | None,
        start_date: str | None,
        duration: int,
        questions: int,
        reminder: int,
        kind: str,
        level: str,
        language: str | None,
    ) -> None:
        """Schedule a weekly or fortnightly round with a Discord event people can RSVP to."""
        lang = chosen_language(language, ctx.interaction)
        await ctx.defer(ephemeral=True)
        guild, member = guild_member(ctx, lang)
        require_moderator(self.settings, member, lang)
        post = post_channel or text_channel_of(ctx.channel)
        if post is None:
            post = channel if isinstance(channel, discord.TextChannel) else None
        if post is None:
            raise CoachError(key="schedules.errors.needs_post_channel", language=lang)
        check_bot_can(ctx, channel, post, lang)
        request = ScheduleRequest(
            guild_id=guild.id,
            creator_id=member.id,
            medium=medium_of(channel, lang),
            channel_id=channel.id,
            post_channel_id=post.id,
            kind=Kind(kind),
            level=Level(level),
            language=lang,
            weekday=Weekday(weekday),
            local_time=parse_clock(time, lang),
            timezone=parse_zone(timezone, lang),
            interval_weeks=every,
            duration_minutes=duration,
            questions_each=questions,
            reminder_minutes=reminder,
            start_date=parse_day(start_date, lang) if start_date else None,
        )
        created = await self.service.create(request)
        upcoming = created.upcoming(self.service.clock.now())
        await ctx.followup.send(created_text(created, upcoming, lang), ephemeral=True)

    @schedule.command(**command(f"{SCHEDULE}.list"))
    async def list_(self, ctx: discord.ApplicationContext) -> None:
        """Show the server's schedules, their next occurrences and RSVPs."""
        lang = locale_language(ctx.interaction)
        await ctx.defer(ephemeral=True)
        guild, _ = guild_member(ctx, lang)
        found = await self.service.listing(guild.id)
        lang = self.settings.language(guild.id) or lang
        problems = {
            o.schedule.id: text(
                "schedules.list.channel_gone", lang, channel_id=o.schedule.channel_id
            )
            for o in found
            if o.schedule.id is not None and guild.get_channel(o.schedule.channel_id) is None
        }
        await ctx.followup.send(embed=list_embed(found, lang, problems), ephemeral=True)

    @schedule.command(**command(f"{SCHEDULE}.edit"))
    @option(f"{OPTIONS}.number", int, min_value=1)
    @when_options(required=False)
    @option(f"{OPTIONS}.every", int, choices=EVERY, required=False, default=None)
    @option(f"{OPTIONS}.duration", int, min_value=10, max_value=240, required=False, default=None)
    @option(f"{OPTIONS}.questions", int, min_value=1, max_value=5, required=False, default=None)
    @option(f"{OPTIONS}.reminder", int, min_value=0, max_value=1440, required=False, default=None)
    @option(
        f"{OPTIONS}.channel",
        discord.abc.GuildChannel,
        channel_types=ROUND_CHANNELS,
        required=False,
        default=None,
    )
    @option(f"{OPTIONS}.post_channel", discord.TextChannel, required=False, default=None)
    @option(f"{OPTIONS}.kind", str, choices=kind_choices(), required=False, default=None)
    @option(f"{OPTIONS}.level", str, choices=level_choices(), required=False, default=None)
    async def edit(
        self,
        ctx: discord.ApplicationContext,
        number: int,
        weekday: int | None,
        time: str | None,
        timezone: str | None,
        every: int | None,
        duration: int | None,
        questions: int | None,
        reminder: int | None,
        channel: discord.abc.GuildChannel | None,
        post_channel: discord.TextChannel | None,
        kind: str | None,
        level: str | None,
    ) -> None:
        """Change a schedule (no change: re-create a deleted Discord event)."""
        lang = locale_language(ctx.interaction)
        await ctx.defer(ephemeral=True)
        guild, member = guild_member(ctx, lang)
        require_moderator(self.settings, member, lang)
        for place in (channel, post_channel):
            if place is not None:
                check_channel(place, lang)
        changes = ScheduleChanges(
            weekday=Weekday(weekday) if weekday is not None else None,
            local_time=parse_clock(time, lang) if time else None,
            timezone=parse_zone(timezone, lang) if timezone else None,
            interval_weeks=every,
            duration_minutes=duration,
            questions_each=questions,
            reminder_minutes=reminder,
            channel_id=channel.id if channel is not None else None,
            medium=medium_of(channel, lang) if channel is not None else None,
            post_channel_id=post_channel.id if post_channel is not None else None,
            kind=Kind(kind) if kind else None,
            level=Level(level) if level else None,
        )
        edited = await self.service.edit(guild.id, number, changes, lang)
        upcoming = edited.upcoming(self.service.clock.now())
        await ctx.followup.send(edited_text(edited, upcoming, edited.language), ephemeral=True)

    @schedule.command(**command(f"{SCHEDULE}.skip_next"))
    @option(f"{OPTIONS}.number", int, min_value=1)
    async def skip_next(self, ctx: discord.ApplicationContext, number: int) -> None:
        """Skip the next occurrence of a schedule (here and in the Discord event)."""
        lang = locale_language(ctx.interaction)
        await ctx.defer(ephemeral=True)
        guild, member = guild_member(ctx, lang)
        require_moderator(self.settings, member, lang)
        schedule, occurrence = await self.service.skip_next(guild.id, number, lang)
        reply = text(
            "schedules.replies.skipped",
            schedule.language,
            id=number,
            when=f"<t:{int(occurrence.timestamp())}:F>",
        )
        await ctx.followup.send(reply, ephemeral=True)

    @schedule.command(**command(f"{SCHEDULE}.cancel"))
    @option(f"{OPTIONS}.number", int, min_value=1)
    async def cancel(self, ctx: discord.ApplicationContext, number: int) -> None:
        """Cancel a schedule and end its Discord event series."""
        lang = locale_language(ctx.interaction)
        await ctx.defer(ephemeral=True)
        guild, member = guild_member(ctx, lang)
        require_moderator(self.settings, member, lang)
        cancelled = await self.service.cancel(guild.id, number, lang)
        reply = text("schedules.replies.cancelled", cancelled.language, id=number)
        await ctx.followup.send(reply, ephemeral=True)

    # ---- Discord events ---------------------------------------------------------------

    @commands.Cog.listener()
    async def on_raw_scheduled_event_user_add(
        self, payload: discord.RawScheduledEventSubscription
    ) -> None:
        """Someone pressed Interested on an event: RSVP them if it is a schedule's."""
        await self.service.rsvp(event_guild_id(payload), payload.event_id, payload.user_id, True)

    @commands.Cog.listener()
    async def on_raw_scheduled_event_user_remove(
        self, payload: discord.RawScheduledEventSubscription
    ) -> None:
        """Someone took back their Interested."""
        await self.service.rsvp(event_guild_id(payload), payload.event_id, payload.user_id, False)

    @commands.Cog.listener()
    async def on_scheduled_event_delete(self, event: discord.ScheduledEvent) -> None:
        """A schedule's event was deleted in Discord: the schedule runs on without it."""
        await self.service.event_deleted(event.guild.id, event.id)

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        """Complete events a restart left active, then start the poller (once)."""
        if self.poller.is_running():
            return
        if completed := await self.service.recover():
            log.info("Completed %s scheduled events a restart left active", completed)
        self.poller.start()

    @tasks.loop(seconds=30)
    async def poller(self) -> None:
        """Post due reminders and start due rounds (schedules live in the database)."""
        try:
            await self.service.tick()
        except Exception:
            # One bad tick must not stop the loop: the next one tries again.
            log.exception("Schedule poller tick failed")
