"""Text rounds in threads, and the round history: what the `/round` text commands act on.

A text round is the round domain's ``RoundChannel`` over a thread (``TextRoundChannel``):
this desk opens the thread, hands the round a presenter, and feeds it the messages of the
person whose turn it is (a voice message is transcribed first, as in an interview thread).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import discord

from bot.catalog import Kind, Language, Level
from bot.coaching.answer import Answer
from bot.copy import text
from bot.errors import CoachError
from bot.guilds.settings import GuildSettingsService
from bot.rounds.history import RoundHistory
from bot.rounds.model import RoundMedium, RoundMode
from bot.rounds.run import RoundRequest, RoundRun
from bot.rounds.service import RoundService
from bot.rounds.text import TextRoundChannel
from cogs._buttons import locale_language
from cogs._cooldown import VOICE as ROUND_COOLDOWN
from cogs._cooldown import Cooldowns
from cogs.interview._audio import SpeechServices, audio_attachment, transcribe_attachment
from cogs.interview._channels import ARCHIVE_AFTER_MINUTES
from cogs.rounds._presenter import TextThreadPresenter
from cogs.rounds._render import history_embed

log = logging.getLogger(__name__)

DEFAULT_ANSWER_MINUTES = 5


@dataclass(frozen=True, slots=True)
class TextPlace:
    """Where a text round runs: its thread (or the channel itself) and its id."""

    channel: discord.abc.Messageable
    channel_id: int
    note: str | None = None

    @property
    def mention(self) -> str:
        """Return how to point at the place in a reply."""
        return f"<#{self.channel_id}>"


class RoundDesk:
    """Start text rounds, feed them their answers, and answer history and sharing."""

    def __init__(
        self,
        rounds: RoundService,
        history: RoundHistory,
        settings: GuildSettingsService,
        speech: SpeechServices | None = None,
    ) -> None:
        self.rounds = rounds
        self.history_service = history
        self.settings = settings
        self.speech = speech
        self.names: dict[int, str] = {}
        # Live text rounds by the id of their thread: (channel, language).
        self._channels: dict[int, tuple[TextRoundChannel, Language]] = {}

    # ---- who may steer a round --------------------------------------------------------

    def may_host(self, member: discord.Member) -> bool:
        """Tell whether a member may steer any round: Manage Server or the moderator role."""
        return self.settings.is_moderator(
            member.guild.id,
            bool(member.guild_permissions.manage_guild),
            {r.id for r in member.roles},
        )

    # ---- commands -----------------------------------------------------------------------

    async def start_text(
        self,
        ctx: discord.ApplicationContext,
        cooldowns: Cooldowns,
        kind: Kind,
        level: Level,
        language: Language,
        turns: int,
        minutes: int,
    ) -> None:
        """Open a text round in a thread of the channel the command came from."""
        with cooldowns.charged(ctx.author.id, ROUND_COOLDOWN, language):
            await ctx.defer(ephemeral=True)
            guild, member = _guild_member(ctx, language)
            origin = ctx.channel
            if isinstance(origin, discord.Thread) and origin.parent is not None:
                origin = origin.parent
            if not isinstance(origin, discord.TextChannel):
                raise CoachError(key="rounds.text.errors.needs_text_channel", language=language)
            self.names[member.id] = member.display_name
            request = RoundRequest(
                guild_id=guild.id,
                channel_id=origin.id,
                host_id=member.id,
                mode=RoundMode.GROUP,
                kind=kind,
                level=level,
                language=language,
                turns_each=turns,
                medium=RoundMedium.TEXT,
                answer_timeout_s=_half(minutes),
            )
            title = text("rounds.text.thread", language, name=member.display_name)
            _, place = await self.open(origin, request, title, minutes)
        reply = text("rounds.text.started", language, where=place.mention)
        await ctx.followup.send(reply, ephemeral=True)

    async def open(
        self,
        origin: discord.TextChannel,
        request: RoundRequest,
        title: str,
        minutes: int,
        *,
        note: str | None = None,
    ) -> tuple[RoundRun, TextPlace]:
        """Open the round's thread in ``origin`` and start the round there."""
        lang = request.language
        self.rounds.check_free(request.guild_id, origin.id, lang, RoundMedium.TEXT)
        async with self.rounds.claim(request.guild_id, origin.id, lang, RoundMedium.TEXT):
            place = await _thread(origin, title, lang)
            for message in (place.note, note):
                if message:
                    await _post(place.channel, message)
            channel = TextRoundChannel()
            presenter = TextThreadPresenter(
                origin.guild, place.channel, origin.id, self.names, lang, minutes
            )
            run = await self.rounds.begin(request, channel, presenter, place.channel_id)
        self._channels[place.channel_id] = (channel, lang)
        if run.task is not None:
            run.task.add_done_callback(lambda _: self._channels.pop(place.channel_id, None))
        return run, place

    async def stop(self, ctx: discord.ApplicationContext) -> None:
        """End the round of this channel or thread (else the server's voice round)."""
        await ctx.defer(ephemeral=True)
        language = locale_language(ctx.interaction)
        guild, member = _guild_member(ctx, language)
        stopped = await self.rounds.stop(
            guild.id, member.id, self.may_host(member), language, channel_id=ctx.channel_id
        )
        await ctx.followup.send(text("voice.replies.stopped", stopped.language), ephemeral=True)

    async def history(self, ctx: discord.ApplicationContext) -> None:
        """Show the server's past rounds, and the figures of members who share theirs."""
        await ctx.defer(ephemeral=True)
        guild, member = _guild_member(ctx, locale_language(ctx.interaction))
        language = self.settings.language(guild.id) or locale_language(ctx.interaction)
        found = await self.history_service.history(guild.id, member.id)
        embed = history_embed(found, self._namer(guild, language), language)
        await ctx.followup.send(embed=embed, ephemeral=True)

    async def share(self, ctx: discord.ApplicationContext, shared: bool) -> None:
        """Opt the caller in to (or out of) showing their round scores to the server."""
        await ctx.defer(ephemeral=True)
        language = locale_language(ctx.interaction)
        guild, member = _guild_member(ctx, language)
        await self.history_service.share(guild.id, member.id, shared)
        key = "rounds.history.shared" if shared else "rounds.history.hidden"
        await ctx.followup.send(text(key, language), ephemeral=True)

    # ---- answers ------------------------------------------------------------------------

    async def take_message(self, message: discord.Message) -> bool:
        """Hand a message to the text round of its thread if it is the speaker's answer."""
        found = self._channels.get(message.channel.id)
        if found is None or message.author.bot:
            return False
        channel, language = found
        if not channel.accepts(message.author.id):
            return False
        attachment = audio_attachment(message)
        if attachment is not None and self.speech is not None:
            heard = await transcribe_attachment(message, attachment, self.speech, language)
            if heard is None:
                return True  # the speaker was told why; the turn is still open
            answer = Answer(heard[0], tuple(heard[1]), spoken=True)
        else:
            answer = Answer(message.content.strip())
        return await channel.offer(message.author.id, answer)

    async def thread_gone(self, thread_id: int) -> None:
        """End the text round whose thread was deleted."""
        found = self._channels.pop(thread_id, None)
        if found is not None:
            log.info("Thread %s of a text round was deleted; ending the round", thread_id)
            await found[0].close()

    def live_threads(self) -> Sequence[int]:
        """Return the threads of live text rounds."""
        return list(self._channels)

    def _namer(self, guild: discord.Guild, language: Language) -> TextNamer:
        return TextNamer(guild, self.names, language)


class TextNamer:
    """Display names from the member cache, then from names seen in interactions."""

    def __init__(self, guild: discord.Guild, names: dict[int, str], language: Language) -> None:
        self.guild = guild
        self.names = names
        self.language = language

    def __call__(self, user_id: int) -> str:
        """Return the member's display name, or a neutral mention."""
        member = self.guild.get_member(user_id)
        if member is not None:
            return member.display_name
        return self.names.get(user_id) or f"<@{user_id}>"


def _half(minutes: int) -> float:
    """Return the wait before the reminder: half the time limit (the round waits twice)."""
    return minutes * 60 / 2


async def _thread(origin: discord.TextChannel, title: str, language: Language) -> TextPlace:
    """Open a public thread for the round (everyone may join), else use the channel itself."""
    try:
        thread = await origin.create_thread(
            name=title[:100],
            type=discord.ChannelType.public_thread,
            auto_archive_duration=ARCHIVE_AFTER_MINUTES,
        )
    except discord.HTTPException as exc:
        log.info("Public thread refused in channel %s: %s", origin.id, exc)
        return TextPlace(origin, origin.id, text("rounds.text.no_thread", language))
    return TextPlace(thread, thread.id)


async def _post(channel: discord.abc.Messageable, content: str) -> None:
    try:
        await channel.send(
            content, allowed_mentions=discord.AllowedMentions(everyone=False, roles=False)
        )
    except discord.HTTPException:
        log.warning("Could not post in text round channel %s", getattr(channel, "id", None))


def _guild_member(
    ctx: discord.ApplicationContext, language: Language
) -> tuple[discord.Guild, discord.Member]:
    guild = ctx.guild
    member = ctx.author
    if guild is None or not isinstance(member, discord.Member):
        raise CoachError(text("voice.errors.server_only", language))
    return guild, member
