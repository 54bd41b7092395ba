"""`/round text`, `/round stop`, `/round history`, `/round share`: the round group's text side.

The `/round` group is one Discord command, so these subcommands live on the cog that carries
it (``VoiceCog`` inherits this mixin); each parses its options and makes one call to the
``RoundDesk`` it was given.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord

from bot.catalog import Kind, Level
from bot.copy import text
from bot.errors import CoachError
from cogs._buttons import chosen_language, locale_language
from cogs._cooldown import NO_COOLDOWNS, Cooldowns
from cogs._shared import command, interview_options, option

if TYPE_CHECKING:
    from cogs.rounds._desk import RoundDesk

log = logging.getLogger(__name__)

ROUND = "rounds.commands.round"


class RoundCommands:
    """The `/round` group and its text-round, stop, history and sharing subcommands."""

    round_group = discord.SlashCommandGroup(**command(ROUND))
    round_desk: RoundDesk | None = None
    cooldowns: Cooldowns = NO_COOLDOWNS

    @round_group.command(**command(f"{ROUND}.text"))
    @interview_options(
        kind=f"{ROUND}.text.options.kind",
        level=f"{ROUND}.text.options.level",
        language=f"{ROUND}.text.options.language",
    )
    @option(f"{ROUND}.text.options.rounds", int, min_value=1, max_value=5, default=2)
    @option(f"{ROUND}.text.options.minutes", int, min_value=1, max_value=30, default=5)
    async def round_text(
        self,
        ctx: discord.ApplicationContext,
        kind: str,
        level: str,
        language: str | None,
        rounds: int,
        minutes: int,
    ) -> None:
        """Start a round in a thread: each person answers in turn, typed or by voice message."""
        await self._desk(ctx).start_text(
            ctx,
            self.cooldowns,
            Kind(kind),
            Level(level),
            chosen_language(language, ctx.interaction),
            rounds,
            minutes,
        )

    @round_group.command(**command(f"{ROUND}.stop"))
    async def round_stop(self, ctx: discord.ApplicationContext) -> None:
        """End the round of this channel or thread (host, Manage Server or moderator)."""
        await self._desk(ctx).stop(ctx)

    @round_group.command(**command(f"{ROUND}.history"))
    async def round_history(self, ctx: discord.ApplicationContext) -> None:
        """Show past rounds with attendance, and the figures of members who share them."""
        await self._desk(ctx).history(ctx)

    @round_group.command(**command(f"{ROUND}.share"))
    @option(f"{ROUND}.share.options.shared", bool)
    async def round_share(self, ctx: discord.ApplicationContext, shared: bool) -> None:
        """Let the server see your round scores and peer ratings over time (or stop it)."""
        await self._desk(ctx).share(ctx, shared)

    def host_power(self, member: discord.Member) -> bool:
        """Tell whether a member may steer any round (Manage Server or the moderator role)."""
        if self.round_desk is not None:
            return self.round_desk.may_host(member)
        return bool(member.guild_permissions.manage_guild)

    def _desk(self, ctx: discord.ApplicationContext) -> RoundDesk:
        if self.round_desk is None:
            language = locale_language(ctx.interaction)
            raise CoachError(text("rounds.text.errors.unavailable", language))
        return self.round_desk
