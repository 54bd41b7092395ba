"""PDF reports in Discord: the Download report button and `/interview report [interview]`.

Both answer at once with a private progress message, render in the report worker (the event
loop keeps serving everyone else), then replace the message with the file. Renders are
charged to the ``report`` cooldown and refunded when nothing was rendered.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Awaitable, Callable

import discord

from bot.catalog import Language
from bot.copy import text
from bot.errors import CoachError
from bot.reports import NotYours, RenderedReport, ReportService
from cogs._buttons import ButtonRouter, locale_language
from cogs._cooldown import NO_COOLDOWNS, REPORT, Cooldowns
from cogs.interview._controls import parse_progress_report_id, parse_report_id

log = logging.getLogger(__name__)

Render = Callable[[], Awaitable[RenderedReport]]


class InterviewReports:
    """Render interview reports for the button and the command; one service call each."""

    def __init__(self, service: ReportService | None, cooldowns: Cooldowns = NO_COOLDOWNS) -> None:
        self.service = service
        self.cooldowns = cooldowns
        self.router = ButtonRouter()
        self.router.route(parse_report_id, self._download)
        self.router.route(parse_progress_report_id, self._progress)

    async def dispatch(self, interaction: discord.Interaction) -> bool:
        """Handle a click on a Download report button; return whether it was one."""
        return await self.router.dispatch(interaction)

    async def command(self, ctx: discord.ApplicationContext, interview: int | None) -> None:
        """`/interview report`: the chosen interview's report (the latest one if none)."""
        lang = locale_language(ctx.interaction)
        service = self._service(lang)
        user, guild = ctx.author.id, ctx.guild.id if ctx.guild else None
        await self._render(
            ctx.interaction,
            user,
            lang,
            lambda: service.session_report(user, interview, guild, lang),
        )

    async def choices(self, ctx: discord.AutocompleteContext) -> list[discord.OptionChoice]:
        """Return the user's recent interviews matching what they typed."""
        if self.service is None or ctx.interaction.user is None:
            return []
        lang = locale_language(ctx.interaction)
        guild = ctx.interaction.guild_id
        found = await self.service.choices(
            ctx.interaction.user.id, guild, str(ctx.value or ""), lang
        )
        return [discord.OptionChoice(c.name, c.session_id) for c in found]

    async def _download(self, interaction: discord.Interaction, session_id: int) -> None:
        lang = locale_language(interaction)
        service = self._service(lang)
        user = interaction.user
        assert user is not None
        await self._render(
            interaction,
            user.id,
            lang,
            lambda: service.session_report(user.id, session_id, None, lang),
            clicked=True,
        )

    async def _progress(self, interaction: discord.Interaction, _: bool) -> None:
        # The /progress message is private, so whoever clicks gets their own report.
        lang = locale_language(interaction)
        service = self._service(lang)
        user = interaction.user
        assert user is not None
        await self._render(
            interaction, user.id, lang, lambda: service.progress_report(user.id, lang)
        )

    def _service(self, language: Language) -> ReportService:
        if self.service is None:
            raise CoachError(key="reports.unavailable", language=language)
        return self.service

    async def _render(
        self,
        interaction: discord.Interaction,
        user_id: int,
        language: Language,
        render: Render,
        *,
        clicked: bool = False,
    ) -> None:
        with self.cooldowns.charged(user_id, REPORT, language) as charge:
            await interaction.response.send_message(
                text("reports.rendering", language), ephemeral=True
            )
            try:
                report = await render()
            except CoachError as exc:
                charge.refund()
                # A click on someone else's summary: say whose report it is.
                said = (
                    text("reports.not_yours", language)
                    if clicked and isinstance(exc, NotYours)
                    else exc.message_in(language)
                )
                await interaction.edit_original_response(content=said)
                return
            file = discord.File(io.BytesIO(report.data), filename=report.filename)
            # The message speaks the language of the client that asked, like "rendering…"
            # before it; the PDF itself is in the interview's language.
            done = (
                text("reports.ready", language, id=report.session_id)
                if report.session_id is not None
                else text("reports.ready_progress", language)
            )
            await interaction.edit_original_response(content=done, file=file)


async def interview_choices(ctx: discord.AutocompleteContext) -> list[discord.OptionChoice]:
    """Autocomplete `/interview report`'s interview from the user's history."""
    reports = getattr(ctx.cog, "reports", None)
    if not isinstance(reports, InterviewReports):
        return []
    return await reports.choices(ctx)
