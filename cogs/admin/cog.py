"""`/admin llm-key`, `/admin llm-key-remove` and `/admin llm-status`."""

from __future__ import annotations

import logging

import discord
from discord.ext import commands

from bot.copy import text
from bot.llm.guild_routing import PROVIDERS, GuildRouting
from cogs._buttons import locale_language
from cogs._shared import command, option
from cogs.admin import _render
from cogs.admin._modal import KeyModal, refusal

log = logging.getLogger(__name__)

PROVIDER_CHOICES = [discord.OptionChoice(_render.label(p), p) for p in PROVIDERS]


class AdminCog(commands.Cog):
    """Server administrators bring their own model keys and check model status."""

    admin = discord.SlashCommandGroup(
        **command("admin.commands.group"),
        default_member_permissions=discord.Permissions(administrator=True),
    )

    def __init__(self, bot: discord.Bot, routing: GuildRouting, *, verify_keys: bool = True):
        self.bot = bot
        self.routing = routing
        self.verify_keys = verify_keys

    @admin.command(**command("admin.commands.llm_key"))
    @option("admin.options.provider", str, choices=PROVIDER_CHOICES)
    async def llm_key(self, ctx: discord.ApplicationContext, provider: str) -> None:
        """Open the key modal for an administrator."""
        if (why := refusal(ctx.interaction)) is not None:
            await ctx.respond(why, ephemeral=True)
            return
        language = locale_language(ctx.interaction)
        if not self.routing.byok_enabled:
            await ctx.respond(_render.no_master_key(language), ephemeral=True)
            return
        await ctx.send_modal(
            KeyModal(self.routing, provider, verify=self.verify_keys, language=language)
        )

    @admin.command(**command("admin.commands.llm_key_remove"))
    @option("admin.options.provider", str, choices=PROVIDER_CHOICES)
    async def llm_key_remove(self, ctx: discord.ApplicationContext, provider: str) -> None:
        """Delete one provider's stored key."""
        if (why := refusal(ctx.interaction)) is not None:
            await ctx.respond(why, ephemeral=True)
            return
        assert ctx.guild_id is not None
        await ctx.defer(ephemeral=True)
        removed = await self.routing.remove_key(ctx.guild_id, provider)
        route = await self.routing.route_for(ctx.guild_id)
        if removed:
            log.info("guild %s removed its own %s key", ctx.guild_id, provider)
        language = locale_language(ctx.interaction)
        reply = text(
            "admin.removed" if removed else "admin.nothing_to_remove",
            language,
            label=_render.label(provider),
            fallback=_render.fallback_text(route.source, language),
        )
        await ctx.followup.send(reply, ephemeral=True)

    @admin.command(**command("admin.commands.llm_status"))
    async def llm_status(self, ctx: discord.ApplicationContext) -> None:
        """Show own key / bot's key / offline per provider, health and today's tokens."""
        if (why := refusal(ctx.interaction)) is not None:
            await ctx.respond(why, ephemeral=True)
            return
        assert ctx.guild_id is not None
        await ctx.defer(ephemeral=True)
        st = await self.routing.status(ctx.guild_id)
        await ctx.followup.send(
            _render.status(st, locale_language(ctx.interaction)), ephemeral=True
        )
