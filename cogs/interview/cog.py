"""`/interview` commands and answers typed (or sent as audio) in the interview thread."""

from __future__ import annotations

import logging
from collections.abc import Callable

import discord
from discord.ext import commands

from bot.catalog import Kind, Level
from bot.copy import text
from bot.errors import SessionAlreadyActive
from bot.interview.desk import InterviewDesk, Place
from bot.interview.engine import InterviewEngine, StartOptions
from bot.interview.events import Event
from bot.interview.inbox import AnswerInbox
from bot.interview.models import Session
from bot.presenters import kind_name, level_name
from bot.profile import Personalise, ProfileService
from bot.reports import ReportService
from cogs._buttons import chosen_language, locale_language
from cogs._cooldown import INTERVIEW, NO_COOLDOWNS, Cooldowns
from cogs._shared import command, interview_options, option
from cogs.interview._answering import ThreadAnswers
from cogs.interview._audio import SpeechServices
from cogs.interview._channels import (
    InterviewChannel,
    discard_channel,
    open_interview_channel,
    progress,
    session_channel,
    thread_title,
    where,
)
from cogs.interview._controls import personalise_choices, resume_or_stop_controls
from cogs.interview._missed import tell_missed
from cogs.interview._poster import EventPoster
from cogs.interview._render import history_embed, reevaluation_messages
from cogs.interview._reports import InterviewReports, interview_choices
from cogs.interview.buttons import InterviewButtons

log = logging.getLogger(__name__)


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
        cooldowns: Cooldowns = NO_COOLDOWNS,
        reports: ReportService | None = None,
        profiles: ProfileService | None = None,
    ) -> None:
        self.bot = bot
        self.engine = engine
        self.speech = speech
        # One inbox per engine: it knows which interview is being graded right now.
        self.inbox = inbox or AnswerInbox(engine)
        self.desk = desk or InterviewDesk(engine)
        self.cooldowns = cooldowns
        self.poster = EventPoster(speech, reports.prepare if reports is not None else None)
        self.buttons = InterviewButtons(bot, engine, self.inbox, self.poster)
        # Discord rate-limits edits: the live preview edits at most once per interval.
        self.answers = ThreadAnswers(bot, engine, self.inbox, self.poster, speech, stream_interval)
        self.reports = InterviewReports(reports, cooldowns)
        self.profiles = profiles

    # ---- slash commands ------------------------------------------------------------

    @interview.command(**command("interview.commands.start"))
    @interview_options(level_default=None)
    @option("interview.options.count", int, min_value=1, max_value=15, default=5)
    @option("interview.options.role", str, required=False, default=None, max_length=100)
    @option("profile.options.personalise", str, choices=personalise_choices(), default="none")
    async def start(
        self,
        ctx: discord.ApplicationContext,
        kind: str,
        level: str | None,
        count: int,
        role: str | None,
        language: str | None,
        personalise: str,
    ) -> None:
        """Open a thread and ask the first question (at the job's level when none is chosen
        and the interview is personalised with a job that states one)."""
        lang = chosen_language(language, ctx.interaction)
        with self.cooldowns.charged(ctx.author.id, INTERVIEW, lang) as charge:
            await ctx.defer(ephemeral=True)
            await self._start(
                ctx,
                StartOptions(
                    ctx.author.id,
                    _guild(ctx),
                    Kind(kind),
                    Level(level or Level.MID),
                    count,
                    lang,
                    role,
                ),
                charge.refund,
                Personalise(personalise),
                level_chosen=level is not None,
            )

    async def _start(
        self,
        ctx: discord.ApplicationContext,
        options: StartOptions,
        refund: Callable[[], None],
        mode: Personalise = Personalise.NONE,
        *,
        level_chosen: bool = True,
    ) -> None:
        """Start the interview in a new thread; offer resume or stop when one runs already."""
        lang, kind = options.language, options.kind
        opened: list[InterviewChannel] = []

        async def open_place() -> int:
            # Called by the engine only once it knows no interview runs here already.
            title = thread_title(ctx.author, lang)
            opened.append(await open_interview_channel(ctx.channel, ctx.author, title, lang))
            return opened[0].channel_id

        try:
            if mode is Personalise.NONE or self.profiles is None:
                outcome = await self.desk.start(options, open_place)
            else:
                outcome = await self.profiles.start(
                    options, mode, open_place, level_chosen=level_chosen
                )
        except SessionAlreadyActive as exc:
            refund()  # nothing costly happened
            if opened:  # another process won the race after our thread opened
                await discard_channel(opened[0].channel)
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
            kind=kind_name(kind.value, lang),
            level=level_name(session.level.value, lang),  # the job's, when taken from it
            role=text("interview.intro_role", lang, role=session.role) if session.role else "",
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

    @interview.command(**command("reports.commands.report"))
    @option(
        "reports.options.interview",
        int,
        required=False,
        default=None,
        min_value=1,
        autocomplete=interview_choices,
    )
    async def report(self, ctx: discord.ApplicationContext, interview: int | None) -> None:
        """Send a PDF report of one of the user's interviews (the latest if none is chosen)."""
        await self.reports.command(ctx, interview)

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
        await self.answers.on_message(message)

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Route clicks on our buttons (works across restarts: ids carry the session)."""
        if not await self.buttons.dispatch(interaction):
            await self.reports.dispatch(interaction)

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        """Grade answers saved but not graded when the bot stopped; flag missed messages."""
        connected_at = discord.utils.utcnow()
        async for session, events in self.inbox.recover_all():
            await self.post_to_session(session, events)
        await tell_missed(self.bot, self.engine, self.inbox, connected_at)

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
