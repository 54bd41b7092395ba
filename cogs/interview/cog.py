"""`/interview` commands and answers typed (or sent as audio) in the interview thread."""

from __future__ import annotations

import logging

import discord
from discord.ext import commands

from bot.catalog import Kind, Language, Level
from bot.coaching.answer import Word
from bot.copy import text
from bot.errors import SessionAlreadyActive
from bot.interview.desk import InterviewDesk, Place
from bot.interview.engine import InterviewEngine, StartOptions
from bot.interview.events import Event
from bot.interview.inbox import AnswerInbox, Delivery
from bot.interview.models import Session
from bot.presenters import kind_name, level_name
from cogs._buttons import locale_language
from cogs._shared import command, interview_options, option
from cogs.interview._audio import SpeechServices, audio_attachment, transcribe_attachment
from cogs.interview._channels import (
    InterviewChannel,
    open_interview_channel,
    progress,
    session_channel,
    thread_title,
    where,
)
from cogs.interview._controls import resume_or_stop_controls
from cogs.interview._live import LivePreview
from cogs.interview._poster import EventPoster
from cogs.interview._render import history_embed, reevaluation_messages
from cogs.interview.buttons import InterviewButtons

log = logging.getLogger(__name__)

_QUIET = discord.AllowedMentions.none()


class InterviewCog(commands.Cog):
    """Parse options, defer, make one service call, render."""

    interview = discord.SlashCommandGroup(**command("interview.commands.group"))

    def __init__(
        self,
        bot: discord.Bot,
        engine: InterviewEngine,
        speech: SpeechServices | None = None,
        *,
        inbox: AnswerInbox | None = None,
        desk: InterviewDesk | None = None,
        stream_interval: float = 1.0,
    ) -> None:
        self.bot = bot
        self.engine = engine
        self.speech = speech
        # One inbox per engine: it knows which interview is being graded right now.
        self.inbox = inbox or AnswerInbox(engine)
        self.desk = desk or InterviewDesk(engine)
        self.poster = EventPoster(speech)
        self.buttons = InterviewButtons(bot, engine, self.inbox, self.poster)
        # Discord rate-limits edits: the live preview edits at most once per interval.
        self.stream_interval = stream_interval

    # ---- slash commands ------------------------------------------------------------

    @interview.command(**command("interview.commands.start"))
    @interview_options()
    @option("interview.options.count", int, min_value=1, max_value=15, default=5)
    @option("interview.options.role", str, required=False, default=None, max_length=100)
    async def start(
        self,
        ctx: discord.ApplicationContext,
        kind: str,
        level: str,
        count: int,
        role: str | None,
        language: str,
    ) -> None:
        """Open a thread and ask the first question."""
        await ctx.defer(ephemeral=True)
        lang = Language(language)
        options = StartOptions(
            ctx.author.id, _guild(ctx), Kind(kind), Level(level), count, lang, role
        )
        opened: list[InterviewChannel] = []

        async def open_place() -> int:
            # Called by the engine only once it knows no interview runs here already.
            title = thread_title(ctx.author, lang)
            opened.append(await open_interview_channel(ctx.channel, ctx.author, title, lang))
            return opened[0].channel_id

        try:
            outcome = await self.desk.start(options, open_place)
        except SessionAlreadyActive as exc:
            running: Session = exc.running
            await ctx.followup.send(
                text("interview.already_running", running.language, progress=progress(running)),
                view=resume_or_stop_controls(exc.session_id, running.language),
                ephemeral=True,
            )
            return
        session, place = outcome.session, opened[0]
        assert session.id is not None
        intro = text(
            "interview.intro",
            lang,
            mention=ctx.author.mention,
            kind=kind_name(kind, lang),
            level=level_name(level, lang),
            role=text("interview.intro_role", lang, role=role) if role else "",
            count=session.question_count,
        )
        await place.channel.send(f"{place.note}\n\n{intro}" if place.note else intro)
        await self.poster.post(place.channel, session.id, outcome.events, lang)
        ready = text("interview.ready", lang, where=where(place.channel, lang))
        await ctx.followup.send(ready, ephemeral=True)

    @interview.command(**command("interview.commands.stop"))
    async def stop(self, ctx: discord.ApplicationContext) -> None:
        """End the active session and post its summary."""
        await ctx.defer(ephemeral=True)
        outcome = await self.desk.stop(ctx.author.id, _guild(ctx), locale_language(ctx.interaction))
        await self.post_to_session(outcome.session, outcome.events)
        await ctx.followup.send(text("interview.stopped", outcome.language), ephemeral=True)

    @interview.command(**command("interview.commands.resume"))
    async def resume(self, ctx: discord.ApplicationContext) -> None:
        """Re-post the current question, in a new thread if the old one is gone."""
        await ctx.defer(ephemeral=True)
        outcome = await self.desk.resume(
            ctx.author.id, _guild(ctx), self._place(ctx), locale_language(ctx.interaction)
        )
        session, lang = outcome.session, outcome.language
        channel = await session_channel(self.bot, session)
        if channel is None or session.id is None:
            return
        mention = ctx.author.mention
        await channel.send(
            text("interview.welcome_back", lang, mention=mention, progress=progress(session))
        )
        await self.poster.post(channel, session.id, outcome.events, lang)
        done = text("interview.resumed_in", lang, where=where(channel, lang))
        await ctx.followup.send(done, ephemeral=True)

    @interview.command(**command("interview.commands.history"))
    async def history(self, ctx: discord.ApplicationContext) -> None:
        """Show the user's recent sessions."""
        await ctx.defer(ephemeral=True)
        found = await self.desk.history(
            ctx.author.id, _guild(ctx), locale_language(ctx.interaction)
        )
        await ctx.followup.send(embed=history_embed(found.rows, found.language), ephemeral=True)

    @interview.command(**command("interview.commands.rewind"))
    @option("interview.options.question", int, min_value=1, max_value=15)
    async def rewind(self, ctx: discord.ApplicationContext, question: int) -> None:
        """Re-ask question n of the current (or latest) interview; the next answer retries it."""
        await ctx.defer(ephemeral=True)
        outcome = await self.desk.rewind(
            ctx.author.id, _guild(ctx), question, self._place(ctx), locale_language(ctx.interaction)
        )
        await self.post_to_session(outcome.session, outcome.events)
        lang = outcome.language
        channel = await session_channel(self.bot, outcome.session)
        asked = text("interview.rewind_asked", lang, number=question, where=where(channel, lang))
        await ctx.followup.send(asked, ephemeral=True)

    @interview.command(**command("interview.commands.reevaluate"))
    async def reevaluate(self, ctx: discord.ApplicationContext) -> None:
        """Re-grade the current (or latest) interview's answers that were graded offline."""
        await ctx.defer(ephemeral=True)
        done = await self.desk.reevaluate(
            ctx.author.id, _guild(ctx), locale_language(ctx.interaction)
        )
        for chunk in reevaluation_messages(done.result, done.session.language):
            await ctx.followup.send(chunk, ephemeral=True)

    # ---- listeners -----------------------------------------------------------------

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Grade the candidate's answer typed (or sent as audio) in their interview thread."""
        if message.author.bot or message.is_system():
            return
        # Interviews only run in threads and DMs; skip the database for everything else.
        if not isinstance(message.channel, discord.Thread | discord.DMChannel):
            return
        async with self.inbox.receive(message.channel.id, message.author.id) as inbound:
            session = inbound.session
            if session is None or session.id is None:
                return
            lang = session.language
            if inbound.delivery is Delivery.NOT_OWNER:
                if inbound.warn:
                    mention = f"<@{session.user_id}>"
                    note = text("interview.not_yours", lang, mention=mention)
                    await message.reply(note, allowed_mentions=_QUIET)
            elif inbound.delivery is Delivery.BUSY:
                await message.reply(text("interview.still_grading", lang), allowed_mentions=_QUIET)
            elif inbound.delivery is Delivery.RECOVER:
                # The bot stopped while grading the previous answer: grade it now.
                events = await self.engine.resume(session.id)
                await self.poster.post(message.channel, session.id, events, lang)
                await message.reply(text("interview.recovered", lang))
            else:
                await self._take_answer(message, session)

    async def _take_answer(self, message: discord.Message, session: Session) -> None:
        """Grade the owner's message, typed or a voice message, as the answer."""
        lang = session.language
        attachment = audio_attachment(message)
        if attachment is not None and self.speech is not None:
            heard = await transcribe_attachment(message, attachment, self.speech, lang)
            if heard is not None:  # else the user was told why; the question is still open
                await self._answer(message.channel, session, heard[0], heard[1], spoken=True)
            return
        if not message.content.strip():
            key = "interview.audio.not_audio" if message.attachments else "interview.empty_message"
            await message.reply(text(key, lang))
            return
        await self._answer(message.channel, session, message.content)

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Route clicks on our buttons (works across restarts: ids carry the session)."""
        await self.buttons.dispatch(interaction)

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        """Grade answers that were saved but not graded when the bot last stopped."""
        async for session, events in self.inbox.recover_all():
            await self.post_to_session(session, events)

    @commands.Cog.listener()
    async def on_raw_thread_delete(self, payload: discord.RawThreadDeleteEvent) -> None:
        """Note a deleted interview thread; the session stays resumable."""
        session = await self.engine.session_in_channel(payload.thread_id)
        if session is not None:
            log.info(
                "Thread %s of session %s was deleted; it can be resumed with /interview resume",
                payload.thread_id,
                session.id,
            )

    # ---- helpers -------------------------------------------------------------------

    async def _answer(
        self,
        channel: discord.abc.Messageable,
        session: Session,
        answer: str,
        words: tuple[Word, ...] | list[Word] = (),
        spoken: bool = False,
    ) -> None:
        """Grade an answer, streaming the model's coaching, then post the outcome."""
        assert session.id is not None
        lang = session.language
        live = LivePreview(channel, answer, min_interval=self.stream_interval, language=lang)
        try:
            async with channel.typing():
                events = await self.engine.answer(
                    session.id, answer, words, spoken=spoken, on_section=live.on_section
                )
        except BaseException:
            await live.abandon()
            raise
        preview = await live.close()
        await self.poster.post(channel, session.id, events, lang, preview=preview)

    def _place(self, ctx: discord.ApplicationContext) -> Place:
        """Return how to find a session's thread, opening a new one when it is gone."""

        async def place(session: Session) -> int | None:
            if await session_channel(self.bot, session) is not None:
                return None
            lang = session.language
            title = thread_title(ctx.author, lang)
            opened = await open_interview_channel(ctx.channel, ctx.author, title, lang)
            if opened.note:
                await opened.channel.send(opened.note)
            return opened.channel_id

        return place

    async def post_to_session(self, session: Session, events: list[Event]) -> None:
        """Post events in the session's thread, if it can still be reached."""
        channel = await session_channel(self.bot, session)
        if channel is None or session.id is None:
            log.warning("Session %s has no reachable channel; events not posted", session.id)
            return
        await self.poster.post(channel, session.id, events, session.language)


def _guild(ctx: discord.ApplicationContext) -> int | None:
    return ctx.guild.id if ctx.guild else None
