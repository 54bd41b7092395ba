"""`/negotiate start|stop|resume|history` and the conversation in the negotiation thread."""

from __future__ import annotations

import logging

import discord
from discord.ext import commands

from bot.catalog import Language
from bot.copy import text
from bot.negotiation import (
    Currency,
    Negotiation,
    NegotiationService,
    Speaker,
    Typed,
    format_amount,
)
from bot.presenters import level_name
from cogs._buttons import locale_language
from cogs._shared import LANGUAGE_CHOICES, command, level_choices, option
from cogs.interview._audio import SpeechServices
from cogs.negotiate._conversation import Conversation
from cogs.negotiate._render import debrief_embed, history_embed, recruiter_message, style_choices
from cogs.negotiate._thread import NegotiationThread, find_thread, open_thread

log = logging.getLogger(__name__)

_QUIET = discord.AllowedMentions.none()


class NegotiateCog(commands.Cog):
    """Parse options, defer, make one service call, render."""

    negotiate = discord.SlashCommandGroup(**command("negotiation.commands.group"))

    def __init__(
        self,
        bot: discord.Bot,
        service: NegotiationService,
        speech: SpeechServices | None = None,
    ) -> None:
        self.bot = bot
        self.service = service
        self.conversation = Conversation(bot, service, speech)

    @negotiate.command(**command("negotiation.commands.start"))
    @option("negotiation.options.role", str, max_length=100)
    @option("negotiation.options.offer", str, max_length=40)
    @option("negotiation.options.target", str, max_length=40)
    @option("negotiation.options.currency", str, max_length=12)
    @option("negotiation.options.style", str, choices=style_choices(), default="friendly")
    @option("negotiation.options.bonus", str, required=False, default=None, max_length=40)
    @option("negotiation.options.equity", str, required=False, default=None, max_length=40)
    @option("negotiation.options.level", str, choices=level_choices(), required=False, default=None)
    @option("negotiation.options.location", str, required=False, default=None, max_length=100)
    @option("negotiation.options.language", str, choices=LANGUAGE_CHOICES, default="en")
    async def start(
        self,
        ctx: discord.ApplicationContext,
        role: str,
        offer: str,
        target: str,
        currency: str,
        style: str,
        bonus: str | None,
        equity: str | None,
        level: str | None,
        location: str | None,
        language: str,
    ) -> None:
        """Check the offer, open a private thread and let the recruiter speak first."""
        await ctx.defer(ephemeral=True)
        lang = Language(language)
        typed = Typed(role, offer, target, currency, style, lang, bonus, equity, level, location)
        opened: list[NegotiationThread] = []

        async def open_place() -> int:
            # Called only once the options are valid and nothing runs here already.
            opened.append(await open_thread(ctx.channel, ctx.author, lang))
            return opened[0].channel.id

        started = await self.service.start(typed, ctx.author.id, _guild(ctx), open_place)
        place, negotiation = opened[0], started.negotiation
        intro = _intro(negotiation, self.service.currency_of(negotiation), ctx.author.mention)
        await place.channel.send(f"{place.note}\n\n{intro}" if place.note else intro)
        await place.channel.send(recruiter_message(started.line, lang), allowed_mentions=_QUIET)
        await ctx.followup.send(
            text("negotiation.ready", lang, where=place.channel.mention), ephemeral=True
        )

    @negotiate.command(**command("negotiation.commands.stop"))
    async def stop(self, ctx: discord.ApplicationContext) -> None:
        """End the running negotiation and post its debrief."""
        await ctx.defer(ephemeral=True)
        ended = await self.service.stop(
            ctx.author.id, _guild(ctx), locale_language(ctx.interaction)
        )
        negotiation = ended.negotiation
        embed = debrief_embed(ended.debrief, self.service.currency_of(negotiation))
        thread = await find_thread(self.bot, negotiation.channel_id)
        if thread is None:  # the thread is gone: the debrief comes to the user privately
            await ctx.followup.send(embed=embed, ephemeral=True)
            return
        await thread.send(embed=embed)
        await ctx.followup.send(
            text("negotiation.stopped", negotiation.language, where=thread.mention), ephemeral=True
        )

    @negotiate.command(**command("negotiation.commands.resume"))
    async def resume(self, ctx: discord.ApplicationContext) -> None:
        """Re-post the recruiter's last line, in a new thread if the old one is gone."""
        await ctx.defer(ephemeral=True)
        found: list[discord.Thread] = []

        async def place(negotiation: Negotiation) -> int | None:
            thread = await find_thread(self.bot, negotiation.channel_id)
            if thread is not None:
                found.append(thread)
                return None
            opened = await open_thread(ctx.channel, ctx.author, negotiation.language)
            found.append(opened.channel)
            return opened.channel.id

        negotiation = await self.service.resume(
            ctx.author.id, _guild(ctx), locale_language(ctx.interaction), place
        )
        lang, thread = negotiation.language, found[0]
        await thread.send(text("negotiation.welcome_back", lang, mention=ctx.author.mention))
        said = [t.text for t in negotiation.turns if t.speaker is Speaker.RECRUITER]
        last = said[-1] if said else ""
        await thread.send(recruiter_message(last, lang), allowed_mentions=_QUIET)
        await ctx.followup.send(
            text("negotiation.resumed_in", lang, where=thread.mention), ephemeral=True
        )

    @negotiate.command(**command("negotiation.commands.history"))
    async def history(self, ctx: discord.ApplicationContext) -> None:
        """Show the user's recent negotiations."""
        await ctx.defer(ephemeral=True)
        rows = await self.service.history(ctx.author.id)
        lang = rows[0].language if rows else locale_language(ctx.interaction)
        embed = history_embed(rows, self.service.currencies, lang)
        await ctx.followup.send(embed=embed, ephemeral=True)

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Answer the candidate's message in their negotiation thread."""
        if message.author.bot or message.is_system():
            return
        if not isinstance(message.channel, discord.Thread):
            return  # negotiations only run in threads: skip the database for the rest
        await self.conversation.on_message(message)

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        """Answer messages that were saved but not answered when the bot last stopped."""
        await self.conversation.recover()


def _intro(negotiation: Negotiation, money: Currency, mention: str) -> str:
    setup, lang = negotiation.setup, negotiation.language
    role = setup.role
    if setup.level is not None:
        role = f"{role} ({level_name(setup.level.value, lang)})"
    if setup.location:
        role = f"{role}, {setup.location}"
    return text(
        "negotiation.intro",
        lang,
        mention=mention,
        role=role,
        offer=format_amount(setup.offer.base, money, lang),
        target=format_amount(setup.target, money, lang),
        style=text(f"negotiation.styles.{setup.style.value}", lang),
    )


def _guild(ctx: discord.ApplicationContext) -> int | None:
    return ctx.guild.id if ctx.guild else None
