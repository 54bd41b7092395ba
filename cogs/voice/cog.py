"""`/voice` and `/round` commands, the consent and rating buttons, and voice-state changes."""

from __future__ import annotations

import logging

import discord
from discord.ext import commands

from bot.catalog import Kind, Language, Level
from bot.errors import CoachError
from bot.interview.rounds import RoundMode
from bot.voice.coach import VoiceCoach, VoiceRequest
from cogs._shared import interview_options
from cogs.interview._channels import ARCHIVE_AFTER_MINUTES, open_interview_channel
from cogs.voice._controls import CONSENT, RATE, parse_voice_custom_id
from cogs.voice._presenter import ThreadPresenter
from cogs.voice._render import diagnostics_embed

log = logging.getLogger(__name__)

NOT_IN_VOICE = (
    "Join a voice channel first, then run this command again: I'll come to the channel you're in."
)
SERVER_ONLY = "Voice sessions run in a server's voice channel, not in direct messages."


class VoiceCog(commands.Cog):
    """Parse options, check where everyone is, defer, call the voice coach."""

    voice = discord.SlashCommandGroup("voice", "Practise out loud in a voice channel")
    round_group = discord.SlashCommandGroup("round", "Study-group rounds in a voice channel")

    def __init__(self, bot: discord.Bot, coach: VoiceCoach) -> None:
        self.bot = bot
        self.coach = coach
        self._names: dict[int, str] = {}

    # ---- /voice --------------------------------------------------------------------

    @voice.command(name="interview", description="A mock interview out loud in your voice channel")
    @interview_options()
    @discord.option(
        "questions",
        int,
        description="How many questions (1-10)",
        min_value=1,
        max_value=10,
        default=3,
    )
    async def interview(
        self,
        ctx: discord.ApplicationContext,
        kind: str,
        level: str,
        language: str,
        questions: int,
    ) -> None:
        """Join the caller's voice channel, post the consent notice, then interview aloud."""
        await self._start(ctx, RoundMode.SOLO, kind, level, language, questions)

    @voice.command(name="stop", description="End the voice session running in this server")
    async def stop(self, ctx: discord.ApplicationContext) -> None:
        """Leave the channel, stop listening and post the summary (host or Manage Server)."""
        await ctx.defer(ephemeral=True)
        guild, member = self._guild_member(ctx)
        await self.coach.stop(guild.id, member.id, _is_manager(member))
        await ctx.followup.send(
            "Stopped. I left the voice channel and posted the summary in the thread.",
            ephemeral=True,
        )

    @voice.command(
        name="diagnose", description="Show the voice connection's encryption and counters"
    )
    async def diagnose(self, ctx: discord.ApplicationContext) -> None:
        """Show transport, DAVE, whom the bot listens to and per-user counters."""
        await ctx.defer(ephemeral=True)
        guild, _ = self._guild_member(ctx)
        found = self.coach.diagnostics(guild.id)
        if found is None:
            await ctx.followup.send(
                "I'm not connected to a voice channel in this server. Start with "
                "`/voice interview` or `/round start`.",
                ephemeral=True,
            )
            return
        diag, round_ = found
        await ctx.followup.send(
            embed=diagnostics_embed(diag, round_, self._name_in(guild)), ephemeral=True
        )

    # ---- /round --------------------------------------------------------------------

    @round_group.command(
        name="start", description="Start a study-group round in your voice channel"
    )
    @interview_options(
        kind="What kind of questions", level="The group's level", language="Round language"
    )
    @discord.option(
        "rounds",
        int,
        description="Questions per person (1-5)",
        min_value=1,
        max_value=5,
        default=2,
    )
    async def round_start(
        self, ctx: discord.ApplicationContext, kind: str, level: str, language: str, rounds: int
    ) -> None:
        """Join the caller's channel, open a round thread, and take turns."""
        await self._start(ctx, RoundMode.GROUP, kind, level, language, rounds)

    @round_group.command(name="next", description="Move on to the next person now (host)")
    async def round_next(self, ctx: discord.ApplicationContext) -> None:
        """End the current turn and call the next person."""
        await ctx.defer(ephemeral=True)
        guild, member = self._guild_member(ctx)
        text = await self.coach.next(guild.id, member.id, _is_manager(member))
        await ctx.followup.send(text, ephemeral=True)

    @round_group.command(name="skip", description="Skip someone's turn (host)")
    @discord.option("user", discord.Member, description="Whose turn to skip")
    async def round_skip(self, ctx: discord.ApplicationContext, user: discord.Member) -> None:
        """Pass a participant's current or next turn."""
        await ctx.defer(ephemeral=True)
        guild, member = self._guild_member(ctx)
        self._names[user.id] = user.display_name
        text = await self.coach.skip(guild.id, user.id, member.id, _is_manager(member))
        await ctx.followup.send(text, ephemeral=True)

    # ---- listeners -----------------------------------------------------------------

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Route Consent and rating clicks (ids carry the session or answer)."""
        if interaction.type is not discord.InteractionType.component or interaction.data is None:
            return
        parsed = parse_voice_custom_id(str(interaction.data.get("custom_id", "")))
        user = interaction.user
        if parsed is None or user is None:
            return
        self._names[user.id] = user.display_name
        await interaction.response.defer(ephemeral=True)
        try:
            if parsed.action == CONSENT:
                text = await self.coach.consent(parsed.target_id, user.id)
            elif parsed.action == RATE and parsed.rating is not None:
                text = await self.coach.rate(parsed.target_id, user.id, parsed.rating)
            else:
                return
        except CoachError as exc:
            text = exc.user_message
        await interaction.followup.send(text, ephemeral=True)

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        """Close voice sessions a restart interrupted (their connection is gone)."""
        if ended := await self.coach.recover():
            log.info("Marked %s interrupted voice sessions as stopped", ended)

    @commands.Cog.listener()
    async def on_voice_state_update(
        self, member: discord.Member, before: discord.VoiceState, after: discord.VoiceState
    ) -> None:
        """End on the bot's disconnection or an empty channel; drop participants who leave."""
        guild_id = member.guild.id
        run = self.coach.active(guild_id)
        if run is None:
            return
        channel_id = run.round.voice_channel_id
        me = self.bot.user
        if me is not None and member.id == me.id:
            if after.channel is None or after.channel.id != channel_id:
                await self.coach.disconnected(guild_id)
            return
        left = before.channel is not None and before.channel.id == channel_id
        if left and (after.channel is None or after.channel.id != channel_id):
            await self.coach.member_left(guild_id, member.id, channel_id)

    # ---- helpers -------------------------------------------------------------------

    async def _start(
        self,
        ctx: discord.ApplicationContext,
        mode: RoundMode,
        kind: str,
        level: str,
        language: str,
        turns: int,
    ) -> None:
        await ctx.defer(ephemeral=True)
        guild, member = self._guild_member(ctx)
        channel = _voice_channel_of(member)
        me = guild.me
        if me is not None:
            perms = channel.permissions_for(me)
            if not (perms.connect and perms.speak):
                raise CoachError(
                    f"I need the **Connect** and **Speak** permissions in {channel.mention} to "
                    "run a voice session there. Ask a moderator to grant them."
                )
        self.coach.check_free(guild.id, channel.id)
        if mode is RoundMode.SOLO:
            await self.coach.precheck_candidate(member.id, guild.id)
        link = await self.coach.connect(guild.id, channel.id)
        try:
            if mode is RoundMode.SOLO:
                title = f"Voice interview · {member.display_name}"[:100]
                place = await open_interview_channel(ctx.channel, member, title)
                where, where_id, note = place.channel, place.channel_id, place.note
            else:
                where, where_id, note = await _round_thread(ctx.channel, member)
            if note:
                await where.send(note)
            presenter = ThreadPresenter(guild, where, channel.id, self._names, language)
            self._names[member.id] = member.display_name
            request = VoiceRequest(
                guild_id=guild.id,
                channel_id=channel.id,
                host_id=member.id,
                mode=mode,
                kind=Kind(kind),
                level=Level(level),
                language=Language(language),
                turns_each=turns,
            )
            await self.coach.begin(request, link, presenter, where_id)
        except BaseException:
            await link.close()
            raise
        where_text = f"<#{where_id}>" if not isinstance(where, discord.DMChannel) else "your DMs"
        what = (
            "Press **Consent** there to start"
            if mode is RoundMode.SOLO
            else "Everyone who wants a turn presses **Consent** there"
        )
        await ctx.followup.send(
            f"I joined {channel.mention}. {what}: {where_text}.", ephemeral=True
        )

    def _guild_member(
        self, ctx: discord.ApplicationContext
    ) -> tuple[discord.Guild, discord.Member]:
        guild = ctx.guild
        member = ctx.author
        if guild is None or not isinstance(member, discord.Member):
            raise CoachError(SERVER_ONLY)
        return guild, member

    def _name_in(self, guild: discord.Guild) -> ThreadPresenterNames:
        return ThreadPresenterNames(guild, self._names)


class ThreadPresenterNames:
    """Resolve display names from the member cache, then names seen in interactions."""

    def __init__(self, guild: discord.Guild, names: dict[int, str]) -> None:
        self._guild = guild
        self._names = names

    def __call__(self, user_id: int) -> str:
        """Return a display name for ``user_id``."""
        member = self._guild.get_member(user_id)
        if member is not None:
            return member.display_name
        return self._names.get(user_id, f"user {user_id}")


def _is_manager(member: discord.Member) -> bool:
    return bool(member.guild_permissions.manage_guild)


def _voice_channel_of(
    member: discord.Member,
) -> discord.VoiceChannel | discord.StageChannel:
    state = member.voice
    channel = state.channel if state is not None else None
    if not isinstance(channel, discord.VoiceChannel | discord.StageChannel):
        raise CoachError(NOT_IN_VOICE)
    return channel


async def _round_thread(
    origin: object, host: discord.Member
) -> tuple[discord.abc.Messageable, int, str | None]:
    """Open a public thread for a round (everyone must see it), else use the channel."""
    if isinstance(origin, discord.TextChannel):
        try:
            thread = await origin.create_thread(
                name=f"Study round · {host.display_name}"[:100],
                type=discord.ChannelType.public_thread,
                auto_archive_duration=ARCHIVE_AFTER_MINUTES,
            )
            return thread, thread.id, None
        except discord.HTTPException as exc:
            log.info("Public thread refused in channel %s: %s", origin.id, exc)
            return (
                origin,
                origin.id,
                "I couldn't open a thread here (I need *Create Public Threads*), so this round "
                "runs in this channel.",
            )
    if isinstance(origin, discord.abc.Messageable) and isinstance(origin, discord.abc.Snowflake):
        return origin, origin.id, None
    raise CoachError("Run `/round start` from a text channel: the round needs a thread.")
