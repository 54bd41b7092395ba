"""`/help`, a welcome when the bot joins a server, and "this button no longer works"."""

from __future__ import annotations

import logging

import discord
from discord.ext import commands

from bot.copy import text
from cogs._buttons import guild_language, locale_language, stale
from cogs._shared import command
from cogs.help._render import help_embed, welcome_text

log = logging.getLogger(__name__)


class HelpCog(commands.Cog):
    """Explain the bot to people and servers meeting it, and answer buttons gone stale."""

    def __init__(self, bot: discord.Bot) -> None:
        self.bot = bot

    @discord.slash_command(**command("help.commands.help"))
    async def show_help(self, ctx: discord.ApplicationContext) -> None:
        """Show, privately, what the commands do and how to start."""
        await ctx.respond(embed=help_embed(locale_language(ctx.interaction)), ephemeral=True)

    @commands.Cog.listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        """Say hello in the server's system channel, only where the bot may post."""
        channel = guild.system_channel
        me = guild.me
        if channel is None or me is None:
            log.info("Joined guild %s; no system channel to welcome it in", guild.id)
            return
        allowed = channel.permissions_for(me)
        if not (allowed.view_channel and allowed.send_messages):
            log.info("Joined guild %s; may not post in its system channel", guild.id)
            return
        try:
            await channel.send(
                welcome_text(guild_language(guild)),
                allowed_mentions=discord.AllowedMentions.none(),
            )
        except discord.HTTPException as exc:
            log.info("Could not welcome guild %s (HTTP %s)", guild.id, exc.status)
            return
        log.info("Joined guild %s and said hello in channel %s", guild.id, channel.id)

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Answer a click on one of our ids that no button handler accepts any more."""
        if not stale(interaction):
            return
        log.info(
            "Stale or malformed button id from user %s",
            interaction.user.id if interaction.user else None,
        )
        reply = text("common.stale_button", locale_language(interaction))
        await interaction.response.send_message(reply, ephemeral=True)
