"""`/settings` (Manage Server): moderator role, allowed channels, defaults and limits."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import discord
from discord.ext import commands

from bot.catalog import Language
from bot.copy import catalogue, text
from bot.guilds.settings import GuildSettings, GuildSettingsService, SettingsError
from cogs._buttons import locale_language
from cogs._shared import command, option
from cogs.settings._gate import StartGate
from cogs.settings._render import settings_embed

log = logging.getLogger(__name__)

SETTINGS = "settings.commands.settings"
OPTIONS = "settings.options"
DEFAULT = "default"


def _choices(prefix: str, values: tuple[str, ...]) -> list[discord.OptionChoice]:
    cat = catalogue()
    return [
        discord.OptionChoice(
            text(f"{prefix}.{v}"), v, name_localizations=cat.localizations(f"{prefix}.{v}")
        )
        for v in values
    ]


LANGUAGES = _choices("settings.choices.language", ("en", "ko", DEFAULT))
SWITCH = _choices("settings.choices.switch", ("on", "off", DEFAULT))


class SettingsCog(commands.Cog):
    """Show and change a server's settings; apply them to every command (``bot_check_once``)."""

    settings = discord.SlashCommandGroup(
        **command(SETTINGS), default_member_permissions=discord.Permissions(manage_guild=True)
    )

    def __init__(self, bot: discord.Bot, service: GuildSettingsService) -> None:
        self.bot = bot
        self.service = service
        self.gate = StartGate(service)

    def bot_check_once(self, ctx: discord.ApplicationContext) -> bool:
        """Apply the server's default language and allowed channels before any command."""
        return self.gate.check(ctx)

    @settings.command(**command(f"{SETTINGS}.show"))
    async def show(self, ctx: discord.ApplicationContext) -> None:
        """Show every setting with its current value."""
        await self._change(ctx, None)

    @settings.command(**command(f"{SETTINGS}.moderator_role"))
    @option(f"{OPTIONS}.role", discord.Role, required=False, default=None)
    async def moderator_role(
        self, ctx: discord.ApplicationContext, role: discord.Role | None
    ) -> None:
        """Set the role whose members may schedule rounds and add questions (none: clear it)."""
        await self._change(
            ctx, lambda g, _: self.service.set_moderator_role(g, role.id if role else None)
        )

    @settings.command(**command(f"{SETTINGS}.channel"))
    @option(f"{OPTIONS}.channel", discord.abc.GuildChannel)
    @option(f"{OPTIONS}.allowed", bool)
    async def channel(
        self, ctx: discord.ApplicationContext, channel: discord.abc.GuildChannel, allowed: bool
    ) -> None:
        """Allow (or stop allowing) interviews and rounds to start in a channel."""
        await self._change(
            ctx, lambda g, lang: self.service.allow_channel(g, channel.id, allowed, lang)
        )

    @settings.command(**command(f"{SETTINGS}.channels_clear"))
    async def channels_clear(self, ctx: discord.ApplicationContext) -> None:
        """Let interviews and rounds start in any channel again."""
        await self._change(ctx, lambda g, _: self.service.clear_channels(g))

    @settings.command(**command(f"{SETTINGS}.language"))
    @option(f"{OPTIONS}.language", str, choices=LANGUAGES)
    async def language(self, ctx: discord.ApplicationContext, language: str) -> None:
        """Set the language commands use when a member does not choose one."""
        chosen = None if language == DEFAULT else Language(language)
        await self._change(ctx, lambda g, _: self.service.set_language(g, chosen))

    @settings.command(**command(f"{SETTINGS}.spoken_questions"))
    @option(f"{OPTIONS}.spoken", str, choices=SWITCH)
    async def spoken_questions(self, ctx: discord.ApplicationContext, spoken: str) -> None:
        """Turn the audio of each question on or off in this server."""
        chosen = None if spoken == DEFAULT else spoken == "on"
        await self._change(ctx, lambda g, _: self.service.set_speak_questions(g, chosen))

    @settings.command(**command(f"{SETTINGS}.budget"))
    @option(f"{OPTIONS}.tokens", int, min_value=0, required=False, default=None)
    async def budget(self, ctx: discord.ApplicationContext, tokens: int | None) -> None:
        """Set the server's daily model budget in tokens (empty: the bot's; 0: offline only)."""
        await self._change(ctx, lambda g, lang: self.service.set_budget(g, tokens, lang))

    @settings.command(**command(f"{SETTINGS}.retention"))
    @option(f"{OPTIONS}.days", int, min_value=1, required=False, default=None)
    async def retention(self, ctx: discord.ApplicationContext, days: int | None) -> None:
        """Keep this server's interviews and rounds for fewer days (empty: the bot's)."""
        await self._change(ctx, lambda g, lang: self.service.set_retention(g, days, lang))

    async def _change(
        self,
        ctx: discord.ApplicationContext,
        change: Callable[[int, Language], Awaitable[GuildSettings]] | None,
    ) -> None:
        """Check Manage Server, make the change (if any), show every setting."""
        await ctx.defer(ephemeral=True)
        lang = locale_language(ctx.interaction)
        member = ctx.author
        guild = ctx.guild
        if guild is None or not isinstance(member, discord.Member):
            raise SettingsError("server_only", lang)
        # Discord hides the command from others, but a server can change that per role.
        if not member.guild_permissions.manage_guild:
            raise SettingsError("manage_server_only", lang)
        if change is not None:
            await change(guild.id, lang)
        lang = self.service.language(guild.id) or lang
        embed = settings_embed(self.service.effective(guild.id), lang)
        await ctx.followup.send(embed=embed, ephemeral=True)
