"""`/voice` and `/round` commands, the consent and rating buttons, and voice-state changes."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.catalog import Kind, Language, Level
from bot.copy import text
from bot.errors import CoachError
from bot.rounds.model import RoundMode
from bot.rounds.ports import RoundPresenter
from bot.rounds.run import RoundRequest
from bot.voice.coach import VoiceCoach
from cogs._buttons import ButtonRouter, chosen_language, locale_language
from cogs._cooldown import NO_COOLDOWNS, Cooldowns
from cogs._cooldown import VOICE as VOICE_COOLDOWN
from cogs._shared import command, interview_options, option
from cogs.rounds.commands import ROUND, RoundCommands
from cogs.voice._commands import localise_choices
from cogs.voice._controls import CONSENT, RATE, VoiceAction, parse_voice_custom_id
from cogs.voice._places import Place, open_place
from cogs.voice._presenter import ThreadPresenter
from cogs.voice._render import diagnostics_embed

if TYPE_CHECKING:
    from cogs.rounds import RoundDesk

log = logging.getLogger(__name__)

VOICE = "voice.commands.voice"


class VoiceCog(RoundCommands, commands.Cog):
    """Parse options, check where everyone is, defer, make one call to the voice coach."""

    voice = discord.SlashCommandGroup(**command(VOICE))
    round_group = RoundCommands.round_group

    def __init__(
        self,
        bot: discord.Bot,
        coach: VoiceCoach,
        *,
        cooldowns: Cooldowns = NO_COOLDOWNS,
        rounds: RoundDesk | None = None,
    ) -> None:
        self.bot = bot
        self.coach = coach
        self.cooldowns = cooldowns
        self.round_desk = rounds
        self._names: dict[int, str] = {}
        self.buttons = ButtonRouter()
        self.buttons.route(parse_voice_custom_id, self._click)

    # ---- /voice --------------------------------------------------------------------

    @voice.command(**command(f"{VOICE}.interview"))
    @interview_options(
        kind=f"{VOICE}.interview.options.kind",
        level=f"{VOICE}.interview.options.level",
        language=f"{VOICE}.interview.options.language",
    )
    @option(f"{VOICE}.interview.options.questions", int, min_value=1, max_value=10, default=3)
    async def interview(
        self,
        ctx: discord.ApplicationContext,
        kind: str,
        level: str,
        language: str | None,
        questions: int,
    ) -> None:
        """Join the caller's voice channel, post the consent notice, then interview aloud."""
        await self._start(ctx, RoundMode.SOLO, kind, level, language, questions)

    @voice.command(**command(f"{VOICE}.stop"))
    async def stop(self, ctx: discord.ApplicationContext) -> None:
        """Leave the channel, stop listening and post the summary (host or Manage Server)."""
        await ctx.defer(ephemeral=True)
        guild, member = _guild_member(ctx)
        stopped = await self.coach.rounds.stop(
            guild.id, member.id, _is_manager(member), _locale(ctx)
        )
        await ctx.followup.send(text("voice.replies.stopped", stopped.language), ephemeral=True)

    @voice.command(**command(f"{VOICE}.diagnose"))
    async def diagnose(self, ctx: discord.ApplicationContext) -> None:
        """Show transport, DAVE, whom the bot listens to and per-user counters."""
        await ctx.defer(ephemeral=True)
        guild, _ = _guild_member(ctx)
        found = self.coach.diagnostics(guild.id)
        if found is None:
            reply = text("voice.replies.not_connected", _locale(ctx))
            await ctx.followup.send(reply, ephemeral=True)
            return
        diag, round_ = found
        embed = diagnostics_embed(diag, round_, self._namer(guild, round_.language))
        await ctx.followup.send(embed=embed, ephemeral=True)

    # ---- /round --------------------------------------------------------------------

    @round_group.command(**command(f"{ROUND}.start"))
    @interview_options(
        kind=f"{ROUND}.start.options.kind",
        level=f"{ROUND}.start.options.level",
        language=f"{ROUND}.start.options.language",
    )
    @option(f"{ROUND}.start.options.rounds", int, min_value=1, max_value=5, default=2)
    async def round_start(
        self,
        ctx: discord.ApplicationContext,
        kind: str,
        level: str,
        language: str | None,
        rounds: int,
    ) -> None:
        """Join the caller's channel, open a round thread, and take turns."""
        await self._start(ctx, RoundMode.GROUP, kind, level, language, rounds)

    @round_group.command(**command(f"{ROUND}.next"))
    async def round_next(self, ctx: discord.ApplicationContext) -> None:
        """End the current turn and call the next person."""
        await ctx.defer(ephemeral=True)
        guild, member = _guild_member(ctx)
        reply = await self.coach.rounds.next(
            guild.id, member.id, self.host_power(member), _locale(ctx), channel_id=ctx.channel_id
        )
        await ctx.followup.send(reply, ephemeral=True)

    @round_group.command(**command(f"{ROUND}.skip"))
    @option(f"{ROUND}.skip.options.user", discord.Member)
    async def round_skip(self, ctx: discord.ApplicationContext, user: discord.Member) -> None:
        """Pass a participant's current or next turn."""
        await ctx.defer(ephemeral=True)
        guild, member = _guild_member(ctx)
        self._names[user.id] = user.display_name
        reply = await self.coach.rounds.skip(
            guild.id,
            user.id,
            member.id,
            self.host_power(member),
            _locale(ctx),
            channel_id=ctx.channel_id,
        )
        await ctx.followup.send(reply, ephemeral=True)

    # ---- listeners -----------------------------------------------------------------

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Route Consent and rating clicks (ids carry the round or the answer)."""
        await self.buttons.dispatch(interaction)

    async def _click(self, interaction: discord.Interaction, parsed: VoiceAction) -> None:
        user = interaction.user
        if user is None:
            return
        self._names[user.id] = user.display_name
        await interaction.response.defer(ephemeral=True)
        language = locale_language(interaction)
        try:
            if parsed.action == CONSENT:
                reply = await self.coach.rounds.consent(parsed.target_id, user.id, language)
            elif parsed.action == RATE and parsed.rating is not None:
                reply = await self.coach.rounds.rate(
                    parsed.target_id, user.id, parsed.rating, language
                )
            else:
                return
        except CoachError as exc:
            reply = exc.user_message
        await interaction.followup.send(reply, ephemeral=True)

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        """Close rounds a restart interrupted (their connection is gone)."""
        if ended := await self.coach.recover():
            log.info("Marked %s interrupted voice sessions as stopped", ended)

    @commands.Cog.listener()
    async def on_voice_state_update(
        self, member: discord.Member, before: discord.VoiceState, after: discord.VoiceState
    ) -> None:
        """Tell the coach who moved: the bot leaving ends the round, a member leaving is dropped."""
        me = self.bot.user
        await self.coach.voice_state_changed(
            member.guild.id,
            member.id,
            before.channel.id if before.channel is not None else None,
            after.channel.id if after.channel is not None else None,
            is_bot=me is not None and member.id == me.id,
        )

    # ---- helpers -------------------------------------------------------------------

    async def _start(
        self,
        ctx: discord.ApplicationContext,
        mode: RoundMode,
        kind: str,
        level: str,
        language: str | None,
        turns: int,
    ) -> None:
        lang = chosen_language(language, ctx.interaction)
        # Joining voice is costly: one start per user per cooldown (refunded on failure).
        with self.cooldowns.charged(ctx.author.id, VOICE_COOLDOWN, lang):
            await self._join(ctx, mode, kind, level, lang, turns)

    async def _join(
        self,
        ctx: discord.ApplicationContext,
        mode: RoundMode,
        kind: str,
        level: str,
        lang: Language,
        turns: int,
    ) -> None:
        await ctx.defer(ephemeral=True)
        guild, member = _guild_member(ctx, lang)
        channel = _voice_channel_of(member, lang)
        me = guild.me
        if me is not None:
            perms = channel.permissions_for(me)
            if not (perms.connect and perms.speak):
                raise CoachError(
                    text("voice.errors.missing_permissions", lang, channel_id=channel.id)
                )
        self._names[member.id] = member.display_name
        request = RoundRequest(
            guild_id=guild.id,
            channel_id=channel.id,
            host_id=member.id,
            mode=mode,
            kind=Kind(kind),
            level=Level(level),
            language=lang,
            turns_each=turns,
        )
        opened: list[Place] = []

        async def open_thread() -> tuple[RoundPresenter, int | None]:
            place = await open_place(ctx.channel, member, mode, lang)
            opened.append(place)
            if place.note:
                await place.channel.send(place.note)
            presenter = ThreadPresenter(guild, place.channel, channel.id, self._names, lang)
            return presenter, place.channel_id

        await self.coach.start(request, open_thread)
        where = opened[0].mention or text("voice.replies.your_dms", lang)
        key = (
            "voice.replies.joined_solo" if mode is RoundMode.SOLO else "voice.replies.joined_group"
        )
        await ctx.followup.send(text(key, lang, channel_id=channel.id, where=where), ephemeral=True)

    def _namer(self, guild: discord.Guild, language: Language) -> Callable[[int], str]:
        """Return display names from the member cache, then from names seen in interactions."""

        def name_of(user_id: int) -> str:
            member = guild.get_member(user_id)
            if member is not None:
                return member.display_name
            known = self._names.get(user_id)
            return known or text("voice.diagnostics.user", language, user_id=user_id)

        return name_of


localise_choices(VoiceCog.voice)
localise_choices(VoiceCog.round_group)


def _locale(ctx: discord.ApplicationContext) -> Language:
    """Return the caller's client language (used when no round says which)."""
    return locale_language(ctx.interaction)


def _is_manager(member: discord.Member) -> bool:
    return bool(member.guild_permissions.manage_guild)


def _guild_member(
    ctx: discord.ApplicationContext, language: Language | None = None
) -> tuple[discord.Guild, discord.Member]:
    guild = ctx.guild
    member = ctx.author
    if guild is None or not isinstance(member, discord.Member):
        raise CoachError(text("voice.errors.server_only", language or _locale(ctx)))
    return guild, member


def _voice_channel_of(
    member: discord.Member, language: Language
) -> discord.VoiceChannel | discord.StageChannel:
    state = member.voice
    channel = state.channel if state is not None else None
    if not isinstance(channel, discord.VoiceChannel | discord.StageChannel):
        raise CoachError(text("voice.errors.not_in_voice", language))
    return channel
