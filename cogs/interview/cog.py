"""`/interview` commands, the question buttons, and answers typed in the thread."""

from __future__ import annotations

import logging

import discord
from discord.ext import commands

from bot.catalog import Kind, Language, Level
from bot.coaching.answer import Word
from bot.errors import CoachError, SessionAlreadyActive
from bot.interview.engine import InterviewEngine, StartOptions
from bot.interview.events import Event
from bot.interview.models import Session, TurnStatus
from bot.stream_editor import MessageHandle
from cogs._shared import interview_options
from cogs.interview._audio import (
    NOT_AUDIO,
    SpeechServices,
    audio_attachment,
    spoken,
    transcribe_attachment,
)
from cogs.interview._channels import open_interview_channel
from cogs.interview._controls import (
    parse_custom_id,
    parse_rewrites_id,
    question_controls,
    resume_or_stop_controls,
    rewind_controls,
    rewrites_controls,
)
from cogs.interview._live import LivePreview
from cogs.interview._render import (
    PREVIEW_MOVED,
    PREVIEW_SUPERSEDED,
    Outgoing,
    history_embed,
    reevaluation_messages,
    render,
    rewrites_messages,
)

log = logging.getLogger(__name__)


NOT_YOURS = (
    "Only {mention}'s answers are graded in this thread; start your own with `/interview start`."
)
STILL_GRADING = (
    "I'm still grading your previous answer, so this message wasn't used as an answer. "
    "When the feedback appears, answer the next question (send this again if it belongs there)."
)
STILL_GRADING_SKIP = "I'm still grading your answer; press Skip on the next question instead."


class InterviewCog(commands.Cog):
    """Parse options, defer, call the engine, render."""

    interview = discord.SlashCommandGroup("interview", "Practise a mock interview")

    def __init__(
        self,
        bot: discord.Bot,
        engine: InterviewEngine,
        speech: SpeechServices | None = None,
        *,
        stream_interval: float = 1.0,
    ) -> None:
        self.bot = bot
        self.engine = engine
        self.speech = speech
        # Discord rate-limits edits: the live preview edits at most once per interval.
        self.stream_interval = stream_interval
        self._warned: set[tuple[int, int]] = set()
        # Sessions whose answer is being graded now: a second message meanwhile would
        # otherwise answer a follow-up the candidate has not seen yet.
        self._grading: set[int] = set()

    # ---- slash commands ------------------------------------------------------------

    @interview.command(name="start", description="Start a mock interview in a private thread")
    @interview_options()
    @discord.option(
        "count", int, description="How many questions (1-15)", min_value=1, max_value=15, default=5
    )
    @discord.option(
        "role",
        str,
        description="The role you're preparing for",
        required=False,
        default=None,
        max_length=100,
    )
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
        guild_id = ctx.guild.id if ctx.guild else None
        existing = await self.engine.active_session(ctx.author.id, guild_id)
        if existing is not None and existing.id is not None:
            await ctx.followup.send(
                "You already have an interview running here "
                f"({self._progress(existing)}). Resume it or stop it:",
                view=resume_or_stop_controls(existing.id),
                ephemeral=True,
            )
            return
        title = f"Mock interview · {ctx.author.display_name}"[:100]
        place = await open_interview_channel(ctx.channel, ctx.author, title)
        options = StartOptions(
            user_id=ctx.author.id,
            guild_id=guild_id,
            kind=Kind(kind),
            level=Level(level),
            count=count,
            language=Language(language),
            role=role,
            channel_id=place.channel_id,
        )
        try:
            session, events = await self.engine.start(options)
        except SessionAlreadyActive as exc:
            await ctx.followup.send(
                exc.user_message, view=resume_or_stop_controls(exc.session_id), ephemeral=True
            )
            return
        assert session.id is not None
        intro = (
            f"{ctx.author.mention} here is your {Kind(kind).value.replace('_', ' ')} mock "
            f"interview at **{level}** level"
            + (f" for **{role}**" if role else "")
            + f": {session.question_count} questions. Answer each one in a message here. "
            "Use **Hint** if you're stuck, **Skip** to move on, **Finish** to end early."
        )
        if place.note:
            intro = f"{place.note}\n\n{intro}"
        await place.channel.send(intro)
        await self._post(place.channel, session.id, events, session.language.value)
        where = (
            f"<#{place.channel_id}>"
            if not isinstance(place.channel, discord.DMChannel)
            else "your DMs"
        )
        await ctx.followup.send(f"Your interview is ready in {where}.", ephemeral=True)

    @interview.command(name="stop", description="Stop your current interview")
    async def stop(self, ctx: discord.ApplicationContext) -> None:
        """End the active session and post its summary."""
        await ctx.defer(ephemeral=True)
        session = await self._require_active(ctx)
        assert session.id is not None
        events = await self.engine.finish(session.id, stopped=True)
        await self._post_to_session(session, events)
        await ctx.followup.send("Interview stopped. Your answers are saved.", ephemeral=True)

    @interview.command(name="resume", description="Continue your interview where you left off")
    async def resume(self, ctx: discord.ApplicationContext) -> None:
        """Re-post the current question, in a new thread if the old one is gone."""
        await ctx.defer(ephemeral=True)
        session = await self._require_active(ctx)
        channel = await self._session_channel(session)
        if channel is None:
            title = f"Mock interview · {ctx.author.display_name}"[:100]
            place = await open_interview_channel(ctx.channel, ctx.author, title)
            assert session.id is not None
            await self.engine.bind_channel(session.id, place.channel_id)
            channel = place.channel
            if place.note:
                await channel.send(place.note)
        assert session.id is not None
        await channel.send(f"{ctx.author.mention} welcome back: {self._progress(session)}.")
        await self._post(channel, session.id, await self._resume(session), session.language.value)
        where = getattr(channel, "mention", "your DMs")
        await ctx.followup.send(f"Resumed in {where}.", ephemeral=True)

    @interview.command(name="history", description="Your recent interviews and scores")
    async def history(self, ctx: discord.ApplicationContext) -> None:
        """Show the user's recent sessions."""
        await ctx.defer(ephemeral=True)
        rows = await self.engine.history(ctx.author.id, ctx.guild.id if ctx.guild else None)
        await ctx.followup.send(embed=history_embed(rows), ephemeral=True)

    @interview.command(
        name="rewind", description="Answer an earlier question again and see what changed"
    )
    @discord.option(
        "question",
        int,
        description="The question number to answer again (as in 'Question 2 of 5')",
        min_value=1,
        max_value=15,
    )
    async def rewind(self, ctx: discord.ApplicationContext, question: int) -> None:
        """Re-ask question n of the current (or latest) interview; the next answer retries it."""
        await ctx.defer(ephemeral=True)
        session = await self._require_latest(ctx)
        assert session.id is not None
        event = await self.engine.rewind(session.id, question)
        channel = await self._session_channel(session)
        if channel is None:
            title = f"Mock interview · {ctx.author.display_name}"[:100]
            place = await open_interview_channel(ctx.channel, ctx.author, title)
            await self.engine.bind_channel(session.id, place.channel_id)
            channel = place.channel
            if place.note:
                await channel.send(place.note)
        await self._post(channel, session.id, [event], session.language.value)
        where = getattr(channel, "mention", "your DMs")
        await ctx.followup.send(
            f"Question {question} is re-asked in {where}: your next message there (typed or a "
            "voice message) is the retry, graded against your previous attempt. Your "
            "interview's progress and level don't change.",
            ephemeral=True,
        )

    @interview.command(
        name="reevaluate",
        description="Re-grade with the AI coach the answers it could not grade at the time",
    )
    async def reevaluate(self, ctx: discord.ApplicationContext) -> None:
        """Re-grade the current (or latest) interview's answers that were graded offline."""
        await ctx.defer(ephemeral=True)
        session = await self._require_latest(ctx)
        assert session.id is not None
        result = await self.engine.reevaluate(session.id)
        for chunk in reevaluation_messages(result):
            await ctx.followup.send(chunk, ephemeral=True)

    # ---- listeners -----------------------------------------------------------------

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Grade the candidate's answer typed in their interview thread."""
        if message.author.bot or message.is_system():
            return
        # Interviews only run in threads and DMs; skip the database for everything else.
        if not isinstance(message.channel, discord.Thread | discord.DMChannel):
            return
        session = await self.engine.session_in_channel(message.channel.id)
        if session is None:
            # A finished interview's thread still takes the retry of a rewound question.
            session = await self.engine.rewind_in_channel(message.channel.id)
        if session is None or session.id is None:
            return
        if message.author.id != session.user_id:
            key = (session.id, message.author.id)
            if key not in self._warned:
                self._warned.add(key)
                await message.reply(
                    NOT_YOURS.format(mention=f"<@{session.user_id}>"),
                    allowed_mentions=discord.AllowedMentions.none(),
                )
            return
        if session.id in self._grading:
            await message.reply(STILL_GRADING, allowed_mentions=discord.AllowedMentions.none())
            return
        self._grading.add(session.id)
        try:
            await self._take_answer(message, session)
        finally:
            self._grading.discard(session.id)

    async def _take_answer(self, message: discord.Message, session: Session) -> None:
        """Grade the owner's message as the answer (or finish an interrupted grade)."""
        assert session.id is not None
        current = session.current_turn
        if (
            session.rewind_turn_id is None
            and current is not None
            and current.status is TurnStatus.ANSWERED
        ):
            # The bot stopped while grading the previous answer: grade it now.
            await self._post(
                message.channel,
                session.id,
                await self._resume(session),
                session.language.value,
            )
            await message.reply(
                "I hadn't finished grading your previous answer (I restarted or hit an "
                "error); its feedback is above now. This message wasn't used as an answer: "
                "please answer the question above."
            )
            return
        attachment = audio_attachment(message)
        if attachment is not None and self.speech is not None:
            heard = await transcribe_attachment(
                message, attachment, self.speech, session.language.value
            )
            if heard is None:
                return  # the user was told why; the question is still open
            text, words = heard
            await self._answer(message.channel, session, text, words, spoken=True)
            return
        if not message.content.strip():
            await message.reply(
                NOT_AUDIO
                if message.attachments
                else "That message was empty. Type your "
                "answer or send a voice message, or press Skip."
            )
            return
        await self._answer(message.channel, session, message.content)

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Route clicks on our buttons (works across restarts: ids carry the session)."""
        if interaction.type is not discord.InteractionType.component or interaction.data is None:
            return
        raw_id = str(interaction.data.get("custom_id", ""))
        rewrites = parse_rewrites_id(raw_id)
        if rewrites is not None:
            await self._show_rewrites(interaction, *rewrites)
            return
        parsed = parse_custom_id(raw_id)
        if parsed is None:
            return
        action, session_id = parsed
        user = interaction.user
        session = await self.engine.session(session_id)
        if user is None or user.id != session.user_id:
            await interaction.response.send_message(
                "These buttons belong to someone else's interview.", ephemeral=True
            )
            return
        if action == "hint":
            await interaction.response.send_message(
                f"Hint: {self.engine.hint(session)}", ephemeral=True
            )
            return
        if action == "unrewind":
            dropped = await self.engine.cancel_rewind(session_id)
            await interaction.response.send_message(
                "Retry cancelled: your next message answers the interview as usual."
                if dropped
                else "There was no retry waiting.",
                ephemeral=True,
            )
            return
        if action == "skip" and session_id in self._grading:
            await interaction.response.send_message(STILL_GRADING_SKIP, ephemeral=True)
            return
        await interaction.response.defer()
        if action == "skip":
            events = await self.engine.skip(session_id)
        elif action in ("finish", "stop"):
            events = await self.engine.finish(session_id, stopped=action == "stop")
        else:
            channel = await self._session_channel(session)
            if channel is None:
                await interaction.followup.send(
                    "That interview's thread is gone; use `/interview resume` in a "
                    "channel to continue it in a new thread.",
                    ephemeral=True,
                )
                return
            events = await self._resume(session)
        await self._post_to_session(await self.engine.session(session_id), events)

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        """Grade answers that were saved but not graded when the bot last stopped."""
        for session_id in await self.engine.sessions_awaiting_grade():
            if session_id in self._grading:
                continue
            # A message sent meanwhile must not re-grade (and re-post) the same answer.
            self._grading.add(session_id)
            try:
                session = await self.engine.session(session_id)
                await self._post_to_session(session, await self._resume(session))
            except Exception:
                log.exception("Could not finish grading session %s after restart", session_id)
            finally:
                self._grading.discard(session_id)

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
        text: str,
        words: tuple[Word, ...] | list[Word] = (),
        spoken: bool = False,
    ) -> None:
        """Grade an answer, streaming the model's coaching, then post the outcome."""
        assert session.id is not None
        live = LivePreview(
            channel, text, min_interval=self.stream_interval, language=session.language.value
        )
        try:
            async with channel.typing():
                events = await self.engine.answer(
                    session.id, text, words, spoken=spoken, on_section=live.on_section
                )
        except BaseException:
            await live.abandon()
            raise
        preview = await live.close()
        await self._post(channel, session.id, events, session.language.value, preview=preview)

    async def _resume(self, session: Session) -> list[Event]:
        """Resume a session; an answer it re-grades uses the server's key and budget."""
        assert session.id is not None
        return await self.engine.resume(session.id)

    async def _show_rewrites(
        self, interaction: discord.Interaction, turn_id: int, attempt: int
    ) -> None:
        """Post a feedback's rewrites privately to the candidate who owns it."""
        session, turn = await self.engine.turn(turn_id)
        user = interaction.user
        if user is None or user.id != session.user_id:
            await interaction.response.send_message(
                "These rewrites belong to someone else's answer.", ephemeral=True
            )
            return
        evaluation = turn.evaluation
        if attempt > 1:
            attempts = await self.engine.attempts(turn_id)
            evaluation = attempts[attempt - 2].evaluation if attempt - 2 < len(attempts) else None
        if evaluation is None:
            await interaction.response.send_message(
                "That answer's feedback is no longer stored.", ephemeral=True
            )
            return
        first, *rest = rewrites_messages(evaluation)
        await interaction.response.send_message(first, ephemeral=True)
        for chunk in rest:
            await interaction.followup.send(chunk, ephemeral=True)

    async def _require_latest(self, ctx: discord.ApplicationContext) -> Session:
        """Return the user's active interview here, else their latest one."""
        session = await self.engine.latest_session(
            ctx.author.id, ctx.guild.id if ctx.guild else None
        )
        if session is None or session.id is None:
            raise CoachError("You have no interviews here yet. Start one with `/interview start`.")
        return session

    async def _require_active(self, ctx: discord.ApplicationContext) -> Session:
        session = await self.engine.active_session(
            ctx.author.id, ctx.guild.id if ctx.guild else None
        )
        if session is None:
            raise CoachError(
                "You have no interview running here. Start one with `/interview start`."
            )
        return session

    @staticmethod
    def _progress(session: Session) -> str:
        return (
            f"question {max(1, session.questions_asked)} of {session.question_count}, "
            f"{session.kind.value.replace('_', ' ')}"
        )

    async def _session_channel(self, session: Session) -> discord.abc.Messageable | None:
        if session.channel_id is None:
            return None
        channel = self.bot.get_channel(session.channel_id)
        if channel is None:
            try:
                channel = await self.bot.fetch_channel(session.channel_id)
            except (discord.NotFound, discord.Forbidden):
                return None
        if isinstance(channel, discord.Thread) and channel.archived:
            try:
                await channel.edit(archived=False)
            except discord.HTTPException:
                return None
        return channel if isinstance(channel, discord.abc.Messageable) else None

    async def _post_to_session(self, session: Session, events: list[Event]) -> None:
        channel = await self._session_channel(session)
        if channel is None or session.id is None:
            log.warning("Session %s has no reachable channel; events not posted", session.id)
            return
        await self._post(channel, session.id, events, session.language.value)

    async def _post(
        self,
        channel: discord.abc.Messageable,
        session_id: int,
        events: list[Event],
        language: str = "en",
        preview: list[MessageHandle] | None = None,
    ) -> None:
        # Feedback replaces the live preview in place, so nothing is shown twice.
        reuse = list(preview or [])
        leftover = PREVIEW_SUPERSEDED
        try:
            for item in render(events, language):
                if item.feedback and item.content and reuse:
                    if await _replaced(reuse.pop(0), item.content, session_id):
                        continue
                    # A preview message was deleted or cannot be edited: post the feedback
                    # as new messages, below whatever is left of the preview.
                    leftover = PREVIEW_MOVED
                    reuse, stale = [], reuse
                    await self._send(channel, session_id, item, language)
                    await _mark_all(stale, leftover)
                    continue
                await self._send(channel, session_id, item, language)
            await _mark_all(reuse, leftover)
        except discord.NotFound:
            log.warning("Channel for session %s disappeared while posting", session_id)

    async def _send(
        self, channel: discord.abc.Messageable, session_id: int, item: Outgoing, language: str
    ) -> None:
        view: discord.ui.View | None = None
        if item.controls:
            view = question_controls(session_id)
        elif item.rewrites is not None:
            view = rewrites_controls(*item.rewrites)
        elif item.cancel_rewind is not None:
            view = rewind_controls(item.cancel_rewind)
        audio = await spoken(self.speech, item.speak, language) if item.speak else None
        try:
            if item.embed is not None and view is not None and audio is not None:
                await channel.send(item.content, embed=item.embed, view=view, file=audio)
            elif item.embed is not None and view is not None:
                await channel.send(item.content, embed=item.embed, view=view)
            elif item.embed is not None:
                await channel.send(item.content, embed=item.embed)
            elif view is not None:
                await channel.send(item.content, view=view)
            else:
                await channel.send(item.content)
        finally:
            if view is not None:
                # Clicks are routed by custom_id in on_interaction; stopping the view
                # keeps py-cord's view store from holding every question forever.
                view.stop()


async def _replaced(handle: MessageHandle, text: str, session_id: int) -> bool:
    """Edit a preview message into final text; False when Discord refuses the edit."""
    try:
        await handle.edit(text)
    except discord.HTTPException as exc:
        log.warning(
            "Could not replace the live preview of session %s (HTTP %s); posting anew",
            session_id,
            exc.status,
        )
        return False
    return True


async def _mark_all(handles: list[MessageHandle], text: str) -> None:
    """Replace leftover preview messages with a pointer to the feedback (best effort)."""
    for handle in handles:
        try:
            await handle.edit(text)
        except discord.HTTPException:
            log.debug("a leftover preview message could not be edited", exc_info=True)
