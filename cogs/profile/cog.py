"""`/profile resume | job | show | clear`: the resume and target job behind personalised
interviews. Parse options, defer, one service call, render."""

from __future__ import annotations

import logging

import discord
from discord.ext import commands

from bot.copy import text
from bot.errors import CoachError
from bot.profile import ProfileService
from cogs._buttons import ButtonRouter, locale_language, owner_only
from cogs._shared import command, option
from cogs.profile._modal import JobModal
from cogs.profile._render import (
    keep_controls,
    parse_custom_id,
    profile_embed,
    resume_embed,
)

log = logging.getLogger(__name__)


class ProfileCog(commands.Cog):
    """Parse options, defer, make one service call, render."""

    profile = discord.SlashCommandGroup(**command("profile.commands.group"))

    def __init__(self, bot: discord.Bot, profiles: ProfileService) -> None:
        self.bot = bot
        self.profiles = profiles
        self.router = ButtonRouter()
        self.router.route(parse_custom_id, self._keep_or_discard)

    @profile.command(**command("profile.commands.resume"))
    @option("profile.options.file", discord.Attachment)
    async def resume(self, ctx: discord.ApplicationContext, file: discord.Attachment) -> None:
        """Read an uploaded resume (size checked before it is fetched) and show what it says."""
        lang = locale_language(ctx.interaction)
        await ctx.defer(ephemeral=True)
        found = await self.profiles.read_resume(
            ctx.author.id,
            file.size,
            file.read,
            lang,
            guild_id=ctx.guild.id if ctx.guild else None,
            name=file.filename,
        )
        await ctx.followup.send(
            embed=resume_embed(found, lang),
            view=keep_controls("resume", ctx.author.id, lang),
            ephemeral=True,
        )

    @profile.command(**command("profile.commands.job"))
    async def job(self, ctx: discord.ApplicationContext) -> None:
        """Open the modal to paste a job description."""
        await ctx.send_modal(JobModal(self.profiles, locale_language(ctx.interaction)))

    @profile.command(**command("profile.commands.show"))
    async def show(self, ctx: discord.ApplicationContext) -> None:
        """Show the stored resume and job description privately."""
        lang = locale_language(ctx.interaction)
        await ctx.defer(ephemeral=True)
        found = await self.profiles.profile(ctx.author.id)
        embed = profile_embed(found, self.profiles.catalogue, lang)
        await ctx.followup.send(embed=embed, ephemeral=True)

    @profile.command(**command("profile.commands.clear"))
    async def clear(self, ctx: discord.ApplicationContext) -> None:
        """Forget the stored resume and job description."""
        lang = locale_language(ctx.interaction)
        await ctx.defer(ephemeral=True)
        forgot = await self.profiles.clear(ctx.author.id)
        key = "profile.cleared" if forgot else "profile.nothing_to_clear"
        await ctx.followup.send(text(key, lang), ephemeral=True)

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Route clicks on Keep / Discard (their ids carry whose read it is)."""
        await self.router.dispatch(interaction)

    async def _keep_or_discard(
        self, interaction: discord.Interaction, parsed: tuple[str, str, int]
    ) -> None:
        action, part, user_id = parsed
        lang = locale_language(interaction)
        if not await owner_only(interaction, user_id, text("profile.not_yours", lang)):
            return
        if action == "discard":
            self.profiles.discard(user_id, part)
            await interaction.response.edit_message(
                content=text("profile.discarded", lang), embed=None, view=None
            )
            return
        try:
            await self.profiles.confirm(user_id, part, lang)
        except CoachError as exc:
            await interaction.response.edit_message(content=exc.message_in(lang), view=None)
            return
        key = "profile.kept_resume" if part == "resume" else "profile.kept_job"
        await interaction.response.edit_message(content=text(key, lang), view=None)
