"""`/progress` (skills, drills due, story coverage, streak, with a chart) and `/drill`."""

from __future__ import annotations

import logging

import discord
from discord.ext import commands

from bot.copy import text
from bot.errors import SessionAlreadyActive
from bot.progress import DrillService, ProgressService
from cogs._buttons import chosen_language, locale_language
from cogs._shared import LANGUAGE_CHOICES, command, option
from cogs.interview._audio import SpeechServices
from cogs.interview._channels import (
    InterviewChannel,
    discard_channel,
    open_interview_channel,
    thread_title,
    where,
)
from cogs.interview._controls import progress_report_controls, resume_or_stop_controls
from cogs.interview._poster import EventPoster
from cogs.progress._render import drill_opening, progress_message

log = logging.getLogger(__name__)


class ProgressCog(commands.Cog):
    """Parse options, defer, make one service call, render."""

    def __init__(
        self,
        bot: discord.Bot,
        progress: ProgressService,
        drills: DrillService,
        speech: SpeechServices | None = None,
    ) -> None:
        self.bot = bot
        self.progress = progress
        self.drills = drills
        self.poster = EventPoster(speech)

    @discord.slash_command(**command("progress.commands.progress"))
    async def show_progress(self, ctx: discord.ApplicationContext) -> None:
        """Show the user's progress privately, with its chart."""
        await ctx.defer(ephemeral=True)
        report = await self.progress.overview(ctx.author.id, locale_language(ctx.interaction))
        embed, chart = progress_message(report)
        # The button is answered by the interview cog's report router (one router for PDFs).
        view = progress_report_controls(report.language)
        if chart is None:
            await ctx.followup.send(embed=embed, view=view, ephemeral=True)
        else:
            await ctx.followup.send(embed=embed, file=chart, view=view, ephemeral=True)

    @discord.slash_command(**command("drill.commands.drill"))
    @option("drill.options.language", str, choices=LANGUAGE_CHOICES, required=False, default=None)
    async def drill(self, ctx: discord.ApplicationContext, language: str | None) -> None:
        """Open a thread and start a 3-question drill on the skills due or weakest."""
        await ctx.defer(ephemeral=True)
        fallback = locale_language(ctx.interaction)
        # No option (and no server default): the client's language, like every start.
        chosen = chosen_language(language, ctx.interaction)
        opened: list[InterviewChannel] = []

        async def open_place() -> int:
            # Called by the engine only once it knows no interview runs here already.
            lang = chosen or fallback
            title = thread_title(ctx.author, lang)
            opened.append(await open_interview_channel(ctx.channel, ctx.author, title, lang))
            return opened[0].channel_id

        try:
            started = await self.drills.start(
                ctx.author.id, _guild(ctx), chosen, fallback, open_channel=open_place
            )
        except SessionAlreadyActive as exc:
            if opened:
                await discard_channel(opened[0].channel)
            lang = exc.language or fallback
            await ctx.followup.send(
                exc.message_in(lang),
                view=resume_or_stop_controls(exc.session_id, lang),
                ephemeral=True,
            )
            return
        session, place, plan = started.session, opened[0], started.plan
        assert session.id is not None
        opening = drill_opening(
            plan, self.progress.catalogue, ctx.author.mention, session.created_at
        )
        await place.channel.send(f"{place.note}\n\n{opening}" if place.note else opening)
        await self.poster.post(place.channel, session.id, started.events, plan.language)
        ready = text("drill.ready", plan.language, where=where(place.channel, plan.language))
        await ctx.followup.send(ready, ephemeral=True)


def _guild(ctx: discord.ApplicationContext) -> int | None:
    return ctx.guild.id if ctx.guild else None
