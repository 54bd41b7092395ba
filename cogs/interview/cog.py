"""`/interview` commands, the question buttons, and answers typed in the thread."""

from __future__ import annotations

import logging

import discord
from discord.ext import commands

from bot.catalog import Kind, Language, Level
from bot.coaching.answer import Word
from bot.copy import text
from bot.errors import CoachError, SessionAlreadyActive
from bot.interview.engine import InterviewEngine, StartOptions
from bot.interview.events import Event
from bot.interview.inbox import AnswerInbox, Delivery
from bot.interview.models import Session
from bot.presenters import kind_name, level_name
from cogs._buttons import ButtonRouter, locale_language, owner_only
from cogs._shared import command, interview_options, option
from cogs.interview._audio import SpeechServices, audio_attachment, transcribe_attachment
from cogs.interview._channels import (
    InterviewChannel,
    open_interview_channel,
    session_channel,
    thread_title,
    where,
)
from cogs.interview._controls import (
    parse_custom_id,
    parse_rewrites_id,
    resume_or_stop_controls,
)
from cogs.interview._live import LivePreview
from cogs.interview._poster import EventPoster
from cogs.interview._render import history_embed, reevaluation_messages, rewrites_messages

log = logging.getLogger(__name__)

_QUIET = discord.AllowedMentions.none()


class InterviewCog(commands.Cog):
    """Parse options, defer, call the engine, render."""

    interview = discord.SlashCommandGroup(**command("interview.commands.group"))

    def __init__(
        self,
        bot: discord.Bot,
        engine: InterviewEngine,
        speech: SpeechServices | None = None,
        *,
        inbox: AnswerInbox | None = None,
        stream_interval: float = 1.0,
    ) -> None:
        self.bot = bot
        self.engine = engine
        self.speech = speech
        # One inbox per engine: it knows which interview is being graded right now.
        self.inbox = inbox or AnswerInbox(engine)
        self.poster = EventPoster(speech)
        # Discord rate-limits edits: the live preview edits at most once per interval.
        self.stream_interval = stream_interval
        self.buttons = ButtonRouter()
        self.buttons.route(parse_rewrites_id, self._show_rewrites)
        self.buttons.route(parse_custom_id, self._click)

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
            user_id=ctx.author.id,
            guild_id=ctx.guild.id if ctx.guild else None,
            kind=Kind(kind),
            level=Level(level),
            count=count,
            language=lang,
            role=role,
        )
        opened: list[InterviewChannel] = []

        async def open_place() -> int:
            # Called by the engine only once it knows no interview runs here already.
            opened.append(
                await open_interview_channel(
                    ctx.channel, ctx.author, thread_title(ctx.author, lang), lang
                )
            )
            return opened[0].channel_id

        try:
            session, events = await self.engine.start(options, open_channel=open_place)
        except SessionAlreadyActive as exc:
            await self._offer_resume(ctx, exc.session_id)
            return
        assert session.id is not None and opened
        place = opened[0]
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
        await self.poster.post(place.channel, session.id, events, lang)
        await ctx.followup.send(
            text("interview.ready", lang, where=where(place.channel, lang)), ephemeral=True
        )

    @interview.command(**command("interview.commands.stop"))
    async def stop(self, ctx: discord.ApplicationContext) -> None:
        """End the active session and post its summary."""
        await ctx.defer(ephemeral=True)
        session = await self._require(ctx, active=True)
        assert session.id is not None
        await self._post_to_session(session, await self.engine.finish(session.id, stopped=True))
        await ctx.followup.send(text("interview.stopped", session.language), ephemeral=True)

    @interview.command(**command("interview.commands.resume"))
    async def resume(self, ctx: discord.ApplicationContext) -> None:
        """Re-post the current question, in a new thread if the old one is gone."""
        await ctx.defer(ephemeral=True)
        session = await self._require(ctx, active=True)
        assert session.id is not None
        lang = session.language
        channel = await self._channel_for(ctx, session)
        welcome = text(
            "interview.welcome_back", lang, mention=ctx.author.mention, progress=_progress(session)
        )
        await channel.send(welcome)
        await self.poster.post(channel, session.id, await self.engine.resume(session.id), lang)
        await ctx.followup.send(
            text("interview.resumed_in", lang, where=where(channel, lang)), ephemeral=True
        )

    @interview.command(**command("interview.commands.history"))
    async def history(self, ctx: discord.ApplicationContext) -> None:
        """Show the user's recent sessions."""
        await ctx.defer(ephemeral=True)
        guild_id = ctx.guild.id if ctx.guild else None
        rows = await self.engine.history(ctx.author.id, guild_id)
        latest = await self.engine.latest_session(ctx.author.id, guild_id)
        lang = latest.language if latest is not None else locale_language(ctx.interaction)
        await ctx.followup.send(embed=history_embed(rows, lang), ephemeral=True)

    @interview.command(**command("interview.commands.rewind"))
    @option("interview.options.question", int, min_value=1, max_value=15)
    async def rewind(self, ctx: discord.ApplicationContext, question: int) -> None:
        """Re-ask question n of the current (or latest) interview; the next answer retries it."""
        await ctx.defer(ephemeral=True)
        session = await self._require(ctx, active=False)
        assert session.id is not None
        event = await self.engine.rewind(session.id, question)
        channel = await self._channel_for(ctx, session)
        await self.poster.post(channel, session.id, [event], session.language)
        lang = session.language
        await ctx.followup.send(
            text("interview.rewind_asked", lang, number=question, where=where(channel, lang)),
            ephemeral=True,
        )

    @interview.command(**command("interview.commands.reevaluate"))
    async def reevaluate(self, ctx: discord.ApplicationContext) -> None:
        """Re-grade the current (or latest) interview's answers that were graded offline."""
        await ctx.defer(ephemeral=True)
        session = await self._require(ctx, active=False)
        assert session.id is not None
        result = await self.engine.reevaluate(session.id)
        for chunk in reevaluation_messages(result, session.language):
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
            await self._post_to_session(session, events)

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

    # ---- buttons -------------------------------------------------------------------

    async def _click(self, interaction: discord.Interaction, parsed: tuple[str, int]) -> None:
        """Handle Skip / Hint / Finish / Resume / Stop / Cancel retry."""
        action, session_id = parsed
        session = await self.engine.session(session_id)
        lang = session.language
        if not await owner_only(
            interaction, session.user_id, text("interview.not_your_buttons", lang)
        ):
            return
        if action == "hint":
            hint = text("interview.hint", lang, hint=self.engine.hint(session))
            await interaction.response.send_message(hint, ephemeral=True)
            return
        if action == "unrewind":
            dropped = await self.engine.cancel_rewind(session_id)
            key = "interview.retry_cancelled" if dropped else "interview.no_retry"
            await interaction.response.send_message(text(key, lang), ephemeral=True)
            return
        if action == "skip" and self.inbox.busy(session_id):
            await interaction.response.send_message(
                text("interview.still_grading_skip", lang), ephemeral=True
            )
            return
        await interaction.response.defer()
        if action == "skip":
            events = await self.inbox.skip(session_id)
        elif action in ("finish", "stop"):
            events = await self.engine.finish(session_id, stopped=action == "stop")
        else:
            if await session_channel(self.bot, session) is None:
                await interaction.followup.send(text("interview.thread_gone", lang), ephemeral=True)
                return
            events = await self.engine.resume(session_id)
        await self._post_to_session(await self.engine.session(session_id), events)

    async def _show_rewrites(
        self, interaction: discord.Interaction, parsed: tuple[int, int]
    ) -> None:
        """Post a feedback's rewrites privately to the candidate who owns it."""
        turn_id, attempt = parsed
        session, turn = await self.engine.turn(turn_id)
        lang = session.language
        refusal = text("interview.not_your_rewrites", lang)
        if not await owner_only(interaction, session.user_id, refusal):
            return
        evaluation = await self.engine.attempt_evaluation(turn, attempt)
        if evaluation is None:
            await interaction.response.send_message(
                text("interview.feedback_gone", lang), ephemeral=True
            )
            return
        first, *rest = rewrites_messages(evaluation, lang)
        await interaction.response.send_message(first, ephemeral=True)
        for chunk in rest:
            await interaction.followup.send(chunk, ephemeral=True)

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

    async def _offer_resume(self, ctx: discord.ApplicationContext, session_id: int) -> None:
        """Tell the user an interview already runs here, with Resume / Stop buttons."""
        session = await self.engine.session(session_id)
        lang = session.language
        await ctx.followup.send(
            text("interview.already_running", lang, progress=_progress(session)),
            view=resume_or_stop_controls(session_id, lang),
            ephemeral=True,
        )

    async def _require(self, ctx: discord.ApplicationContext, *, active: bool) -> Session:
        """Return the user's active interview here (or, unless ``active``, their latest)."""
        guild_id = ctx.guild.id if ctx.guild else None
        if active:
            session = await self.engine.active_session(ctx.author.id, guild_id)
        else:
            session = await self.engine.latest_session(ctx.author.id, guild_id)
        if session is None or session.id is None:
            key = "interview.none_running" if active else "interview.none_yet"
            raise CoachError(key=key, language=locale_language(ctx.interaction))
        return session

    async def _channel_for(
        self, ctx: discord.ApplicationContext, session: Session
    ) -> discord.abc.Messageable:
        """Return the session's thread, opening a new one (and rebinding) when it is gone."""
        channel = await session_channel(self.bot, session)
        if channel is not None:
            return channel
        assert session.id is not None
        lang = session.language
        place = await open_interview_channel(
            ctx.channel, ctx.author, thread_title(ctx.author, lang), lang
        )
        await self.engine.bind_channel(session.id, place.channel_id)
        if place.note:
            await place.channel.send(place.note)
        return place.channel

    async def _post_to_session(self, session: Session, events: list[Event]) -> None:
        channel = await session_channel(self.bot, session)
        if channel is None or session.id is None:
            log.warning("Session %s has no reachable channel; events not posted", session.id)
            return
        await self.poster.post(channel, session.id, events, session.language)


def _progress(session: Session) -> str:
    """Return "question 2 of 5, behavioral" in the session's language."""
    lang = session.language
    return text(
        "interview.progress",
        lang,
        asked=max(1, session.questions_asked),
        total=session.question_count,
        kind=kind_name(session.kind.value, lang),
    )
