"""`/admin llm-key`, `/admin llm-key-remove` and `/admin llm-status`."""

from __future__ import annotations

import logging

import discord
from discord.ext import commands

from bot.llm.guild_routing import PROVIDERS, GuildRouting
from cogs.admin import _render
from cogs.admin._modal import KeyModal, refusal

log = logging.getLogger(__name__)

PROVIDER_CHOICES = [discord.OptionChoice(_render.label(p), p) for p in PROVIDERS]


class AdminCog(commands.Cog):
    """Server administrators bring their own model keys and check model status."""

    admin = discord.SlashCommandGroup(
        "admin",
        "Mockingbird settings for this server (administrators)",
        default_member_permissions=discord.Permissions(administrator=True),
    )

    def __init__(self, bot: discord.Bot, routing: GuildRouting, *, verify_keys: bool = True):
        self.bot = bot
        self.routing = routing
        self.verify_keys = verify_keys

    @admin.command(name="llm-key", description="Use this server's own OpenAI or Anthropic key")
    @discord.option("provider", str, description="Which provider", choices=PROVIDER_CHOICES)
    async def llm_key(self, ctx: discord.ApplicationContext, provider: str) -> None:
        """Open the key modal for an administrator."""
        if (why := refusal(ctx.interaction)) is not None:
            await ctx.respond(why, ephemeral=True)
            return
        if not self.routing.byok_enabled:
            await ctx.respond(_render.NO_MASTER_KEY, ephemeral=True)
            return
        await ctx.send_modal(KeyModal(self.routing, provider, verify=self.verify_keys))

    @admin.command(name="llm-key-remove", description="Delete this server's stored model key")
    @discord.option("provider", str, description="Which provider", choices=PROVIDER_CHOICES)
    async def llm_key_remove(self, ctx: discord.ApplicationContext, provider: str) -> None:
        """Delete one provider's stored key."""
        if (why := refusal(ctx.interaction)) is not None:
            await ctx.respond(why, ephemeral=True)
            return
        assert ctx.guild_id is not None
        await ctx.defer(ephemeral=True)
        removed = await self.routing.remove_key(ctx.guild_id, provider)
        route = await self.routing.route_for(ctx.guild_id)
        template = _render.REMOVED if removed else _render.NOTHING_TO_REMOVE
        if removed:
            log.info("guild %s removed its own %s key", ctx.guild_id, provider)
        await ctx.followup.send(
            template.format(
                label=_render.label(provider), fallback=_render.fallback_text(route.source)
            ),
            ephemeral=True,
        )

    @admin.command(name="llm-status", description="Show which model keys this server uses")
    async def llm_status(self, ctx: discord.ApplicationContext) -> None:
        """Show own key / bot's key / offline per provider, health and today's tokens."""
        if (why := refusal(ctx.interaction)) is not None:
            await ctx.respond(why, ephemeral=True)
            return
        assert ctx.guild_id is not None
        await ctx.defer(ephemeral=True)
        st = await self.routing.status(ctx.guild_id)
        await ctx.followup.send(_render.status(st), ephemeral=True)
