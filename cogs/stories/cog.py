"""`/stories show|rename|merge|delete`: the STAR story bank."""

from __future__ import annotations

import logging

import discord
from discord.ext import commands

from bot.stories import StoryService
from cogs._buttons import locale_language
from cogs._shared import command, option
from cogs.stories import _render

log = logging.getLogger(__name__)

_QUIET = discord.AllowedMentions.none()


class StoriesCog(commands.Cog):
    """Parse options, defer, make one service call, render."""

    stories = discord.SlashCommandGroup(**command("stories.commands.group"))

    def __init__(self, bot: discord.Bot, service: StoryService) -> None:
        self.bot = bot
        self.service = service

    @stories.command(**command("stories.commands.show"))
    async def show(self, ctx: discord.ApplicationContext) -> None:
        """Show the bank, the coverage map and the overused stories, privately."""
        await ctx.defer(ephemeral=True)
        bank = await self.service.bank(ctx.author.id, locale_language(ctx.interaction))
        await ctx.followup.send(embed=_render.bank_embed(bank), ephemeral=True)

    @stories.command(**command("stories.commands.rename"))
    @option("stories.options.story", int, min_value=1)
    @option("stories.options.title", str)
    async def rename(self, ctx: discord.ApplicationContext, story: int, title: str) -> None:
        """Give a story a new title (1 to 80 characters)."""
        await ctx.defer(ephemeral=True)
        change = await self.service.rename(
            ctx.author.id, story, title, locale_language(ctx.interaction)
        )
        await ctx.followup.send(_render.renamed(change), ephemeral=True, allowed_mentions=_QUIET)

    @stories.command(**command("stories.commands.merge"))
    @option("stories.options.keep", int, min_value=1)
    @option("stories.options.other", int, min_value=1)
    async def merge(self, ctx: discord.ApplicationContext, keep: int, other: int) -> None:
        """Fold one story into another (the tellings move, the kept title stays)."""
        await ctx.defer(ephemeral=True)
        change = await self.service.merge(
            ctx.author.id, keep, other, locale_language(ctx.interaction)
        )
        await ctx.followup.send(_render.merged(change), ephemeral=True, allowed_mentions=_QUIET)

    @stories.command(**command("stories.commands.delete"))
    @option("stories.options.story", int, min_value=1)
    async def delete(self, ctx: discord.ApplicationContext, story: int) -> None:
        """Remove a story from the bank (its answers stay in their interviews)."""
        await ctx.defer(ephemeral=True)
        change = await self.service.delete(ctx.author.id, story, locale_language(ctx.interaction))
        await ctx.followup.send(_render.deleted(change), ephemeral=True, allowed_mentions=_QUIET)
